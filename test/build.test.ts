import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const REGISTER = path.join(ROOT, "commands", "register.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require("../commands/build.js") as { compiledPath(source: string): string; BUILD_DIR: string };

/** Runs `file` (TypeScript) under the compiled loader, as the npm scripts run the commands. */
function runCompiled(file: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, ["-r", REGISTER, file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("compiled commands (commands/build.js)", function () {
    this.timeout(60_000);
    let work: string;

    beforeEach(() => {
        // Inside the repository, as the project's sources are: their compiled files are kept in build/.
        work = fs.mkdtempSync(path.join(ROOT, "test", ".build-work-"));
    });

    afterEach(() => {
        fs.rmSync(work, { recursive: true, force: true });
        fs.rmSync(path.join(build.BUILD_DIR, path.relative(ROOT, work)), { recursive: true, force: true });
    });

    it("runs a module from its compiled file in build/, with the source's own __dirname and __filename", () => {
        const source = path.join(work, "where.ts");
        fs.writeFileSync(source, "const answer: number = 42;\nconsole.log(JSON.stringify({ answer, dir: __dirname, file: __filename }));\n");
        const run = runCompiled(source);
        expect(run.stderr).to.equal("");
        expect(JSON.parse(run.stdout)).to.deep.equal({ answer: 42, dir: work, file: source });
        const compiled = build.compiledPath(source);
        expect(compiled).to.equal(path.join(ROOT, "build", path.relative(ROOT, work), "where.js"));
        expect(fs.readFileSync(compiled, "utf8")).to.include("const answer = 42;");
    });

    it("compiles again when the source changes, even if its modification time does not", () => {
        const source = path.join(work, "value.ts");
        fs.writeFileSync(source, "console.log('first');\n");
        const before = fs.statSync(source);
        expect(runCompiled(source).stdout).to.equal("first\n");
        fs.writeFileSync(source, "console.log('second');\n");
        fs.utimesSync(source, before.atime, before.mtime);
        expect(runCompiled(source).stdout).to.equal("second\n");
    });

    it("runs the compiled file as it is while its source is unchanged (no compile at start)", () => {
        const source = path.join(work, "kept.ts");
        fs.writeFileSync(source, "console.log('from the source');\n");
        runCompiled(source);
        const compiled = build.compiledPath(source);
        // Proof that the file in build/ is what runs: a change made to it alone shows.
        fs.writeFileSync(compiled, fs.readFileSync(compiled, "utf8").replace("from the source", "from build"));
        expect(runCompiled(source).stdout).to.equal("from build\n");
    });

    it("maps a stack trace to the TypeScript source's line when SOPHIA_DEBUG=1 asks for traces", () => {
        const source = path.join(work, "fails.ts");
        fs.writeFileSync(
            source,
            "interface Shape {\n    sides: number;\n}\nconst square: Shape = { sides: 4 };\nthrow new Error(`bad shape ${square.sides}`);\n",
        );
        const run = runCompiled(source, { SOPHIA_DEBUG: "1" });
        expect(run.status).to.equal(1);
        expect(run.stderr).to.include(`${source}:5`);
    });

    it("keeps nothing in build/ for a source outside the repository", () => {
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-build-"));
        try {
            const source = path.join(outside, "elsewhere.ts");
            fs.writeFileSync(source, "const n: number = 1;\nconsole.log(n);\n");
            expect(runCompiled(source).stdout).to.equal("1\n");
            const escaped = path.resolve(build.BUILD_DIR, path.relative(ROOT, source).replace(/\.ts$/, ".js"));
            expect(fs.existsSync(escaped)).to.equal(false);
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it("npm run build compiles every source once, then finds them current", () => {
        // One compiled file gone, as on a fresh clone or after a source was added.
        fs.rmSync(build.compiledPath(path.join(ROOT, "stacks", "nearest.ts")), { force: true });
        const first = spawnSync(process.execPath, [path.join(ROOT, "commands", "build.js")], { cwd: ROOT, encoding: "utf8" });
        expect(first.status, first.stderr).to.equal(0);
        expect(Number(/build: (\d+) file/.exec(first.stdout)?.[1])).to.be.greaterThan(0);
        const second = spawnSync(process.execPath, [path.join(ROOT, "commands", "build.js")], { cwd: ROOT, encoding: "utf8" });
        const counts = /build: (\d+) file\(s\) compiled into build\/, (\d+) already current/.exec(second.stdout);
        expect(counts, second.stdout).to.not.equal(null);
        expect(Number(counts![1])).to.equal(0);
        expect(Number(counts![2])).to.be.greaterThan(0);
        expect(fs.existsSync(path.join(ROOT, "build", "commands", "plan", "cli.js"))).to.equal(true);
    });
});
