/**
 * The program inside the engine test's stand-in images. It runs in a container with plain Node (the
 * image build transpiles it and the metrics contract it imports), in the role its image sets:
 *
 * - `mcp`: an MCP server that follows the metrics contract: /health, the metrics path, a JSON-RPC
 *   endpoint at MCP_PATH, and POST /fault, after which it serves one failing (503) request a second
 *   so that the generated error-budget alerts fire.
 * - `standin`: a platform program we cannot build here (Grafana, Jaeger): answers 200 on its ports.
 * - `oauth2-proxy`: the auth_request contract of oauth2-proxy: 202 and X-Auth-Request-User for
 *   `Bearer <client>.<client secret>`, 401 otherwise.
 * - `docker-api`: the socket proxy: read-only Engine API requests forwarded to /var/run/docker.sock.
 * - `webhook-sink`: records every POST; GET /received lists them.
 * - `probe`: idles; the test runs `node <this file> request <json>` in it to reach services.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import {
    CACHE_HITS,
    CACHE_MISSES,
    MetricDefinition,
    PROCESS_CPU,
    PROCESS_MEMORY,
    REQUEST_DURATION,
    REQUESTS,
} from "../../../../components/monitoring/metricsContract";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

function listen(port: number, handler: Handler): void {
    http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => handler(req, res, body));
    }).listen(port, "0.0.0.0");
}

const header = (m: MetricDefinition): string => `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`;

/** Requests by status code and their durations, counted once when each completes. */
class Requests {
    private readonly byCode = new Map<string, number>();
    private readonly buckets = REQUEST_DURATION.buckets.map(() => 0);
    private count = 0;
    private sum = 0;

    record(code: number, seconds: number): void {
        this.byCode.set(String(code), (this.byCode.get(String(code)) ?? 0) + 1);
        REQUEST_DURATION.buckets.forEach((le, i) => (this.buckets[i] += seconds <= le ? 1 : 0));
        this.count += 1;
        this.sum += seconds;
    }

    exposition(): string {
        const codes = [...this.byCode].map(([code, n]) => `${REQUESTS.name}{code="${code}"} ${n}`);
        const buckets = REQUEST_DURATION.buckets.map((le, i) => `${REQUEST_DURATION.name}_bucket{le="${le}"} ${this.buckets[i]}`);
        const cpu = process.cpuUsage();
        return [
            `${header(REQUESTS)}${codes.join("\n")}`,
            `${header(REQUEST_DURATION)}${buckets.join("\n")}\n${REQUEST_DURATION.name}_bucket{le="+Inf"} ${this.count}`,
            `${REQUEST_DURATION.name}_sum ${this.sum}\n${REQUEST_DURATION.name}_count ${this.count}`,
            `${header(PROCESS_CPU)}${PROCESS_CPU.name} ${(cpu.user + cpu.system) / 1e6}`,
            `${header(PROCESS_MEMORY)}${PROCESS_MEMORY.name} ${process.memoryUsage().rss}`,
            `${header(CACHE_HITS)}${CACHE_HITS.name} 0`,
            `${header(CACHE_MISSES)}${CACHE_MISSES.name} 0`,
        ].join("\n");
    }
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
}

/** One JSON-RPC answer of an MCP server: who it is for `initialize`, an empty result otherwise. */
function mcpAnswer(body: string, name: string, client: string | undefined): unknown {
    const request = JSON.parse(body || "{}") as { id?: unknown; method?: string };
    const result = request.method === "initialize" ? { protocolVersion: "2025-06-18", serverInfo: { name, version: "fake" }, capabilities: {} } : {};
    return { jsonrpc: "2.0", id: request.id ?? null, result: { ...result, servedFor: client ?? null } };
}

