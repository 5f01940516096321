import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Debian packages that provide each binary the tests run (.ci/run installs them). */
const PACKAGES: Record<string, string> = {
    promtool: "prometheus",
    prometheus: "prometheus",
    amtool: "prometheus-alertmanager",
    "prometheus-alertmanager": "prometheus-alertmanager",
    nginx: "nginx",
    openssl: "openssl",
    shellcheck: "shellcheck",
    sshd: "openssh-server",
};

/** The binary's path on PATH, or an error saying which package installs it. */
export function requireBinary(name: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, name);
        if (dir && fs.existsSync(candidate)) return candidate;
    }
    throw new Error(`${name} is not on PATH: install the Debian package "${PACKAGES[name] ?? name}" (.ci/run does)`);
}

export interface ToolRun {
    readonly code: number;
    readonly output: string;
}

/** Runs a tool to completion (bounded), returning its exit code and combined output. */
export function runTool(name: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): ToolRun {
    const result = spawnSync(requireBinary(name), args, { cwd: options.cwd, encoding: "utf8", timeout: options.timeoutMs ?? 60_000 });
    return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (error) {
            lastError = error;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.toString() : JSON.stringify(lastError)})` : ""}`,
    );
}
