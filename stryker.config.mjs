// Mutation testing (`npm run mutate`, not part of `npm test`): StrykerJS plants small bugs in the
// modules that encode the platform's goals and routing, and runs their tests against each one; a
// bug no test notices is a gap in the tests. CPU-heavy: one mutant at a time, each a fresh mocha
// process. `MUTATE=alertmanager,catalog npm run mutate` runs some targets only. Scores: see
// docs/02-development/quality-gates.md.
import * as fs from "fs";

/** Lines of a function, as Stryker's `file:start-end` range, found by its declaration. */
function functionRange(file, declaration) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const start = lines.findIndex((l) => l.startsWith(declaration));
    if (start < 0) throw new Error(`${declaration} not found in ${file}`);
    const end = lines.findIndex((l, i) => i > start && l === "}");
    return `${file}:${start + 1}-${end + 1}`;
}

const TARGETS = {
    alertmanager: { mutate: ["components/monitoring/render/alertmanager.ts"], tests: ["test/monitoring/alertmanager.test.ts"] },
    rules: {
        mutate: ["components/monitoring/render/rules.ts", "components/monitoring/metricsContract.ts"],
        tests: ["test/monitoring/rules.test.ts", "test/mcpServerWorkload.test.ts"],
    },
    workload: { mutate: ["components/mcp-server/workload.ts"], tests: ["test/mcpServerWorkload.test.ts"] },
    catalog: { mutate: ["catalog/schema.ts"], tests: ["test/catalogSchema.test.ts", "test/catalog.test.ts"] },
    settings: { mutate: ["stacks/settings.ts"], tests: ["test/settings.test.ts", "test/monitoring/settings.test.ts", "test/stackSettings.test.ts"] },
    plan: {
        mutate: [
            functionRange("commands/plan/plan.ts", "export function planExitCode"),
            functionRange("commands/plan/plan.ts", "export async function resolveArtifact"),
            "components/artifacts.ts",
        ],
        tests: ["test/planGuards.test.ts"],
    },
};

const chosen = (process.env.MUTATE ?? Object.keys(TARGETS).join(",")).split(",");
for (const name of chosen) if (!(name in TARGETS)) throw new Error(`MUTATE: unknown target "${name}"; targets: ${Object.keys(TARGETS).join(", ")}`);
const tests = [...new Set(chosen.flatMap((name) => TARGETS[name].tests))].filter((file) => fs.existsSync(file));

export default {
    testRunner: "command",
    commandRunner: {
        command: `node_modules/.bin/mocha --no-config --require ts-node/register/transpile-only --require test/support/setup.ts --extension ts --timeout 60000 --reporter dot ${tests.join(" ")}`,
    },
    mutate: chosen.flatMap((name) => TARGETS[name].mutate),
    coverageAnalysis: "off",
    concurrency: 1,
    timeoutMS: 30000,
    tempDirName: ".stryker-tmp",
    ignorePatterns: ["out", "coverage", "reports", "bin", "policies/node_modules", "images/backup/node_modules", ".git"],
    reporters: ["clear-text", "progress", "json"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    thresholds: { high: 95, low: 90, break: null },
};
