import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { PlanFile } from "../../commands/plan/planFile";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface PlanRun {
    code: number;
    stdout: string;
    stderr: string;
    out: string;
    plan?: PlanFile;
}

/** Runs `npm run plan`'s program in its own process (mocks are per process), as a user would. */
export function runPlan(args: string[], env: Record<string, string> = {}, out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-plan-"))): PlanRun {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "commands/plan/cli.ts"), "--out", out, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 120_000,
    });
    const stack = args.includes("--stack") ? args[args.indexOf("--stack") + 1] : (env.PULUMI_STACK ?? "");
    const file = path.join(out, stack, "plan.json");
    return {
        code: result.status ?? -1,
        stdout: result.stdout,
        stderr: result.stderr,
        out,
        plan: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile) : undefined,
    };
}

const cache = new Map<string, PlanRun>();

/** Runs one of the repository's command-line programs (a .ts file) as `npm run` would. */
export function runCli(file: string, args: readonly string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, file), ...args], {
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
            ["-r", "ts-node/register/transpile-only", path.join(ROOT, file), ...args],
            { cwd: ROOT, encoding: "utf8", env: { ...env, ...mutationSwitch() }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        );
    });
}

/** The plan of a real stack, computed once per test run and shared by the test files. */
export function planOf(stack: string): PlanRun {
    if (!cache.has(stack)) cache.set(stack, runPlan(["--stack", stack]));
    const run = cache.get(stack)!;
    if (run.code !== 0 || !run.plan) throw new Error(`plan of ${stack} failed (${run.code}):\n${run.stderr}\n${run.stdout}`);
    return run;
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
