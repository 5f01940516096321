import { expect } from "chai";
import * as path from "path";
import { coverageDifferences, CoverageSummary, differencesReport, MetricFigures } from "./compare";
import { runCli } from "../support/plan";
import * as fs from "fs";
import * as os from "os";

const ROOT = "/repo";
const f = (covered: number, total: number): MetricFigures => ({ covered, total, pct: total === 0 ? 100 : Math.round((covered / total) * 10000) / 100 });
const file = (lines: [number, number], branches: [number, number]) => ({
    lines: f(...lines),
    statements: f(...lines),
    functions: f(1, 1),
    branches: f(...branches),
});

describe("comparing two coverage measurements", () => {
    const first: CoverageSummary = {
        total: file([90, 100], [18, 20]),
        [path.join(ROOT, "commands/release/rollback.ts")]: file([70, 70], [8, 8]),
        [path.join(ROOT, "commands/plan/plan.ts")]: file([20, 30], [10, 12]),
    };

    it("finds nothing when every figure of every file agrees, and says the totals", () => {
        const copy = JSON.parse(JSON.stringify(first)) as CoverageSummary;
        expect(coverageDifferences(first, copy, ROOT)).to.deep.equal([]);
        expect(differencesReport([], first)).to.equal(
            "Coverage is the same in both runs: lines 90/100 (90%), statements 90/100 (90%), functions 1/1 (100%), branches 18/20 (90%).\n",
        );
    });

    it("names each file and figure that differs, relative to the repository, with the total first", () => {
        const second: CoverageSummary = {
            ...first,
            total: file([66, 100], [10, 20]),
            [path.join(ROOT, "commands/release/rollback.ts")]: file([46, 70], [2, 8]),
        };
        const differences = coverageDifferences(first, second, ROOT);
        expect(differences.map((d) => `${d.file} ${d.metric}`)).to.deep.equal([
            "total lines",
            "total statements",
            "total branches",
            "commands/release/rollback.ts lines",
            "commands/release/rollback.ts statements",
            "commands/release/rollback.ts branches",
        ]);
        const report = differencesReport(differences, first);
        expect(report).to.match(/^Coverage differs between two runs of the same suite \(6 figures\):\n/);
        expect(report).to.include("  commands/release/rollback.ts: branches 8/8 (100%) in the first run, 2/8 (25%) in the second\n");
    });

    it("counts a different total as a difference even when the covered count agrees", () => {
        const second: CoverageSummary = { ...first, [path.join(ROOT, "commands/plan/plan.ts")]: file([20, 30], [10, 14]) };
        expect(coverageDifferences(first, second, ROOT)).to.deep.equal([
            { file: "commands/plan/plan.ts", metric: "branches", first: f(10, 12), second: f(10, 14) },
        ]);
    });

    it("reports a file measured in only one of the runs", () => {
        const second: CoverageSummary = { ...first, [path.join(ROOT, "stacks/new.ts")]: file([1, 1], [0, 0]) };
        const differences = coverageDifferences(first, second, ROOT);
        expect(differences.map((d) => `${d.file} ${d.metric}`)).to.deep.equal([
            "stacks/new.ts lines",
            "stacks/new.ts statements",
            "stacks/new.ts functions",
            "stacks/new.ts branches",
        ]);
        expect(differencesReport(differences, first)).to.include("  stacks/new.ts: lines not measured in the first run, 1/1 (100%) in the second\n");
    });
});

describe("npm run test:coverage-twice", () => {
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-coverage-twice-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a --first file that is missing, not JSON or not a json-summary report, with exit 2 and the fix, measuring nothing", () => {
        const cases: [string, string | undefined, RegExp][] = [
            ["missing.json", undefined, /--first .*missing\.json: no such file; run npm test first/],
            ["text.json", "not json", /--first .*text\.json: not JSON; expected c8's json-summary report/],
            ["package.json", JSON.stringify({ name: "x", scripts: {} }), /--first .*package\.json: not a c8 json-summary report/],
            ["empty.json", "{}", /--first .*empty\.json: not a c8 json-summary report/],
        ];
        for (const [name, content, message] of cases) {
            const target = path.join(dir, name);
            if (content !== undefined) fs.writeFileSync(target, content);
            const run = runCli("test/coverageTwice/twiceCli.ts", ["--first", target]);
            expect(run.code, `${name}: ${run.stderr}`).to.equal(2);
            expect(run.stderr).to.match(message);
            expect(run.stdout, name).to.not.include("Measuring coverage");
        }
    });
});
