// The stdio bridge (images/stdio-bridge) with a stdio server built with the official SDK, behind the
// real edge: the MCP path as a client sees it, the contract's health and metrics, and the bridge's own
// command line (its usage errors, a server that cannot start, stopping on SIGTERM).
import { ChildProcess, spawn, spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { greet, mcpClient, McpReach } from "../../commands/release/mcpClient";
import { serverMetrics } from "../../components/monitoring/metricsContract";
import { planOf, ROOT } from "../support/plan";
import { freePort, requireBinary, waitFor } from "../support/tools";
import { RealEdge, startRealEdge } from "../edge/realEdge";
import { expectDeletedSessionUnknown, expectProgressAsSent } from "./sessionChecks";
import { edgeCertificate } from "../release/fakes";

const DOMAIN = "stdio.test.sophia.local";
const SECRET = "stdio-test-secret";
const CLIENT = "claude-desktop";
const NAME = "stdio-sdk-server";

const BRIDGE = path.join(ROOT, "images/stdio-bridge/src/bridge.ts");
const TS_NODE = ["-r", "ts-node/register/transpile-only"];
/** The stdio server's command, as a catalog entry's `command` names it. */
const SERVER_COMMAND = [process.execPath, ...TS_NODE, path.join(ROOT, "test", "mcpServers", "stdio", "server.ts")];

/** A process's argv, empty once it has ended. */
const commandLine = (pid: number): string[] => {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    } catch {
        return [];
    }
};

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
    const parents = fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .flatMap((entry) => {
            try {
                // The fields after the command's parenthesis: state, then the parent's pid.
                const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
                return [[Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])] as const];
            } catch {
                return [];
            }
        });
    const below = (parent: number): number[] => parents.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
    return below(pid);
}

const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));

interface BridgeRun {
    readonly child: ChildProcess;
    readonly output: () => string;
    readonly exited: Promise<number | null>;
}

