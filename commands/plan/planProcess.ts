// The plan command in a process of its own, as `sophia plan` runs: Pulumi's mocks are per process,
// so a command that plans several stacks (or one stack on several targets) plans each in its own.
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** What one plan printed, and its exit code (null when a signal ended it). */
export interface PlanProcessRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Plans `stack` into `<out>/<stack>` with the compiled command. `config` sets stack config keys
 * over the stack file's, as PULUMI_CONFIG does for `pulumi up` (parity's `sophia:target`).
 */
export function planInOwnProcess(stack: string, out: string, config: Readonly<Record<string, string>> = {}): PlanProcessRun {
    const inherited = JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>;
    const run = spawnSync(
        process.execPath,
        ["-r", path.join(ROOT, "commands", "register.js"), path.join(__dirname, "cli.ts"), "--stack", stack, "--out", out],
        {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PULUMI_CONFIG: JSON.stringify({ ...inherited, ...config }) },
        },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
