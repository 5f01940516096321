import { execFile, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformStacks } from "../../esc/needs";
import { type Command, runCommandLine } from "../../commands/command";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { PlanFile } from "../../commands/plan/planFile";
import type { ProjectPlanFile } from "../../commands/plan/project";
import { withFileLock } from "./fileLock";

export const ROOT = path.resolve(__dirname, "..", "..");

/** How package.json's scripts start the repository's TypeScript programs: their compiled JavaScript (commands/build.js). */
export const RUN_TYPESCRIPT = ["-r", path.join(ROOT, "commands", "register.js")];

export interface PlanRun {
    code: number;
    stdout: string;
    stderr: string;
    out: string;
    plan?: PlanFile;
}

/** Runs `npm run plan`'s program in its own process (mocks are per process), as a user would. */
export function runPlan(args: string[], env: Record<string, string> = {}, out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-plan-"))): PlanRun {
    const stack = args.includes("--stack") ? args[args.indexOf("--stack") + 1] : (env.PULUMI_STACK ?? "");
    return planProgram(args, env, out, path.join(out, stack, "plan.json"));
}

function planProgram(args: readonly string[], env: Record<string, string>, out: string, planFile: string): PlanRun {
    const result = spawnSync(process.execPath, [...RUN_TYPESCRIPT, path.join(ROOT, "commands/plan/cli.ts"), "--out", out, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 120_000,
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, out, plan: readPlanFile(planFile) };
}

function readPlanFile(file: string): PlanFile | undefined {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile) : undefined;
}

/** Runs one of the repository's command-line programs (a .ts file) as `npm run` would. */
export function runCli(file: string, args: readonly string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [...RUN_TYPESCRIPT, path.join(ROOT, file), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 120_000,
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** runCli without blocking: for commands that talk to servers this test process runs. */
export function runCliAsync(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram(file, args, { ...process.env, ...env });
}

export interface ProgramRun {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * One of the repository's commands run in this process, as its program runs it (`runCommand`: the
 * file's exported `command` through runCommandLine), with `env` over process.env for the run and what
 * it writes to stdout and stderr captured. Cheaper than a process for the many runs that check a
 * command's answers; test/cli.process.ts runs every command as the process a user starts.
 */
export async function runCommandInProcess(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<ProgramRun> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { command } = require(path.join(ROOT, file)) as { command: Command };
    const written = { stdout: "", stderr: "" };
    const capture = (stream: "stdout" | "stderr") =>
        ((chunk: string | Uint8Array, ...rest: unknown[]) => {
            written[stream] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
            const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
            if (done) setImmediate(done);
            return true;
        }) as typeof process.stdout.write;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the same stream after the run
    const saved = { env: Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]])), stdout: process.stdout.write, stderr: process.stderr.write };
    Object.assign(process.env, env);
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
    try {
        const code = await runCommandLine(command.spec, command.main, args, {
            out: (text) => (written.stdout += text),
            err: (text) => (written.stderr += text),
        });
        return { code, ...written };
    } finally {
        process.stdout.write = saved.stdout;
        process.stderr.write = saved.stderr;
        for (const [key, value] of Object.entries(saved.env)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    }
}

/** Under `npm run mutate`, the mutant switched on in this process, for the programs it starts too. */
const mutationSwitch = (): NodeJS.ProcessEnv =>
    process.env.__STRYKER_ACTIVE_MUTANT__ === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: process.env.__STRYKER_ACTIVE_MUTANT__ };

/**
 * One of the repository's programs as a process with exactly `env` (nothing inherited), as a job
 * or a CI step would run it; asynchronous, so the servers in this test process keep answering.
 */
export function runProgram(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ProgramRun> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [...RUN_TYPESCRIPT, path.join(ROOT, file), ...args],
            { cwd: ROOT, encoding: "utf8", env: { ...env, ...mutationSwitch() }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        );
    });
}

/** The plan of a platform stack with its committed settings, computed once per test run and shared by the test files. */
export function planOf(stack: string): PlanRun {
    return sharedPlan(["--stack", stack], (out) => path.join(out, stack, "plan.json"));
}

export interface ClusterPlanRun extends Omit<PlanRun, "plan"> {
    /** The folder of the stack's plan and artifacts (<out>/sophia-clusters/<stack>). */
    dir: string;
    plan?: ProjectPlanFile;
}

/** The plan of a cluster stack with its committed settings (`npm run plan -- --project clusters --stack <stack>`), as planOf. */
export function clusterPlanOf(stack: string): ClusterPlanRun {
    const run = sharedPlan(["--project", path.join(ROOT, "clusters"), "--stack", stack], (out) => path.join(out, CLUSTER_PROJECT, stack, "plan.json"));
    return { ...run, dir: path.join(run.out, CLUSTER_PROJECT, stack), plan: run.plan };
}

const CLUSTER_PROJECT = "sophia-clusters";
const sharedRuns = new Map<string, PlanRun>();

/**
 * One plan per test run: a map keeps it in this process, and npm test's shards share one computation
 * through the folder SOPHIA_SHARED_PLANS names (test/shards/run.ts makes it for the run and removes
 * it after). The first shard to need a plan computes it there; the others wait for its result. The
 * tests only read a shared plan's folder. Without the variable (npx mocha, the mutation run) each
 * process plans for itself.
 */
function sharedPlan(args: readonly string[], planFile: (out: string) => string): PlanRun {
    const key = JSON.stringify(args);
    if (!sharedRuns.has(key)) {
        const shared = process.env.SOPHIA_SHARED_PLANS;
        const out = shared ? path.join(shared, createHash("sha1").update(key).digest("hex")) : fs.mkdtempSync(path.join(os.tmpdir(), "sophia-plan-"));
        const run = shared ? planAcrossShards(out, args, planFile(out)) : planProgram(args, {}, out, planFile(out));
        sharedRuns.set(key, run);
    }
    const run = sharedRuns.get(key)!;
    if (run.code !== 0 || !run.plan) throw new Error(`npm run plan -- ${args.join(" ")} failed (${run.code}):\n${run.stderr}\n${run.stdout}`);
    return run;
}

/** The plan into `out`: made here by the first process to take the lock, read from its result by the others. */
function planAcrossShards(out: string, args: readonly string[], planFile: string): PlanRun {
    const result = `${out}.json`;
    return withFileLock(`${out}.lock`, () => {
        if (fs.existsSync(result)) {
            const { code, stdout, stderr } = JSON.parse(fs.readFileSync(result, "utf8")) as PlanRun;
            return { code, stdout, stderr, out, plan: readPlanFile(planFile) };
        }
        const run = planProgram(args, {}, out, planFile);
        fs.writeFileSync(result, JSON.stringify({ code: run.code, stdout: run.stdout, stderr: run.stderr }));
        return run;
    });
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? filesUnder(p) : [p];
    });
}

/** A server name and port no catalog entry uses, so a test's own server never clashes with a real one (or one being added). */
export function unusedServerSlot(servers: readonly { name: string; port: number }[]): { name: string; port: number } {
    const names = new Set(servers.map((s) => s.name));
    const ports = new Set(servers.map((s) => s.port));
    let n = 1;
    while (names.has(`test-probe-${n}`)) n++;
    let port = 20000;
    while (ports.has(port)) port++;
    return { name: `test-probe-${n}`, port };
}

/** The stacks whose files choose a Kubernetes target (k3s or kubernetes), read from Pulumi.<stack>.yaml. */
export function kubernetesStacks(): string[] {
    return platformStacks(ROOT).filter((stack) => offlineStackSettings(ROOT, stack).target !== "swarm");
}
