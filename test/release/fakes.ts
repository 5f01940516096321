import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { LAST_SUCCESS_METRIC } from "../../components/backup-jobs";
import { requireBinary } from "../support/tools";

/** A server of the test on 127.0.0.1: its URL and how to stop it. */
export interface Fake {
    readonly url: string;
    readonly port: number;
    close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, body: string) => { status: number; body: unknown; headers?: http.OutgoingHttpHeaders };

function serve(server: http.Server, handler: Handler, scheme: string): Promise<Fake> {
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
            const answer = handler(req, body);
            res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as { port: number }).port;
            resolve({ url: `${scheme}://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) });
        }),
    );
}

/** Prometheus' query API for what verify asks: `up` of the MCP servers and the backups' newest successes. */
export function fakePrometheus(state: { up: Record<string, "0" | "1">; backupAges?: Record<string, number> }): Promise<Fake> {
    return serve(
        http.createServer(),
        (req) => {
            const query = new URL(req.url ?? "", "http://x").searchParams.get("query") ?? "";
            const now = Date.now() / 1000;
            const result = query.startsWith("up{")
                ? Object.entries(state.up).map(([service, value]) => ({ metric: { __name__: "up", service, group: "mcp" }, value: [now, value] }))
                : query.includes(LAST_SUCCESS_METRIC)
                  ? Object.entries(state.backupAges ?? {}).map(([target, age]) => ({ metric: { target }, value: [now, String(now - age)] }))
                  : undefined;
            if (!result) return { status: 400, body: { status: "error", error: `unexpected query ${query}` } };
            return { status: 200, body: { status: "success", data: { resultType: "vector", result } } };
        },
        "http",
    );
}

/** Alertmanager's status API with the given configuration as `original`. */
export function fakeAlertmanager(configYaml: string): Promise<Fake> {
    return serve(
        http.createServer(),
        (req) => (req.url === "/api/v2/status" ? { status: 200, body: { config: { original: configYaml } } } : { status: 404, body: {} }),
        "http",
    );
}

/** A certificate for *.mcp.<domain> of each domain, self-signed: the verify command is given it with --ca-file. */
export function edgeCertificate(dir: string, domains: readonly string[]): { cert: string; key: string; certFile: string } {
    const [certFile, keyFile] = [path.join(dir, "edge.crt"), path.join(dir, "edge.key")];
    execFileSync(
        requireBinary("openssl"),
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            `/CN=*.mcp.${domains[0]}`,
            "-addext",
            `subjectAltName=${domains.map((d) => `DNS:*.mcp.${d}`).join(",")}`,
            "-keyout",
            keyFile,
            "-out",
            certFile,
        ],
        { stdio: "ignore" },
    );
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), certFile };
}

/**
 * The edge's contract for MCP routes: 401 without a valid bearer token; with one, the JSON-RPC
 * answer of the server named by the Host header (`down` servers answer 502, as nginx does).
 */
export function fakeEdge(tls: { cert: string; key: string }, state: { token: string; down: Set<string> }): Promise<Fake> {
    return serve(
        https.createServer({ cert: tls.cert, key: tls.key }),
        (req) => {
            const server = (req.headers.host ?? "").split(".")[0];
            if (req.headers.authorization !== `Bearer ${state.token}`) return { status: 401, body: { error: "unauthorized" } };
            if (state.down.has(server)) return { status: 502, body: { error: "bad gateway" } };
            return { status: 200, body: { jsonrpc: "2.0", id: 1, result: { serverInfo: { name: server, version: "1" } } } };
        },
        "https",
    );
}
