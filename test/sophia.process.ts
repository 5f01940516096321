// `sophia`, the operators' one command (package.json "bin"): its list, each command's help, the same
// exit codes as the npm scripts it stands beside, and output that reaches a pipe whole.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planOf, ROOT } from "./support/plan";
import { requireBinary } from "./support/tools";

/* eslint-disable @typescript-eslint/no-require-imports */
const { COMMANDS } = require("../commands/sophia.js") as { COMMANDS: [string, string, string][] };

const SOPHIA = path.join(ROOT, "commands", "sophia.js");
const sophia = (args: string[], env: Record<string, string> = {}) => {
    const run = spawnSync(process.execPath, [SOPHIA, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string>; scripts: Record<string, string> };

describe("sophia, the operators' one command", function () {
    this.timeout(300_000);

    it("is the package's bin, so npx sophia runs it after npm ci", () => {
        expect(pkg.bin).to.deep.equal({ sophia: "commands/sophia.js" });
        expect(fs.readFileSync(SOPHIA, "utf8")).to.match(/^#!\/usr\/bin\/env node\n/);
        expect(fs.statSync(SOPHIA).mode & 0o111, "executable").to.not.equal(0);
    });

    it("lists every command with what it does, with or without --help, exit 0", () => {
        for (const args of [[], ["--help"], ["-h"], ["help"]]) {
            const run = sophia(args);
            expect(run.code, args.join(" ")).to.equal(0);
            for (const [name, , about] of COMMANDS) expect(run.stdout).to.include(`  ${name}`).and.include(about);
        }
    });

    it("runs each command's own module, the one its npm script of the same name runs", () => {
        for (const [name, module] of COMMANDS) {
            expect(pkg.scripts[name], name).to.match(new RegExp(`${module.replace(/[/.]/g, "\\$&")}\\.ts$`));
            const { command } = require(path.join(ROOT, module)) as { command?: { spec: { name: string } } };
            expect(command?.spec.name, name).to.equal(`npm run ${name}`);
        }
    });

    for (const [name] of COMMANDS) {
        it(`sophia ${name} --help: usage, options and exit codes as sophia shows them, exit 0`, () => {
            const run = sophia([name, "--help"]);
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stdout).to.include(`Usage:\n  sophia ${name}`).and.include("Exit codes:");
            expect(run.stdout).to.not.match(/npm run [\w:-]+ --/);
        });
    }

    it("refuses an unknown command with exit 2, the nearest one and where to look", () => {
        const run = sophia(["plna", "--stack", "dev"]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.equal('sophia: unknown command "plna" (did you mean plan?)\nRun "sophia --help" for the commands.\n');
    });

    it("exits as the command does: 2 with the fix on a usage error, naming sophia", () => {
        const run = sophia(["plan", "--stack", "nosuch"]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.match(/^sophia plan: unknown stack "nosuch"/);
        expect(run.stderr).to.include('Run "sophia plan --help" for the options.');
        expect(run.stderr).to.not.match(/\n\s+at /);
    });

    it("plans a stack as npm run plan does, and its output through a pipe is the output to a file", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cli-"));
        const toFile = path.join(out, "plan.txt");
        const shell = (command: string) => spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        const file = shell(`node ${SOPHIA} plan --stack dev --out ${out}/a > ${toFile}`);
        const piped = shell(`node ${SOPHIA} plan --stack dev --out ${out}/b | cat`);
        expect(file.status, file.stderr).to.equal(0);
        expect(piped.status, piped.stderr).to.equal(0);
        const normalize = (text: string) => text.replace(/\/[ab]\/dev\//g, "/x/dev/").replace(/\d+\.\d s/g, "N s");
        expect(normalize(piped.stdout)).to.equal(normalize(fs.readFileSync(toFile, "utf8")));
        expect(fs.readFileSync(path.join(out, "a", "dev", "plan.json"), "utf8")).to.equal(fs.readFileSync(path.join(out, "b", "dev", "plan.json"), "utf8"));
        fs.rmSync(out, { recursive: true, force: true });
    });

    describe("output through a pipe", () => {
        const shell = (command: string) => spawnSync("bash", ["-o", "pipefail", "-c", command], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-pipe-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const commands: [string, string][] = COMMANDS.map(([name]) => [`${name} --help`, `node ${SOPHIA} ${name} --help`]);
        // A long report: the policy rules over the prod plan, a few hundred lines.
        commands.push(["policy on the prod plan", `node ${SOPHIA} policy --plan ${path.join(planOf("prod").out, "prod", "plan.json")}`]);
        for (const [what, command] of commands) {
            it(`${what}: | cat gives the bytes > file gives, and | head -1 ends quietly`, () => {
                const file = path.join(dir, "out.txt");
                const toFile = shell(`${command} > ${file}`);
                const piped = shell(`${command} | cat`);
                expect(piped.status, piped.stderr).to.equal(toFile.status);
                expect(piped.stdout).to.equal(fs.readFileSync(file, "utf8"));
                expect(piped.stdout.length).to.be.above(0);
                const head = shell(`${command} | head -1`);
                expect(head.stdout).to.equal(`${piped.stdout.split("\n")[0]}\n`);
                expect(head.stderr).to.not.match(/EPIPE|\n\s+at /);
            });
        }

        // `| head -1` races: head may still be reading when the command ends. A pipe whose reader
        // is closed before the command starts makes its first write fail with EPIPE, every time.
        const withReaderGone = (args: string[]) => {
            const python =
                "import os, subprocess, sys\nr, w = os.pipe()\nos.close(r)\nrun = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\nsys.stderr.buffer.write(run.stderr)\nsys.exit(run.returncode)";
            return spawnSync(requireBinary("python3"), ["-c", python, process.execPath, SOPHIA, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        };
        for (const [args, code] of [
            [["policy", "--help"], 0],
            [["plan", "--stack", "nosuch"], 2],
            [[], 0],
        ] as [string[], number][]) {
            it(`sophia ${args.join(" ")} with its reader gone before the first byte: exit ${code}, no EPIPE`, () => {
                const run = withReaderGone(args);
                expect(run.status, run.stderr).to.equal(code);
                expect(run.stderr).to.not.match(/EPIPE|\n\s+at /);
                if (code === 2) expect(run.stderr).to.match(/^sophia plan: unknown stack "nosuch"/);
            });
        }
    });
});
