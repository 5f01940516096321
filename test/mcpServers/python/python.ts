// The Python SDK-built test server: its virtualenv (created by the tests, requirements.txt pinned) and
// how a test starts it on 127.0.0.1.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withFileLock } from "../../support/fileLock";
import { ROOT } from "../../support/plan";
import { waitFor } from "../../support/tools";
import type { RunningServer } from "../typescript/server";

export const PYTHON_SERVER_DIR = path.join(ROOT, "test/mcpServers/python");
export const PYTHON_SERVER = path.join(PYTHON_SERVER_DIR, "server.py");
const REQUIREMENTS = path.join(PYTHON_SERVER_DIR, "requirements.txt");

/**
 * A virtualenv at `venv` with requirements.txt installed, made by `python` (default: python3 on PATH);
 * made again when the requirements change. Returns its interpreter. Processes wanting the same venv
 * at once take turns: the first makes it, the others find it made.
 */
export function ensurePythonServerVenv(venv: string, python = "python3"): string {
    fs.mkdirSync(path.dirname(venv), { recursive: true });
    return withFileLock(`${venv}.lock`, () => makePythonServerVenv(venv, python));
}

function makePythonServerVenv(venv: string, python: string): string {
    const requirements = fs.readFileSync(REQUIREMENTS, "utf8");
    const stamp = path.join(venv, "sophia-requirements.sha256");
    const wanted = createHash("sha256").update(requirements).digest("hex");
    const interpreter = path.join(venv, "bin", "python");
    if (fs.existsSync(interpreter) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === wanted) return interpreter;
    const run = (command: string, args: string[], hint: string): void => {
        const r = spawnSync(command, args, { encoding: "utf8", timeout: 600_000 });
        if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status ?? r.signal}): ${hint}\n${r.stderr}`);
    };
    fs.rmSync(venv, { recursive: true, force: true });
    run(python, ["-m", "venv", venv], "Python 3.10 or newer with its venv module is needed (Debian: apt-get install python3-venv)");
    run(
        path.join(venv, "bin", "pip"),
        ["install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS],
        "pip could not install the pinned requirements",
    );
    fs.writeFileSync(stamp, wanted);
    return interpreter;
}

/** Starts server.py with `interpreter` on `host` (127.0.0.1 by default):`port`; resolves once its health path answers. */
export async function startPythonServer(interpreter: string, options: { name: string; port: number; mcpPath?: string; host?: string }): Promise<RunningServer> {
    const { name, port, mcpPath = "/mcp", host = "127.0.0.1" } = options;
    let output = "";
    const child: ChildProcess = spawn(interpreter, [PYTHON_SERVER], {
        env: { ...process.env, PORT: String(port), MCP_PATH: mcpPath, OTEL_SERVICE_NAME: name, SOPHIA_LISTEN_HOST: host },
        stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
    };
    await waitFor(
        `the Python SDK server on ${host}:${port}`,
        async () => {
            if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}:\n${output}`);
            const answer = await fetch(`http://${host}:${port}/health`).catch(() => undefined);
            return answer?.ok ? true : undefined;
        },
        30_000,
        100,
    ).catch(async (error: Error) => {
        await stop();
        throw new Error(`${error.message}\n${output}`);
    });
    return { port, url: `http://${host}:${port}${mcpPath}`, close: stop };
}

export const PYTHON_CLIENT = path.join(PYTHON_SERVER_DIR, "client.py");

/** What client.py saw in one session. */
export interface PythonClientReport {
    readonly server: string | null;
    readonly protocolVersion: string;
    readonly tools: string[];
    readonly echo: string;
    readonly whoami: Record<string, unknown>;
    readonly progress?: { readonly arrivals: number[]; readonly ended: number };
}

/**
 * Runs the Python SDK's own client (client.py) against `url`: initialize (or the newer discover),
 * tools/list, tools/call of echo and whoami, and with `progressSteps` a `count` call whose progress
 * arrival times it records. Rejects with what the client printed when it fails.
 */
export async function runPythonClient(
    interpreter: string,
    url: string,
    reach: { token?: string; connectTo?: { host: string; port: number }; ca?: string },
    options: { echo?: string; progressSteps?: number } = {},
): Promise<PythonClientReport> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-python-client-"));
    const args = [PYTHON_CLIENT, url];
    if (reach.token) args.push("--token", reach.token);
    if (reach.connectTo) args.push("--connect-to", `${reach.connectTo.host}:${reach.connectTo.port}`);
    if (reach.ca) {
        fs.writeFileSync(path.join(dir, "ca.pem"), reach.ca);
        args.push("--ca", path.join(dir, "ca.pem"));
    }
    if (options.echo) args.push("--echo", options.echo);
    if (options.progressSteps) args.push("--progress-steps", String(options.progressSteps));
    try {
        const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
            const child = spawn(interpreter, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
            let [out, err] = ["", ""];
            child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
            child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
            child.once("error", reject);
            child.once("close", (status) => resolve({ stdout: out, stderr: err, code: status }));
        });
        if (code !== 0) throw new Error(`the Python SDK's client failed (exit ${code}) on ${url}: ${stdout.trim()}\n${stderr.trim()}`);
        return JSON.parse(stdout) as PythonClientReport;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
