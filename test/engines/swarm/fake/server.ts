/**
 * The program inside the engine test's stand-in images for programs that have no Debian package. It
 * runs in a container with plain Node (the image build transpiles it), in the role its image sets.
 * (The catalog's MCP servers run the SDK-built test servers of test/mcpServers/, not a stand-in.)
 *
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
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

function listen(port: number, handler: Handler): void {
    http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => handler(req, res, body));
    }).listen(port, "0.0.0.0");
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
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
    standin,
    "oauth2-proxy": oauth2Proxy,
    "docker-api": dockerApi,
    "webhook-sink": webhookSink,
    probe: () => setInterval(() => undefined, 60_000),
};

// As PID 1 of its container, the process gets no default signal handlers: stop promptly when Swarm asks.
process.on("SIGTERM", () => process.exit(0));
if (process.argv[2] === "request") probe(JSON.parse(process.argv[3]) as ProbeRequest);
else {
    const role = ROLES[process.env.SOPHIA_FAKE_ROLE ?? ""];
    if (!role) throw new Error(`SOPHIA_FAKE_ROLE must be one of ${Object.keys(ROLES).join(", ")}, not ${process.env.SOPHIA_FAKE_ROLE}`);
    role();
}