function mcpServer(): void {
    const env = process.env;
    const name = env.OTEL_SERVICE_NAME ?? "unknown";
    const requests = new Requests();
    let failing: NodeJS.Timeout | undefined;
    listen(Number(env.PORT), (req, res, body) => {
        const started = process.hrtime.bigint();
        const done = (status: number, value: unknown): void => {
            json(res, status, value);
            requests.record(status, Number(process.hrtime.bigint() - started) / 1e9);
        };
        const route = `${req.method} ${req.url}`;
        if (route === "GET /health") json(res, 200, { status: "ok" });
        else if (route === `GET ${env.METRICS_PATH ?? "/metrics"}`)
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${requests.exposition()}\n`);
        else if (route === `POST ${env.MCP_PATH ?? "/mcp"}`) done(200, mcpAnswer(body, name, req.headers["x-sophia-client"] as string | undefined));
        else if (route === "POST /fault") {
            failing ??= setInterval(() => requests.record(503, 0.001), 1000);
            json(res, 202, { failing: true });
        } else done(404, { error: "not found" });
    });
}

function standin(): void {
    for (const port of (process.env.SOPHIA_STANDIN_PORTS ?? "").split(",").filter(Boolean))
        listen(Number(port), (_req, res) => json(res, 200, { status: "ok" }));
}

function oauth2Proxy(): void {
    const secret = fs.readFileSync(process.env.OAUTH2_PROXY_CLIENT_SECRET_FILE!, "utf8").trim();
    listen(4180, (req, res) => {
        if (req.url === "/ping") return json(res, 200, "OK");
        const [, client, presented] = /^Bearer ([a-z0-9-]+)\.(.+)$/.exec(req.headers.authorization ?? "") ?? [];
        if (client && presented === secret) res.writeHead(202, { "x-auth-request-user": client }).end();
        else res.writeHead(401).end();
    });
}

function dockerApi(): void {
    listen(2375, (req, res) => {
        if (req.method !== "GET" && req.method !== "HEAD") return json(res, 403, { message: "read-only" });
        const upstream = http.request({ socketPath: "/var/run/docker.sock", path: req.url, method: req.method }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        upstream.on("error", (error) => json(res, 502, { message: error.message }));
        upstream.end();
    });
}

function webhookSink(): void {
    const received: { path: string; body: unknown }[] = [];
    listen(Number(process.env.SOPHIA_SINK_PORT ?? 8080), (req, res, body) => {
        if (req.method === "GET") return json(res, 200, req.url === "/received" ? received : { status: "ok" });
        received.push({ path: req.url ?? "", body: JSON.parse(body || "null") as unknown });
        json(res, 200, { status: "success" });
    });
}

export interface ProbeRequest {
    readonly url: string;
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
    /** TLS server name (SNI) and Host, for the edge's per-server virtual hosts. */
    readonly servername?: string;
}

/** One request from inside the overlay network; prints {status, headers, body} or {error}. */
function probe(request: ProbeRequest): void {
    const url = new URL(request.url);
    const client = url.protocol === "https:" ? https : http;
    const headers = { ...(request.servername ? { host: request.servername } : {}), ...request.headers };
    const req = client.request(
        url,
        { method: request.method ?? "GET", headers, servername: request.servername, rejectUnauthorized: false, timeout: 10_000 },
        (res) => {
            let body = "";
            res.on("data", (chunk: Buffer) => (body += chunk.toString()));
            res.on("end", () => console.log(JSON.stringify({ status: res.statusCode, headers: res.headers, body })));
        },
    );
    req.on("error", (error) => console.log(JSON.stringify({ error: error.message })));
    req.end(request.body);
}

const ROLES: Record<string, () => void> = {
    mcp: mcpServer,
    standin,
    "oauth2-proxy": oauth2Proxy,
    "docker-api": dockerApi,
    "webhook-sink": webhookSink,
    probe: () => setInterval(() => undefined, 60_000),
};

// As PID 1 of its container, the process gets no default signal handlers: stop promptly when Swarm asks.
process.on("SIGTERM", () => process.exit(0));
if (process.argv[2] === "request") probe(JSON.parse(process.argv[3]) as ProbeRequest);
else ROLES[process.env.SOPHIA_FAKE_ROLE ?? "mcp"]();
