// The check that a test passes when its suite runs again in the same process, as StrykerJS's mocha
// runner runs it for every mutant (test/mutation/rerunCheck.mjs), on two fixture files: one that
// makes its folder when it loads and removes it in `after`, one that makes it in `before`.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as path from "path";
import { ROOT } from "../support/plan";

const CHECK = path.join(ROOT, "test", "mutation", "rerunCheck.mjs");
const FIXTURES = "test/mutation/fixtures";
const BUGGY = `${FIXTURES}/loadTimeFolder.fixture.ts`;
const CLEAN = `${FIXTURES}/clean.fixture.ts`;

const check = (...args: string[]) => spawnSync(process.execPath, [CHECK, ...args], { cwd: ROOT, encoding: "utf8" });

/** Runs ES module code in the repository and parses what it prints. */
function esm<T>(code: string): T {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout) as T;
}

describe("the check that tests pass when the suite runs again in one process", function () {
    this.timeout(120_000);

    it("reports a test that passed the first run and failed the second, with its file and error, and exits 1", () => {
        const run = check(BUGGY, CLEAN);
        expect(run.status, run.stderr).to.equal(1);
        expect(run.stderr).to.contain("2 test file(s), 2 runs in one process");
        expect(run.stderr).to.contain("run 1/2: 2 passing, 0 failing");
        expect(run.stderr).to.contain("run 2/2: 1 passing, 1 failing");
        expect(run.stdout).to.contain(`${BUGGY}\n  run 2: a folder made when the file loads writes a file into its folder (failed, passed in run 1)\n`);
        expect(run.stdout).to.match(/ENOENT: no such file or directory, open '.*sophia-rerun-fixture-[^/]+\/note\.txt'/);
        expect(run.stdout).to.contain(`at Context.<anonymous> (${BUGGY}:13:`);
        expect(run.stdout).to.not.contain(CLEAN);
        expect(run.stdout).to.not.contain("made in `before`");
    });

    it("passes a file that makes its folder in `before` and empties what it records, however many runs", () => {
        const run = check("--runs", "3", CLEAN);
        expect(run.status, run.stdout + run.stderr).to.equal(0);
        expect(run.stderr).to.contain("run 3/3: 1 passing, 0 failing");
        expect(run.stdout).to.contain("rerunCheck: every test passed all 3 runs");
    });

    it("takes globs, and reports every later run a test fails in", () => {
        const run = check("--runs", "3", `${FIXTURES}/*.fixture.ts`);
        expect(run.status).to.equal(1);
        expect(run.stderr).to.contain("2 test file(s), 3 runs in one process");
        expect(run.stdout).to.contain("run 2: a folder made when the file loads writes a file into its folder (failed, passed in run 1)");
        expect(run.stdout).to.contain("run 3: a folder made when the file loads writes a file into its folder (failed, passed in run 1)");
    });

    for (const [args, says] of [
        [["--runs", "1", CLEAN], /--runs needs a whole number of at least 2 .*, not 1/],
        [["--runs", "two", CLEAN], /--runs needs a whole number of at least 2 .*, not two/],
        [["--runs"], /--runs needs a whole number of at least 2 .*, not nothing/],
        [["--folder", "nosuch"], /--folder needs one of the folders, not nosuch/],
        [["--nope", CLEAN], /unknown option --nope/],
        [[`${FIXTURES}/nosuch*.ts`], /"test\/mutation\/fixtures\/nosuch\*\.ts" matches no file/],
        [[FIXTURES], /"test\/mutation\/fixtures" is a directory: give its test files or a glob/],
    ] as const) {
        it(`stops with exit 2 and the usage, running nothing, on: ${args.join(" ")}`, () => {
            const run = check(...args);
            expect(run.status, run.stderr).to.equal(2);
            expect(run.stderr).to.match(says);
            expect(run.stderr).to.contain("usage: node test/mutation/rerunCheck.mjs [--runs N] [--folder F ...] [--list]");
            expect(run.stdout).to.equal("");
        });
    }

    it("runs every folder's test files by default, or one folder's, as the mutation run selects them", () => {
        const { all, esc } = esm<{ all: string[]; esc: string[] }>(`
            import { FOLDERS, testsOf } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({ all: [...new Set(Object.keys(FOLDERS).flatMap((f) => testsOf(f)))], esc: testsOf("esc") }));`);
        const listed = (...args: string[]) =>
            check("--list", ...args)
                .stdout.split("\n")
                .filter(Boolean);
        expect(listed()).to.deep.equal(all);
        expect(listed("--folder", "esc")).to.deep.equal(esc);
        expect(listed("--folder", "esc", CLEAN)).to.deep.equal([CLEAN, ...esc]);
    });

    it("keeps its fixtures out of npm test and out of the mutation run's test files", () => {
        const { tests, everyTest } = esm<{ tests: string[]; everyTest: string[] }>(`
            import { allTestFiles, testFiles } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({ tests: testFiles(), everyTest: allTestFiles() }));`);
        expect(tests).to.include("test/mutation/evaluationCache.test.ts");
        expect([...tests, ...everyTest].filter((file) => file.startsWith(FIXTURES))).to.deep.equal([]);
        // npm test's files: mocha's own reading of .mocharc.yml, as test/shards/run.ts reads it.
        /* eslint-disable @typescript-eslint/no-require-imports */
        const { loadOptions } = require("mocha/lib/cli/options") as { loadOptions: (argv: string[]) => { _: string[]; extension: string[] } };
        const collectFiles = require("mocha/lib/cli/collect-files") as (options: object) => { files: string[] };
        /* eslint-enable @typescript-eslint/no-require-imports */
        const options = loadOptions([]);
        const files = collectFiles({ spec: options._, extension: options.extension, ignore: [], file: [], recursive: false }).files.map((file) =>
            path.relative(ROOT, file),
        );
        expect(files).to.include("test/mutation/evaluationCache.test.ts");
        expect(files.filter((file) => file.startsWith(FIXTURES))).to.deep.equal([]);
    });
});