/** The bridge as the container runs it (its program, then `--` and the server's command), on 127.0.0.1. */
function runBridge(args: readonly string[], env: NodeJS.ProcessEnv): BridgeRun {
    const child = spawn(process.execPath, [...TS_NODE, BRIDGE, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, output: () => output, exited };
}

/**
 * An MCP server that speaks only stdio, built with the official TypeScript SDK, run behind the
 * stdio bridge (images/stdio-bridge: the pinned supergateway with the contract's health and metrics
 * in front) and the real edge (nginx with the rendered config), reached with the official client.
 */
describe("a stdio MCP server behind the stdio bridge, through the real edge", function () {
    this.timeout(180_000);
    let dir: string;
    let bridge: BridgeRun;
    let port: number;
    let edge: RealEdge | undefined;
    let ca: string;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-stdio-bridge-"));
        port = await freePort();
        bridge = runBridge(["--host", "127.0.0.1", "--", ...SERVER_COMMAND], { PORT: String(port), MCP_PATH: "/mcp", OTEL_SERVICE_NAME: NAME });
        await waitFor(
            "the bridge's health path",
            async () => {
                if (bridge.child.exitCode !== null) throw new Error(`the bridge exited: ${bridge.output()}`);
                return (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200 ? true : undefined;
            },
            60_000,
        );
        const certificate = edgeCertificate(dir, [DOMAIN]);
        ca = certificate.cert;
        fs.mkdirSync(path.join(dir, "edge"));
        edge = await startRealEdge({
            dir: path.join(dir, "edge"),
            domain: DOMAIN,
            secret: SECRET,
            certificate,
            servers: [{ name: NAME, port, clients: [CLIENT] }],
        });
    });
    after(async () => {
        await edge?.close();
        // This run's servers only: a later run of the suite starts its own.
        edge = undefined;
        if (bridge && bridge.child.exitCode === null) {
            bridge.child.kill("SIGTERM");
            await bridge.exited;
        }
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const url = `https://${NAME}.mcp.${DOMAIN}/mcp`;
    const reach = (): McpReach => ({ token: `${CLIENT}.${SECRET}`, connectTo: { host: "127.0.0.1", port: edge!.port }, ca, timeoutMs: 20_000 });
    const text = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;

    it("initializes, lists its tools and answers tool calls, each session served by a process of its own", async () => {
        const [first, second] = [mcpClient(url, reach()), mcpClient(url, reach())];
        try {
            await first.client.connect(first.transport);
            await second.client.connect(second.transport);
            expect(first.client.getServerVersion()?.name).to.equal(NAME);
            expect(first.transport.sessionId, "a stateful session").to.be.a("string");
            expect((await first.client.listTools()).tools.map((t) => t.name).sort()).to.deep.equal(["count", "echo", "whoami"]);
            expect(text(await first.client.callTool({ name: "echo", arguments: { text: "over stdio" } }))).to.equal("over stdio");
            const pids = await Promise.all(
                [first, second].map(async (s) => (JSON.parse(text(await s.client.callTool({ name: "whoami" }))) as { pid: number }).pid),
            );
            expect(pids[0], "the bridge starts the stdio server once per session").to.not.equal(pids[1]);
            expect((JSON.parse(text(await first.client.callTool({ name: "whoami" }))) as { pid: number }).pid).to.equal(pids[0]);
        } finally {
            await first.close();
            await second.close();
        }
    });

    it("logs none of the messages it passes: a tool's arguments stay out of its output", async () => {
        const session = mcpClient(url, reach());
        try {
            await session.client.connect(session.transport);
            const secret = `token-${Date.now()}-never-logged`;
            expect(text(await session.client.callTool({ name: "echo", arguments: { text: secret } }))).to.equal(secret);
            expect(bridge.output()).to.not.include(secret);
        } finally {
            await session.close();
        }
    });

    it("delivers progress notifications as the tool sends them, the first long before the tool ends", async () => {
        await expectProgressAsSent(url, reach());
    });

    it("ends a session on DELETE: the session's id then gets the spec's 404 for an unknown session", async () => {
        await expectDeletedSessionUnknown(url, reach());
    });

    it("passes verify's edge check", async () => {
        const greeting = await greet(url, reach());
        expect(greeting.serverName).to.equal(NAME);
        expect([...greeting.tools!].sort()).to.deep.equal(["count", "echo", "whoami"]);
    });

    it("serves the contract's health path and every metric of a server, in a format promtool accepts, counting MCP requests", async () => {
        const base = `http://127.0.0.1:${port}`;
        expect((await fetch(`${base}/health`)).status).to.equal(200);
        const exposition = await (await fetch(`${base}/metrics`)).text();
        const lint = spawnSync(requireBinary("promtool"), ["check", "metrics"], { input: exposition, encoding: "utf8" });
        expect(lint.stderr + lint.stdout).to.not.match(/error while linting/);
        const families = new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
        for (const metric of serverMetrics(false)) expect(families.get(metric.name), metric.name).to.equal(metric.type);
        for (const bucket of ["0.2", "0.5"]) expect(exposition).to.match(new RegExp(`^http_request_duration_seconds_bucket\\{le="${bucket}"\\} [1-9]`, "m"));
        expect(exposition).to.match(/^http_requests_total\{code="200"\} [1-9]/m);
    });

    it("passes the health check Swarm runs in the container (wget --spider on the health path)", () => {
        const plan = planOf("dev").plan!;
        const service = plan.resources.find((r) => r.type === "docker:index/service:Service" && (r.inputs as any).taskSpec.containerSpec.healthcheck);
        const [kind, program, ...args] = (service!.inputs as any).taskSpec.containerSpec.healthcheck.tests as string[];
        expect([kind, program]).to.deep.equal(["CMD", "wget"]);
        const target = args.map((arg) => arg.replace(/^http:\/\/127\.0\.0\.1:\d+\/.*$/, `http://127.0.0.1:${port}/health`));
        expect(target, "the check's URL, pointed at the bridge").to.include(`http://127.0.0.1:${port}/health`);
        const check = spawnSync(requireBinary("wget"), target, { encoding: "utf8", timeout: 10_000 });
        expect(check.status, check.stderr).to.equal(0);
    });

    it("keeps the gateway's own port on the loopback address: the bridge's port is the only way in", () => {
        const gateways = descendants(bridge.child.pid!).filter((pid) => commandLine(pid).some((arg) => arg.endsWith("supergateway/dist/index.js")));
        expect(gateways, "supergateway's process").to.have.length(1);
        const listening = spawnSync("ss", ["-Hltnp"], { encoding: "utf8" })
            .stdout.split("\n")
            .filter((line) => line.includes(`pid=${gateways[0]},`))
            .map((line) => line.trim().split(/\s+/)[3]);
        expect(listening, "the gateway's listening sockets").to.not.be.empty;
        for (const address of listening) expect(address).to.match(/^127\.0\.0\.1:\d+$/);
        expect(listening).to.not.include(`127.0.0.1:${port}`);
    });
});

describe("the stdio bridge's command line", function () {
    this.timeout(120_000);

    it("lists every problem with its arguments and environment, with the usage, and exits 2", async () => {
        const run = runBridge(["--health-path", "health", "--metrics-path", "/metrics"], { PORT: "not-a-port", MCP_PATH: "/metrics" });
        expect(await run.exited).to.equal(2);
        const output = run.output();
        expect(output).to.include('PORT: got "not-a-port"; set it to the port to listen on (1-65535)');
        expect(output).to.include('--health-path: got "health"; expected an absolute HTTP path such as /health');
        expect(output).to.include("MCP_PATH, --health-path and --metrics-path must differ");
        expect(output).to.include("no command: name the stdio server's program and its arguments after --");
        expect(output).to.include("usage: sophia-stdio-bridge");
        expect(output).to.not.match(/\n\s+at /);
    });

    it("exits 1 naming the command when the stdio server does not initialize, before it serves anyone", async () => {
        const port = await freePort();
        const run = runBridge(["--host", "127.0.0.1", "--", process.execPath, "-e", "process.exit(3)"], { PORT: String(port) });
        expect(await run.exited).to.equal(1);
        expect(run.output()).to.match(/the stdio server .*process\.exit\(3\) did not initialize/);
        expect(run.output()).to.not.match(/\n\s+at /);
    });

    it("stops on SIGTERM with its gateway and the stdio servers it started, exit code 0", async () => {
        const port = await freePort();
        const run = runBridge(["--host", "127.0.0.1", "--", ...SERVER_COMMAND], { PORT: String(port) });
        // A session, so that a stdio server runs beside the gateway.
        const session = mcpClient(`http://127.0.0.1:${port}/mcp`, { timeoutMs: 20_000 });
        try {
            await waitFor(
                "the bridge",
                async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200 ? true : undefined),
                60_000,
            );
            await session.client.connect(session.transport);
            const below = descendants(run.child.pid!);
            expect(
                below.filter((pid) => commandLine(pid).some((arg) => arg.endsWith("server.ts"))),
                "the session's stdio server",
            ).to.not.be.empty;
            run.child.kill("SIGTERM");
            expect(await run.exited).to.equal(0);
            await waitFor("every process below the bridge to end", () => (below.some(alive) ? undefined : true), 10_000);
            await waitFor(
                "the port to close",
                async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => "closed")) === "closed" ? true : undefined),
                10_000,
            );
        } finally {
            if (run.child.exitCode === null) run.child.kill("SIGKILL");
            await session.close();
        }
    });

    it("exits 1 naming supergateway when its gateway ends by itself, so the orchestrator restarts it", async () => {
        const port = await freePort();
        const run = runBridge(["--host", "127.0.0.1", "--", ...SERVER_COMMAND], { PORT: String(port) });
        try {
            await waitFor(
                "the bridge",
                async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200 ? true : undefined),
                60_000,
            );
            const gateways = descendants(run.child.pid!).filter((pid) => commandLine(pid).some((arg) => arg.endsWith("supergateway/dist/index.js")));
            expect(gateways, "supergateway's process").to.have.length(1);
            process.kill(gateways[0], "SIGKILL");
            // Bounded: a bridge that keeps serving without its gateway is killed below, not waited for.
            const stillRunning = new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 20_000).unref());
            expect(await Promise.race([run.exited, stillRunning])).to.equal(1);
            expect(run.output()).to.include("sophia-stdio-bridge: supergateway exited (1); stopping\n");
        } finally {
            if (run.child.exitCode === null) run.child.kill("SIGKILL");
        }
    });

    it("pins the same bridge and SDK versions in its image as the tests run", () => {
        const image = JSON.parse(fs.readFileSync(path.join(ROOT, "images", "stdio-bridge", "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
        };
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string>>;
        const tested = { ...root.dependencies, ...root.devDependencies };
        for (const [name, version] of Object.entries(image.dependencies)) {
            expect(version, `${name} pinned exactly`).to.match(/^\d+\.\d+\.\d+$/);
            expect(tested[name], `${name} in the repository's package.json`).to.equal(version);
        }
    });
});
