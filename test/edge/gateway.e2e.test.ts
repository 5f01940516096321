// The edge gateway's nginx.conf, run by a real nginx on 127.0.0.1 in front of a stand-in for
// oauth2-proxy's /oauth2/auth contract and stand-in MCP servers.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { freePort, requireBinary } from "../support/tools";
import { CLIENT_HEADER, GatewayModel, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import type { ServerSpec } from "../../stacks/specs";

const DOMAIN = "test.sophia.local";
const ISSUER = "https://id.test.sophia.local/realms/sophia";

function listen(handler: http.RequestListener): Promise<http.Server> {
    return new Promise((resolve) => {
        const server = http.createServer(handler);
        server.listen(0, "127.0.0.1", () => resolve(server));
    });
}

const portOf = (server: http.Server): number => (server.address() as net.AddressInfo).port;

/** oauth2-proxy's auth endpoint: 202 with X-Auth-Request-User for a token it accepts, else 401. */
function fakeOauth2Proxy(): Promise<http.Server> {
    return listen((req, res) => {
        const token = /^Bearer valid:(.+)$/.exec(req.headers.authorization ?? "");
        if (req.url?.startsWith("/oauth2/auth") && token) {
            res.writeHead(202, { "X-Auth-Request-User": token[1] }).end();
        } else if (req.url?.startsWith("/oauth2/sign_in")) {
            res.writeHead(200, { "Content-Type": "text/plain" }).end("sign in");
        } else res.writeHead(401).end();
    });
}

interface Seen {
    headers: http.IncomingHttpHeaders;
    body: string;
}

/** An MCP server that records what reaches it; GET opens an event stream that stays open. */
function fakeMcpServer(seen: Seen[]): Promise<http.Server> {
    return listen((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            seen.push({ headers: req.headers, body });
            if (req.method === "GET") {
                res.writeHead(200, { "Content-Type": "text/event-stream" });
                res.write("event: message\ndata: first\n\n");
                setTimeout(() => res.end("data: last\n\n"), 3000).unref();
                return;
            }
            res.writeHead(200, { "Content-Type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
        });
    });
}

const spec = (name: string, port: number, expose: "public" | "internal", clients: string[] = []): ServerSpec =>
    ({ name, port, mcpPath: "/mcp", expose, clients, sessionAffinity: false }) as unknown as ServerSpec;

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

describe("edge gateway (real nginx on 127.0.0.1)", function () {
    this.timeout(20_000);
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir = "";
    const seenExposed: Seen[] = [];
    const seenInternal: Seen[] = [];
    const servers: http.Server[] = [];
    let nginx: ChildProcess | undefined;
    let nginxLog = "";
    let httpsPort = 0;
    let httpPort = 0;
    let ca = "";
    let upstreams = { oauth2: 0, exposed: 0, internal: 0, ui: 0 };
    let paths = { cert: "", key: "" };
    /** The config the running nginx was started with. */
    let runningConfig = "";

    function request(
        host: string,
        pathName: string,
        options: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {},
    ): Promise<Reply> {
        return new Promise((resolve, reject) => {
            const headers: Record<string, string> = { Host: host, ...options.headers };
            if (options.token) headers.Authorization = `Bearer ${options.token}`;
            if (options.body !== undefined) headers["Content-Type"] = "application/json";
            const req = https.request(
                { host: "127.0.0.1", port: httpsPort, servername: host, ca, path: pathName, method: options.method ?? "GET", headers, timeout: 5000 },
                (res) => {
                    let body = "";
                    res.on("data", (c) => (body += c));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
                },
            );
            req.on("error", reject);
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.end(options.body);
        });
    }

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-edge-"));
        // What an earlier run of the suite in this process saw is not this run's.
        seenExposed.length = 0;
        seenInternal.length = 0;
        fs.chmodSync(dir, 0o755);
        const cert = path.join(dir, "cert.pem");
        const key = path.join(dir, "key.pem");
        // Named through the helper: a missing tool fails here with its Debian package, not as a null exit code.
        const [openssl] = [requireBinary("openssl"), requireBinary("nginx")];
        const made = spawnSync(
            openssl,
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key,
                "-out",
                cert,
                "-days",
                "1",
                "-subj",
                "/CN=edge test",
                "-addext",
                `subjectAltName=DNS:*.mcp.${DOMAIN},DNS:*.${DOMAIN}`,
            ],
            { encoding: "utf8" },
        );
        if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
        ca = fs.readFileSync(cert, "utf8");
        const oauth2 = await fakeOauth2Proxy();
        const exposed = await fakeMcpServer(seenExposed);
        const internal = await fakeMcpServer(seenInternal);
        const ui = await listen((_req, res) => res.end("grafana"));
        servers.push(oauth2, exposed, internal, ui);
        [httpsPort, httpPort] = [await freePort(), await freePort()];
        upstreams = { oauth2: portOf(oauth2), exposed: portOf(exposed), internal: portOf(internal), ui: portOf(ui) };
        paths = { cert, key };
    });

    // The config is rendered before each test, not once: per-test coverage (the mutation run) then
    // counts each test as reaching the renderer, and a changed rendering restarts nginx with it.
    beforeEach(async function () {
        const model: GatewayModel = {
            httpPort,
            tls: { port: httpsPort, certificate: paths.cert, privateKey: paths.key },
            trustForwardedFor: false,
            runtimeDir: dir,
            oauth2Proxy: { address: "127.0.0.1", port: upstreams.oauth2 },
            issuer: ISSUER,
            mcp: mcpRoutes(
                [
                    { spec: spec("github-agent", upstreams.exposed, "public", ["claude-desktop"]), address: "127.0.0.1" },
                    { spec: spec("snowflake-agent", upstreams.internal, "internal"), address: "127.0.0.1" },
                ],
                DOMAIN,
            ),
            uis: [{ name: "grafana", host: `grafana.${DOMAIN}`, upstream: { address: "127.0.0.1", port: upstreams.ui } }],
            rateLimit: { requestsPerSecond: 1, burst: 3 },
            maxRequestBodySize: "1k",
            streamTimeoutSeconds: 3600,
        };
        const rendered = renderGatewayConfig(model);
        if (nginx && rendered === runningConfig) return;
        await stopNginx();
        const nginxBinary = requireBinary("nginx");
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, rendered);
        // The access log goes to /dev/stdout, as in a container; here stdout is a file (not a socket).
        const accessLog = fs.openSync(path.join(dir, "access.log"), "a");
        const check = spawnSync(nginxBinary, ["-t", "-c", conf, "-p", `${dir}/`, "-e", "stderr"], { encoding: "utf8", stdio: ["ignore", accessLog, "pipe"] });
        expect(check.status, check.stderr).to.equal(0);
        nginxLog = "";
        nginx = spawn(nginxBinary, ["-c", conf, "-p", `${dir}/`, "-e", "stderr"], { stdio: ["ignore", accessLog, "pipe"] });
        nginx.stderr!.on("data", (c) => (nginxLog += c));
        runningConfig = rendered;
        for (let i = 0; i < 100; i++) {
            const up = await new Promise<boolean>((resolve) =>
                net
                    .connect(httpsPort, "127.0.0.1")
                    .on("connect", function (this: net.Socket) {
                        this.destroy();
                        resolve(true);
                    })
                    .on("error", () => resolve(false)),
            );
            if (up) return;
            await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`nginx did not start:\n${nginxLog}`);
    });

    /** Stops nginx and waits until its ports are free for the next one. */
    async function stopNginx(): Promise<void> {
        const running = nginx;
        nginx = undefined;
        runningConfig = "";
        if (!running || running.exitCode !== null) return;
        await new Promise<void>((resolve) => {
            running.once("exit", () => resolve());
            running.kill("SIGTERM");
        });
    }

    after(async function () {
        await stopNginx();
        for (const s of servers.splice(0)) (s.closeAllConnections?.(), s.close());
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const mcpHostName = `github-agent.mcp.${DOMAIN}`;
    const initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';

    it("answers an unauthenticated MCP request with 401 and a challenge naming the resource metadata", async () => {
        const reply = await request(mcpHostName, "/mcp", { method: "POST", body: initialize });
        expect(reply.status).to.equal(401);
        expect(reply.headers["www-authenticate"]).to.equal(`Bearer resource_metadata="https://${mcpHostName}/.well-known/oauth-protected-resource/mcp"`);
        expect(seenExposed).to.have.length(0);
    });

    it("serves the protected-resource metadata without authentication", async () => {
        const reply = await request(mcpHostName, "/.well-known/oauth-protected-resource/mcp");
        expect(reply.status).to.equal(200);
        expect(JSON.parse(reply.body)).to.deep.include({ resource: `https://${mcpHostName}/mcp`, authorization_servers: [ISSUER] });
    });

    it("lets an allowed client through, with its identity and without its token", async () => {
        const reply = await request(mcpHostName, "/mcp", { method: "POST", token: "valid:claude-desktop", body: initialize });
        expect(reply.status).to.equal(200);
        expect(reply.headers["strict-transport-security"]).to.match(/max-age=\d+/);
        const last = seenExposed[seenExposed.length - 1];
        expect(last.body).to.equal(initialize);
        expect(last.headers[CLIENT_HEADER.toLowerCase()]).to.equal("claude-desktop");
        expect(last.headers.authorization).to.equal(undefined);
    });

    it("refuses a valid token from a client the server's allowlist does not name", async () => {
        const before = seenExposed.length;
        const reply = await request(mcpHostName, "/mcp", { method: "POST", token: "valid:someone-else", body: initialize });
        expect(reply.status).to.equal(403);
        expect(seenExposed).to.have.length(before);
    });

    it("has no route to an internal server", async () => {
        const failure = await request(`snowflake-agent.mcp.${DOMAIN}`, "/mcp", { method: "POST", token: "valid:claude-desktop", body: initialize }).then(
            (r) => `status ${r.status}`,
            (e: Error) => e.message,
        );
        expect(failure).to.not.match(/^status 2/);
        expect(seenInternal).to.have.length(0);
    });

    it("refuses bodies above the limit with 413", async () => {
        const reply = await request(mcpHostName, "/mcp", { method: "POST", token: "valid:claude-desktop", body: JSON.stringify({ pad: "x".repeat(4096) }) });
        expect(reply.status).to.equal(413);
    });

    it("streams server-sent events as they are written", async () => {
        const first = await new Promise<string>((resolve, reject) => {
            const req = https.request(
                {
                    host: "127.0.0.1",
                    port: httpsPort,
                    servername: mcpHostName,
                    ca,
                    path: "/mcp",
                    headers: { Host: mcpHostName, Authorization: "Bearer valid:claude-desktop", Accept: "text/event-stream" },
                },
                (res) =>
                    res.once("data", (chunk) => {
                        resolve(String(chunk));
                        req.destroy();
                    }),
            );
            req.on("error", (e) => (e.message.includes("socket hang up") ? undefined : reject(e)));
            setTimeout(() => reject(new Error("the first event did not arrive while the stream was open")), 2000).unref();
            req.end();
        });
        expect(first).to.contain("data: first");
    });

    it("sends a human without a session to sign in before any UI is reached", async () => {
        const reply = await request(`grafana.${DOMAIN}`, "/d/overview");
        expect(reply.body).to.equal("sign in");
    });

    it("limits each client's request rate with 429", async () => {
        const replies = await Promise.all(
            Array.from({ length: 8 }, () => request(mcpHostName, "/mcp", { method: "POST", token: "valid:claude-desktop", body: initialize })),
        );
        expect(replies.map((r) => r.status)).to.include(429);
        // Another identity has its own budget (and is refused by the allowlist, not the limit).
        expect((await request(mcpHostName, "/mcp", { method: "POST", token: "valid:someone-else", body: initialize })).status).to.equal(403);
    });

    it("redirects plain HTTP to HTTPS", async () => {
        const status = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
            http.get({ host: "127.0.0.1", port: httpPort, path: "/mcp", headers: { Host: mcpHostName } }, (res) => {
                res.resume();
                resolve({ status: res.statusCode, location: res.headers.location });
            }).on("error", reject);
        });
        expect(status).to.deep.equal({ status: 301, location: `https://${mcpHostName}/mcp` });
    });
});
