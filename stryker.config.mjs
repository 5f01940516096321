// Mutation testing (`npm run mutate`, docs/02-development/mutation-testing.md): StrykerJS plants one
// small bug at a time in the source and runs the tests that reach it; a bug no test notices is a gap
// in the tests. One source folder per run (MUTATE_FOLDER, set by test/mutation/mutate.mjs), against
// the test files that import that folder's modules, in process (mocha) with per-test coverage, so a
// mutant runs only the tests that reach it. Mutants that do not compile are left out by the
// TypeScript checker. The last result of each folder is kept in test/mutation/results/ and reused:
// only changed code and code whose tests changed runs again.
import { checkerProject, mutatePatterns, testsOf, FOLDERS } from "./test/mutation/folders.mjs";

const folder = process.env.MUTATE_FOLDER;
if (!folder) throw new Error(`MUTATE_FOLDER is not set: run \`npm run mutate\` (or MUTATE_FOLDER=<folder> with one of ${Object.keys(FOLDERS).join(", ")})`);

export default {
    testRunner: "mocha",
    mochaOptions: {
        // MUTATE_TESTS: a run over a few changed files names the tests that load them (mutate.mjs).
        spec: process.env.MUTATE_TESTS ? JSON.parse(process.env.MUTATE_TESTS) : testsOf(folder),
        // The sandbox hook first: it links what StrykerJS's sandbox does not carry (test/mutation/sandbox.ts).
        require: ["ts-node/register/transpile-only", "test/mutation/sandbox.ts", "test/support/setup.ts"],
        extension: ["ts"],
    },
    checkers: ["typescript"],
    // The folder's sources only (test/mutation/folders.mjs, checkerProject): the tests run transpile-only.
    tsconfigFile: checkerProject(folder),
    // The tests run transpile-only; a `// @ts-nocheck` added to files would also change the files
    // some tests compare byte for byte (the generated Lambda API types).
    disableTypeChecks: false,
    mutate: mutatePatterns(folder),
    coverageAnalysis: "perTest",
    // A mutant in code that runs when a module loads (a schema, a table) would need a fresh process
    // and the folder's every test for each one; those run in a second pass (test/mutation/static.mjs).
    ignoreStatic: process.env.MUTATE_STATIC !== "1",
    incremental: true,
    incrementalFile: `test/mutation/results/${folder}.json`,
    concurrency: 2,
    timeoutMS: 30000,
    dryRunTimeoutMinutes: 30,
    tempDirName: ".stryker-tmp",
    // The git metadata stays: the add-a-server walkthrough copies the files git lists.
    ignorePatterns: ["out", "coverage", "reports", "build", "policies/node_modules", "images/backup/node_modules", "!.git", ".cache", "test/mutation/results"],
    reporters: ["clear-text", "progress-append-only", "json"],
    jsonReporter: { fileName: `reports/mutation/${folder}.json` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: 90, low: 85, break: null },
};
