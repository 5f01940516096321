// The second pass of a folder's mutation run: the mutants the first pass (stryker.config.mjs) cannot
// run in its process. Static ones, in code that runs when a module loads (a zod schema, a table of
// defaults), cannot be switched on once the modules are loaded; unreached ones run only in a child
// process (a job's program, a command), where per-test coverage cannot see. Each runs in a fresh
// mocha process, its switch in the environment the programs it starts inherit, against the test
// files that load or run the mutated modules (quickest first), stopping at the first failing test.
// test/mutation/mutate.mjs writes the plan (MUTATE_STATIC_PLAN): the mutants' exact ranges and tests.
import * as fs from "fs";
import base from "../../stryker.config.mjs";

const planFile = process.env.MUTATE_STATIC_PLAN;
if (!planFile) throw new Error("MUTATE_STATIC_PLAN is not set: run `npm run mutate`, which writes the static mutants' plan");
const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));

const mocha = [
    "node_modules/.bin/mocha --no-config --no-package --extension ts --timeout 60000 --reporter dot --bail",
    "--require ts-node/register/transpile-only --require test/mutation/sandbox.ts --require test/support/setup.ts",
    ...plan.tests,
].join(" ");

export default {
    ...base,
    testRunner: "command",
    commandRunner: { command: mocha },
    mochaOptions: undefined,
    coverageAnalysis: "off",
    ignoreStatic: false,
    mutate: plan.ranges,
    incrementalFile: `test/mutation/results/${process.env.MUTATE_FOLDER}.static.json`,
    jsonReporter: { fileName: `reports/mutation/${process.env.MUTATE_FOLDER}.static.json` },
    timeoutMS: 60000,
};
