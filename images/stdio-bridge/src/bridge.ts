// The stdio bridge: runs an MCP server that speaks only stdio as a server of the platform. The
// pinned supergateway turns stdio into Streamable HTTP (stateful: one process of the server per
// MCP session, the spec's 404 for an unknown session) on a loopback port; in front of it, on the
// server's one port, this program serves the health and metrics paths of the server authors'
// contract and passes every other request through, unbuffered, counting it with its status code.
// Usage: sophia-stdio-bridge [--health-path P] [--metrics-path P] [--host A] -- <command> [arguments...]
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import httpProxy from "http-proxy";
import { quote } from "shell-quote";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { bridgeMetrics } from "./metrics";
import { BridgeOptions, bridgeOptions, USAGE } from "./options";

/** supergateway's own health path on the loopback port: "ok" while its HTTP server runs. */
const GATEWAY_HEALTH = "/healthz";
const STARTUP_CHECK_MS = 30_000;

export interface RunningBridge {
    readonly port: number;
    /** Ends when supergateway exits, with its exit code. */
    readonly exited: Promise<number>;
    close(): Promise<void>;
}

/** A free port on the loopback address: the container's own network, so nobody else takes it meanwhile. */
function loopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** supergateway in its own process, stateful Streamable HTTP at the server's MCP path on `innerPort`. */
function startGateway(options: BridgeOptions, innerPort: number): ChildProcess {
    const gateway = require.resolve("supergateway/dist/index.js");
    const loopback = path.join(__dirname, "loopback.cjs");
    const args = [
        ...["--require", loopback, gateway],
        // supergateway starts the command through a shell: quoted, each argument stays one word.
        ...["--stdio", quote([...options.command]), "--outputTransport", "streamableHttp", "--stateful"],
        ...["--port", String(innerPort), "--streamableHttpPath", options.mcpPath, "--healthEndpoint", GATEWAY_HEALTH],
        // "info" would log every message, tool arguments and results included.
        ...["--logLevel", "none"],
    ];
    return spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
}

/** Starts the server once over stdio and initializes it with the official SDK's client: a command that cannot serve fails here, not in a client's session. */
async function startupCheck(command: readonly string[]): Promise<void> {
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
    const transport = new StdioClientTransport({ command: command[0], args: [...command.slice(1)], env, stderr: "inherit" });
    const client = new Client({ name: "sophia-stdio-bridge", version: "1.0.0" });
    try {
        await client.connect(transport, { timeout: STARTUP_CHECK_MS });
    } finally {
        await client.close();
    }
}

function gatewayHealthy(innerPort: number): Promise<boolean> {
    return new Promise((resolve) => {
        const request = http.get({ host: "127.0.0.1", port: innerPort, path: GATEWAY_HEALTH, timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
        });
        request.on("timeout", () => request.destroy()).on("error", () => resolve(false));
    });
}

const jsonRpcError = (res: http.ServerResponse, status: number, message: string): void => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message }, id: null }));
};

/** The front door on the server's port: health, metrics, and MCP passed through to supergateway. */
function frontDoor(options: BridgeOptions, innerPort: number, ready: () => boolean): http.Server {
    const metrics = bridgeMetrics();
    // No buffering anywhere: an SSE reply reaches the client event by event.
    const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${innerPort}` });
    proxy.on("error", (error, _req, res) => {
        if (res instanceof http.ServerResponse) jsonRpcError(res, 502, `the stdio bridge lost its gateway: ${error.message}`);
        else res.destroy();
    });
    return http.createServer((req, res) => {
        const pathname = new URL(req.url ?? "/", "http://bridge").pathname;
        // HEAD too: Swarm's health check is `wget --spider`, which asks with HEAD.
        const read = req.method === "GET" || req.method === "HEAD";
        if (read && pathname === options.healthPath) {
            void Promise.resolve(ready() && gatewayHealthy(innerPort)).then((healthy) =>
                res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: healthy ? "ok" : "starting" })),
            );
            return;
        }
        if (read && pathname === options.metricsPath) {
            void metrics.registry.metrics().then((text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text));
            return;
        }
        const done = metrics.begin();
        res.on("finish", () => done(res.statusCode));
        proxy.web(req, res);
    });
}

/** Starts the bridge: the startup check, supergateway, then the front door on the server's port. */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
    await startupCheck(options.command);
    const innerPort = await loopbackPort();
    const gateway = startGateway(options, innerPort);
    const exited = new Promise<number>((resolve) => gateway.once("exit", (code) => resolve(code ?? 1)));
    const server = frontDoor(options, innerPort, () => gateway.exitCode === null);
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port, options.host, resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        exited,
        close: async () => {
            gateway.kill("SIGTERM");
            server.closeAllConnections();
            await Promise.all([exited, new Promise<void>((resolve) => server.close(() => resolve()))]);
        },
    };
}

async function main(): Promise<void> {
    const { options, problems } = bridgeOptions(process.argv.slice(2), process.env);
    if (!options) {
        process.stderr.write(`sophia-stdio-bridge: ${problems.join("\n  ")}\n${USAGE}\n`);
        process.exit(2);
    }
    let bridge: RunningBridge;
    try {
        bridge = await startBridge(options);
    } catch (error) {
        process.stderr.write(`sophia-stdio-bridge: the stdio server ${options.command.join(" ")} did not initialize: ${(error as Error).message}\n`);
        process.exit(1);
    }
    let stopping = false;
    // As PID 1 of its container the process gets no default signal handlers: stop the gateway (and its servers) when asked.
    for (const signal of ["SIGTERM", "SIGINT"] as const)
        process.on(signal, () => {
            stopping = true;
            void bridge.close().then(() => process.exit(0));
        });
    const code = await bridge.exited;
    if (stopping) return;
    // The gateway never ends by itself while it serves: the orchestrator restarts the container.
    process.stderr.write(`sophia-stdio-bridge: supergateway exited (${code}); stopping\n`);
    process.exit(code === 0 ? 1 : code);
}

if (require.main === module) void main();
