// npm test's test runner: the suite's files (as .mocharc.yml selects them) in fixed shards, one mocha
// process each, side by side. c8 measures coverage over all of them.
//
// Why not `mocha --parallel`: its workers take the next file whenever they are free, so which files
// share a process changes from run to run. V8 reports block coverage per process, and how c8 merges
// the processes' ranges depends on that grouping: branch totals moved by a few between two runs of
// the same code. Worse, workerpool ends a worker with SIGTERM one second after asking it to exit, and
// a worker writing 10–16 MB of coverage on a busy 2-core machine needs longer: its coverage was lost
// and the gate failed at random. Here every file runs in the same process, in the same order, every
// time, and each process exits by itself once its coverage is written.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assignShards, FileWeights } from "./assign";

const ROOT = path.resolve(__dirname, "..", "..");
const WEIGHTS = path.join(__dirname, "weights.json");

interface MochaOptions {
    _: string[];
    require?: string[];
    extension?: string[];
    ignore?: string[];
    timeout?: number;
    recursive?: boolean;
    jobs?: number;
}

// mocha's own reading of .mocharc.yml and its own file lookup, so that `npx mocha` and npm test agree.
/* eslint-disable @typescript-eslint/no-require-imports */
const { loadOptions } = require("mocha/lib/cli/options") as { loadOptions: (argv: string[]) => MochaOptions };
const collectFiles = require("mocha/lib/cli/collect-files") as (options: object) => { files: string[] };
/* eslint-enable @typescript-eslint/no-require-imports */

interface ShardRun {
    code: number;
    output: string;
    seconds: number;
    passing: number;
    failing: number;
}

function mochaArgs(options: MochaOptions, reporter: string, files: readonly string[]): string[] {
    const args = [require.resolve("mocha/bin/mocha.js"), "--no-config", "--no-package", "--reporter", reporter, "--timeout", String(options.timeout ?? 2000)];
    for (const extension of options.extension ?? []) args.push("--extension", extension);
    for (const file of [...(options.require ?? []), path.join(__dirname, "fileSeconds.ts")]) args.push("--require", file);
    return [...args, ...files];
}

const count = (output: string, word: string): number => Number(new RegExp(`^\\s*(\\d+) ${word}\\b`, "m").exec(output)?.[1] ?? 0);

/** One shard; the first streams its output as it comes, the others are printed when it is their turn. */
function runShard(args: string[], env: NodeJS.ProcessEnv, live: boolean, children: Set<ChildProcess>): Promise<ShardRun> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, {
            cwd: ROOT,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        children.add(child);
        let output = "";
        const take = (chunk: Buffer) => {
            output += chunk.toString();
            if (live) process.stdout.write(chunk);
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        child.on("close", (code, signal) => {
            children.delete(child);
            resolve({
                code: code ?? (signal ? 128 : 1),
                output,
                seconds: (Date.now() - started) / 1000,
                passing: count(output, "passing"),
                failing: count(output, "failing"),
            });
        });
    });
}

/** The suite's test files and how to run them, as mocha itself reads .mocharc.yml (or `--config`). */
function suite(config: string | undefined): { options: MochaOptions; files: string[] } {
    const options = loadOptions(config ? ["--config", config] : []);
    const lookup = { spec: options._, extension: options.extension ?? ["js"], ignore: options.ignore ?? [], file: [], recursive: options.recursive ?? false };
    return { options, files: collectFiles({ ...lookup, sort: true }).files };
}

/** The seconds each file took, as the shards' plugin wrote them (a shard that crashed wrote none). */
function measuredSeconds(scratch: string, shards: number): FileWeights {
    const files = Array.from({ length: shards }, (_, i) => path.join(scratch, `${i}.json`)).filter((file) => fs.existsSync(file));
    return Object.fromEntries(files.flatMap((file) => Object.entries(JSON.parse(fs.readFileSync(file, "utf8")) as FileWeights)).sort());
}

function closingLines(results: readonly ShardRun[], shards: readonly string[][]): string {
    const times = results.map((r, i) => `shard ${i + 1}: ${shards[i].length} files, ${r.seconds.toFixed(0)} s`).join("; ");
    const passed = results.reduce((sum, r) => sum + r.passing, 0);
    const failed = results.reduce((sum, r) => sum + r.failing, 0);
    return `\n${times}\n${passed} passed, ${failed} failed\n`;
}

async function main(argv: readonly string[]): Promise<number> {
    const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
    const { options, files } = suite(option("--config"));
    const weights = JSON.parse(fs.readFileSync(WEIGHTS, "utf8")) as FileWeights;
    const shards = assignShards(files, weights, Number(options.jobs ?? 2), ROOT).filter((shard) => shard.length > 0);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-shards-"));
    const children = new Set<ChildProcess>();
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => children.forEach((child) => child.kill(signal)));

    process.stdout.write(`${files.length} test files in ${shards.length} shards (test/shards/run.ts), one mocha process each.\n`);
    const reporter = option("--reporter") ?? "spec";
    // The shards plan each stack once between them (planOf in test/support/plan.ts).
    const sharedPlans = fs.mkdirSync(path.join(scratch, "plans"), { recursive: true })!;
    const env = (i: number) => ({ ...process.env, SOPHIA_FILE_SECONDS: path.join(scratch, `${i}.json`), SOPHIA_SHARED_PLANS: sharedPlans });
    const runs = shards.map((shard, i) => runShard(mochaArgs(options, reporter, shard), env(i), i === 0, children));
    const results: ShardRun[] = [];
    for (const [i, run] of runs.entries()) {
        const result = await run;
        if (i > 0) process.stdout.write(`\n--- shard ${i + 1} of ${shards.length} ---\n${result.output}`);
        results.push(result);
    }
    if (argv.includes("--write-weights")) fs.writeFileSync(WEIGHTS, JSON.stringify(measuredSeconds(scratch, shards.length), null, 2) + "\n");
    fs.rmSync(scratch, { recursive: true, force: true });
    process.stdout.write(closingLines(results, shards));
    return results.every((r) => r.code === 0) ? 0 : 1;
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
