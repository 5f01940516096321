import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { requireBinary, waitFor } from "../../support/tools";
import { Connection, KubeClient } from "./client";

/** The Go program: a kube-apiserver with an embedded etcd (see main.go and go.mod here). */
export const ENGINE_SOURCE = __dirname;

/** The go command, or an error saying which Go the engine needs. */
export function goCommand(): string {
    try {
        return requireBinary("go");
    } catch {
        throw new Error("go is not on PATH: the kube-apiserver engine is built with Go 1.24 or newer (.ci/run adds /usr/local/go/bin)");
    }
}

/** The Kubernetes release's own kubectl, from the same modules (kubectl/main.go). */
export const buildKubectl = (outDir: string, timeoutMs: number) => buildEngine(outDir, timeoutMs, "./kubectl", "kubectl");

/**
 * Builds the engine (or another program of this module) into `outDir` with the go command on PATH. Modules come from the Go module
 * proxy into the usual module cache, so a second build only links.
 */
export function buildEngine(outDir: string, timeoutMs: number, program = ".", name = "kube-engine"): { binary: string; seconds: number } {
    const binary = path.join(outDir, name);
    const started = Date.now();
    const build = spawnSync(goCommand(), ["build", "-trimpath", "-ldflags=-s -w", "-o", binary, program], {
        cwd: ENGINE_SOURCE,
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" },
        timeout: timeoutMs,
    });
    if (build.status !== 0) throw new Error(`go build of ${name} failed (${build.status ?? build.signal}):\n${build.stderr}${build.stdout}`);
    return { binary, seconds: (Date.now() - started) / 1000 };
}

export interface RunningEngine {
    readonly pid: number;
    readonly client: KubeClient;
    readonly log: string;
    stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

/** The last lines of the engine's log, to say why it did not come up. */
export function logTail(log: string, lines = 30): string {
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-lines).join("\n") : "(no log)";
}

/**
 * Starts the engine with its state under `dir` and waits for /readyz. The engine chooses its free
 * 127.0.0.1 ports and binds them seconds later, once etcd is up; should another process take one
 * in between, it exits saying so, and it is started again on a fresh state.
 */
export async function startEngine(binary: string, dir: string, attempts = 3): Promise<RunningEngine> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await startOnce(binary, dir);
        } catch (error) {
            if (attempt >= attempts || !(error as Error).message.includes("address already in use")) throw error;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

async function startOnce(binary: string, dir: string): Promise<RunningEngine> {
    fs.mkdirSync(dir, { recursive: true });
    const log = path.join(dir, "engine.log");
    const out = fs.openSync(log, "a");
    const child = spawn(binary, ["--dir", dir], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const running = () => child.exitCode === null && child.signalCode === null;
    const stop = async () => {
        if (running()) {
            child.kill("SIGTERM");
            const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
            await exited(child);
            clearTimeout(killer);
        }
    };
    try {
        // Each wait ends as soon as the engine exits (null, false), rather than at its deadline.
        const connectionFile = path.join(dir, "connection.json");
        const connection = await waitFor(
            "the engine's connection.json",
            () => (!running() ? null : fs.existsSync(connectionFile) ? (JSON.parse(fs.readFileSync(connectionFile, "utf8")) as Connection) : undefined),
            60_000,
        );
        if (connection === null) throw new Error(`the engine exited with ${child.exitCode ?? child.signalCode} before writing connection.json`);
        const client = new KubeClient(connection);
        const ready = await waitFor(
            "kube-apiserver /readyz",
            async () => running() && ((await client.request("GET", "/readyz")).status === 200 || undefined),
            180_000,
            500,
        );
        if (!ready) {
            client.close();
            throw new Error(`the engine exited with ${child.exitCode ?? child.signalCode} before /readyz answered`);
        }
        return { pid: child.pid!, client, log, stop: async () => (client.close(), await stop()) };
    } catch (error) {
        await stop();
        throw new Error(`${(error as Error).message}\nlast lines of ${log}:\n${logTail(log)}`, { cause: error });
    }
}
