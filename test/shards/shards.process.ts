// npm test's shards: the same files in the same processes every run, and every process's coverage
// counted. The coverage runs use the real c8, mocha and workerpool on a two-file fixture suite.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { platformStacks } from "../../esc/needs";
import { ROOT, runProgram } from "../support/plan";
import { assignShards, defaultWeight } from "./assign";

const FIXTURE = "test/shards/fixture";

interface Figures {
    lines: { covered: number; total: number };
    branches: { covered: number; total: number };
}

/** Runs `command` (after `node c8.js`) on the fixture under c8; returns its output and subject.ts's coverage. */
function measureFixture(command: readonly string[]): Promise<{ code: number | null; output: string; subject?: Figures }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-shard-coverage-"));
    const config = path.join(dir, "c8.json");
    fs.writeFileSync(config, JSON.stringify({ include: [`${FIXTURE}/subject.ts`], exclude: [], reporter: ["json-summary"], all: false }));
    const args = [require.resolve("c8/bin/c8.js"), "--config", config, "--report-dir", dir, "--temp-directory", path.join(dir, "tmp"), ...command];
    const env = { ...process.env };
    for (const inherited of ["NODE_V8_COVERAGE", "MOCHA_WORKER_ID", "SOPHIA_FILE_SECONDS", "SOPHIA_TEST_SHARDS"]) delete env[inherited];
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, env });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            const summary = path.join(dir, "coverage-summary.json");
            const figures = fs.existsSync(summary) ? (JSON.parse(fs.readFileSync(summary, "utf8")) as Record<string, Figures>) : {};
            fs.rmSync(dir, { recursive: true, force: true });
            resolve({ code, output, subject: figures[path.join(ROOT, FIXTURE, "subject.ts")] });
        });
    });
}

describe("npm test's shards", function () {
    this.timeout(60_000);

    it("count every shard's coverage, however long a shard takes to write it", async () => {
        const run = await measureFixture(["node", "-r", "ts-node/register/transpile-only", "test/shards/run.ts", "--config", `${FIXTURE}/mocharc.yml`]);
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.match(/^2 test files in 2 shards/m);
        expect(run.output).to.match(/^2 passed, 0 failed$/m);
        expect(run.subject?.lines.total, run.output).to.be.above(0);
        expect(run.subject?.lines.covered, run.output).to.equal(run.subject?.lines.total);
        expect(run.subject?.branches.total, run.output).to.be.above(1);
        expect(run.subject?.branches.covered, run.output).to.equal(run.subject?.branches.total);
    });

    it("replace mocha --parallel, whose workerpool kills a worker still writing its coverage one second after asking it to exit", async () => {
        // If this starts failing, mocha's workers keep their coverage: --parallel could serve npm test again.
        const run = await measureFixture(["node_modules/mocha/bin/mocha.js", "--config", `${FIXTURE}/mocharc.yml`]);
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.match(/2 passing/);
        expect(run.subject?.branches.covered ?? 0, run.output).to.be.below(run.subject?.branches.total ?? 1);
    });

    it("fail npm test when a shard has a failing test, and count it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-shard-failing-"));
        const failing = path.join(dir, "failing.fixture.ts");
        fs.writeFileSync(failing, 'describe("broken", () => it("fails", () => { throw new Error("planted"); }));\n');
        const config = path.join(dir, "mocharc.yml");
        fs.writeFileSync(config, `require: [ts-node/register/transpile-only]\nspec: [${FIXTURE}/negative.fixture.ts, ${failing}]\nextension: [ts]\njobs: 2\n`);
        const run = await measureFixture(["node", "-r", "ts-node/register/transpile-only", "test/shards/run.ts", "--config", config]);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(run.code, run.output).to.equal(1);
        expect(run.output).to.match(/^1 passed, 1 failed$/m);
        expect(run.output).to.include("planted");
    });

    it("are as many as the suite's mocha configuration's jobs, over the files it selects", () => {
        const mocharc = parse(fs.readFileSync(path.join(ROOT, ".mocharc.yml"), "utf8")) as { jobs?: number; spec?: string[] };
        expect(mocharc.jobs).to.be.a("number").and.above(1);
        expect(mocharc.spec).to.include("test/**/*.test.ts");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts.test).to.match(/c8 .*test\/shards\/run\.ts/);
    });
});

describe("the plans npm test's shards share (SOPHIA_SHARED_PLANS)", function () {
    this.timeout(120_000);

    it("are made once, by the first shard to ask; the others wait for it and read the same folder", async () => {
        const shared = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-shared-plans-"));
        try {
            const stack = platformStacks(ROOT)[0];
            const ask = () => runProgram("test/shards/fixture/askPlan.ts", [stack], { ...process.env, SOPHIA_SHARED_PLANS: shared });
            const answers = await Promise.all([ask(), ask(), ask()]);
            for (const answer of answers) expect(answer.code, answer.stderr).to.equal(0);
            const [folder, count] = answers[0].stdout.trim().split(" ");
            expect(path.dirname(folder)).to.equal(shared);
            expect(Number(count)).to.be.above(0);
            expect(answers.map((a) => a.stdout)).to.deep.equal(answers.map(() => answers[0].stdout));
            expect(fs.readdirSync(shared).sort()).to.deep.equal([path.basename(folder), `${path.basename(folder)}.json`]);
        } finally {
            fs.rmSync(shared, { recursive: true, force: true });
        }
    });
});

describe("assigning test files to shards", () => {
    const root = "/repo";
    const files = ["a", "b", "c", "d", "e"].map((name) => `/repo/test/${name}.test.ts`);

    it("balances by weight, heaviest first, and lists each shard's files by path", () => {
        const weights = { "test/a.test.ts": 10, "test/b.test.ts": 1, "test/c.test.ts": 6, "test/d.test.ts": 5, "test/e.test.ts": 1 };
        expect(assignShards(files, weights, 2, root)).to.deep.equal([
            ["/repo/test/a.test.ts", "/repo/test/b.test.ts", "/repo/test/e.test.ts"],
            ["/repo/test/c.test.ts", "/repo/test/d.test.ts"],
        ]);
    });

    it("gives the same shards whatever order the files come in", () => {
        const weights = { "test/a.test.ts": 3, "test/c.test.ts": 3 };
        const shards = assignShards(files, weights, 2, root);
        expect(assignShards([...files].reverse(), weights, 2, root)).to.deep.equal(shards);
        expect(shards.flat().sort()).to.deep.equal(files);
    });

    it("weighs a file it has not measured as the median measured one", () => {
        expect(defaultWeight({ a: 1, b: 9, c: 4 })).to.equal(4);
        expect(defaultWeight({})).to.equal(1);
        expect(assignShards(files.slice(0, 3), { "test/a.test.ts": 2, "test/b.test.ts": 4 }, 2, root)).to.deep.equal([
            ["/repo/test/a.test.ts", "/repo/test/b.test.ts"],
            ["/repo/test/c.test.ts"],
        ]);
    });

    it("refuses a shard count that is not a positive integer", () => {
        expect(() => assignShards(files, {}, 0, root)).to.throw("shard count must be a positive integer, got 0");
        expect(() => assignShards(files, {}, 1.5, root)).to.throw("got 1.5");
    });
});
