import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
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
export function edgeCertificate(dir: string, domains: readonly string[]): { cert: string; key: string; certFile: string; keyFile: string } {
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
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), certFile, keyFile };
}
