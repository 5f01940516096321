/**
 * An MCP server as a server author would write it with the official TypeScript SDK, deployable on the
 * platform (docs/02-development/server-contract.md): Streamable HTTP at MCP_PATH with stateful
 * sessions and the SDK's default reply mode (an SSE stream per request), the health path, and the
 * metrics contract served by prom-client. Tests start it on 127.0.0.1 with `startTypeScriptServer`;
 * in an image it runs as `node server.js`, reading PORT, MCP_PATH and OTEL_SERVICE_NAME.
 *
 * Tools: `echo` (returns its text), `whoami` (the replica answering and the client the edge named),
 * `count` (a progress notification every `intervalMs` for `steps` steps, then the total).
 * POST /fault makes the server count one failing (503) request a second from then on, so that the
 * error-budget alerts of the platform fire in the engine tier.
 */
import { randomUUID } from "crypto";
import * as http from "http";
import * as os from "os";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import * as client from "prom-client";
import { z } from "zod";
import { CACHE_HITS, CACHE_MISSES, REQUEST_DURATION, REQUESTS } from "../../../components/monitoring/metricsContract";

export interface ServerOptions {
    readonly name: string;
    readonly port: number;
    readonly host: string;
    readonly mcpPath?: string;
    readonly healthPath?: string;
    readonly metricsPath?: string;
    /** The name `whoami` gives for this replica; the host name by default, as in a container. */
    readonly replica?: string;
}

export interface RunningServer {
    readonly port: number;
    readonly url: string;
    close(): Promise<void>;
}

/** The header the edge names the authenticated client in (components/edge/gatewayConfig.ts CLIENT_HEADER). */
const CLIENT_HEADER = "x-sophia-client";

function mcpServer(name: string, replica: string): McpServer {
    const server = new McpServer({ name, version: "1.0.0" });
    server.registerTool("echo", { description: "Returns its text", inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: "text", text }],
    }));
    server.registerTool("whoami", { description: "The replica that answers and the client the edge named" }, (extra) => ({
        content: [
            {
                type: "text",
                text: JSON.stringify({
                    sdk: "typescript",
                    replica,
                    pid: process.pid,
                    client: extra.requestInfo?.headers[CLIENT_HEADER] ?? null,
                }),
            },
        ],
    }));
    server.registerTool(
        "count",
        {
            description: "Sends a progress notification every intervalMs for steps steps, then answers",
            inputSchema: { steps: z.number().int().min(1).max(60), intervalMs: z.number().int().min(10).max(5000).default(1000) },
        },
        async ({ steps, intervalMs }, extra) => {
            for (let step = 1; step <= steps; step++) {
                await new Promise((resolve) => setTimeout(resolve, intervalMs));
                const progressToken = extra._meta?.progressToken;
                if (progressToken !== undefined)
                    await extra.sendNotification({
                        method: "notifications/progress",
                        params: { progressToken, progress: step, total: steps, message: `step ${step} of ${steps} at ${Date.now()}` },
                    });
            }
            return { content: [{ type: "text", text: `counted ${steps} steps` }] };
        },
    );
    return server;
}

/** The metrics contract (components/monitoring/metricsContract.ts) on a registry of this server's own. */
function metrics(): { registry: client.Registry; requests: client.Counter<"code">; duration: client.Histogram } {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const requests = new client.Counter({ name: REQUESTS.name, help: REQUESTS.help, labelNames: ["code"], registers: [registry] });
    const duration = new client.Histogram({
        name: REQUEST_DURATION.name,
        help: REQUEST_DURATION.help,
        buckets: [...REQUEST_DURATION.buckets],
        registers: [registry],
    });
    // The server caches nothing: its lookups are zero, as the contract asks of a server whose entry says `cache: true`.
    for (const counter of [CACHE_HITS, CACHE_MISSES]) new client.Counter({ name: counter.name, help: counter.help, registers: [registry] });
    return { registry, requests, duration };
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
            try {
                resolve(body ? JSON.parse(body) : undefined);
            } catch {
                reject(new Error(`the request body is not JSON: ${body.slice(0, 80)}`));
            }
        });
        req.on("error", reject);
    });
}

const jsonRpcError = (res: http.ServerResponse, status: number, code: number, message: string): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
};

export function startTypeScriptServer(options: ServerOptions): Promise<RunningServer> {
    const { name, mcpPath = "/mcp", healthPath = "/health", metricsPath = "/metrics" } = options;
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const { registry, requests, duration } = metrics();
    let failing: NodeJS.Timeout | undefined;

    async function handleMcp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const sessionId = req.headers["mcp-session-id"] as string | undefined;
        const body = req.method === "POST" ? await readJson(req) : undefined;
        const known = sessionId ? transports.get(sessionId) : undefined;
        if (known) return known.handleRequest(req, res, body);
        // The spec's answer to a session this server does not hold: 404, and the client initializes again.
        if (sessionId) return jsonRpcError(res, 404, -32001, "Session not found");
        if (req.method !== "POST" || !isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, "Bad Request: no valid session ID");
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => void transports.set(id, transport),
        });
        transport.onclose = () => void (transport.sessionId && transports.delete(transport.sessionId));
        await mcpServer(name, options.replica ?? os.hostname()).connect(transport);
        await transport.handleRequest(req, res, body);
    }

    const server = http.createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://server").pathname;
        if (req.method === "GET" && path === healthPath) return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
        if (req.method === "GET" && path === metricsPath)
            return void registry.metrics().then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text));
        const stopTimer = duration.startTimer();
        res.on("finish", () => (requests.inc({ code: String(res.statusCode) }), stopTimer()));
        if (req.method === "POST" && path === "/fault") {
            failing ??= setInterval(() => (requests.inc({ code: "503" }), duration.observe(0.001)), 1000);
            return void res.writeHead(202, { "content-type": "application/json" }).end('{"failing":true}');
        }
        if (path !== mcpPath) return jsonRpcError(res, 404, -32601, `no MCP endpoint at ${path}; it is ${mcpPath}`);
        handleMcp(req, res).catch((error: Error) => {
            if (!res.headersSent) jsonRpcError(res, 500, -32603, `internal error: ${error.message}`);
        });
    });

    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
            const port = (server.address() as { port: number }).port;
            resolve({
                port,
                url: `http://${options.host}:${port}${mcpPath}`,
                close: async () => {
                    clearInterval(failing);
                    await Promise.all([...transports.values()].map((t) => t.close()));
                    server.closeAllConnections();
                    await new Promise<void>((done) => server.close(() => done()));
                },
            });
        });
    });
}

if (require.main === module) {
    // As PID 1 of its container, the process gets no default signal handlers: stop promptly when asked.
    process.on("SIGTERM", () => process.exit(0));
    const env = process.env;
    startTypeScriptServer({
        name: env.OTEL_SERVICE_NAME ?? "typescript-sdk-server",
        port: Number(env.PORT ?? 8080),
        host: "0.0.0.0",
        mcpPath: env.MCP_PATH,
    }).catch((error: Error) => {
        console.error(`cannot start: ${error.message}`);
        process.exit(1);
    });
}
