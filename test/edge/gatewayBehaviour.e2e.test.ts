// What clients, humans and the routed servers see of the edge gateway where it terminates TLS (as on
// Swarm): a real nginx on 127.0.0.1 runs the rendered config in front of recording stand-ins for
// oauth2-proxy (its auth_request contract and sign-in pages), MCP servers and a UI.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { expect } from "chai";
import { CLIENT_HEADER, GatewayModel, HEALTH_PATH } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import { freePort, requireBinary, waitFor } from "../support/tools";
import {
    childrenOf,
    CLIENT,
    gatewayModel,
    gatewaySuite,
    httpRequest,
    httpsRequest,
    NGINX_WELCOME,
    recordingServer,
    Reply,
    RequestOptions,
    Seen,
    serverSpec,
} from "./gatewayNginx";

const DOMAIN = "behaviour.test.sophia.local";
/** The issuer the metadata must name, written out: gatewayModel derives the model's from DOMAIN. */
const ISSUER = "https://id.behaviour.test.sophia.local/realms/sophia";
/** A signed-in human, as oauth2-proxy's session cookie names them here. */
const USER = "alice";
const USER_EMAIL = "alice@example.com";
/** Streams and request bodies that stall longer than this are cut: short, so the tests see it happen. */
const STREAM_TIMEOUT_SECONDS = 1;
/** nginx's own worker_connections when a config sets none. */
const NGINX_DEFAULT_WORKER_CONNECTIONS = 512;

const mcpHost = (server: string): string => `${server}.mcp.${DOMAIN}`;
const UI_HOST = `grafana.${DOMAIN}`;
const initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';
const asClient = { Authorization: `Bearer valid:${CLIENT}`, "Content-Type": "application/json" };
const signedIn = { Cookie: `_oauth2_proxy=${USER}` };
/** The headers every answer over TLS carries: no sniffing, no framing, no referrer. */
const SECURITY = { "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer" };

describe("the edge gateway as clients, humans and routed servers see it (real nginx, TLS at the gateway)", function () {
    this.timeout(30_000);
    let ca = "";
    let model: GatewayModel;
    let oauth2: Seen[];
    let servers: Record<"github" | "webSearch" | "websearch", Seen[]>;
    let ui: Seen[];
    const suite = gatewaySuite("sophia-edge-behaviour-", { render: () => model });

    const request = (host: string, pathName: string, options: RequestOptions = {}): Promise<Reply> =>
        httpsRequest(model.tls!.port, ca, host, pathName, options);
    const mcpCall = (server = "github-agent", options: RequestOptions = {}): Promise<Reply> =>
        request(mcpHost(server), "/mcp", { method: "POST", body: initialize, ...options, headers: { ...asClient, ...options.headers } });

    before(async function () {
        const cert = path.join(suite.dir, "cert.pem");
        const key = path.join(suite.dir, "key.pem");
        const subjectAltName = `subjectAltName=DNS:*.mcp.${DOMAIN},DNS:*.${DOMAIN}`;
        const made = spawnSync(
            requireBinary("openssl"),
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=edge test", "-addext", subjectAltName],
            { encoding: "utf8" },
        );
        if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
        ca = fs.readFileSync(cert, "utf8");

        // oauth2-proxy: a bearer token `valid:<client>` or a session cookie is accepted; its sign-in pages answer 200.
        const auth = await recordingServer((seen, res) => {
            if (seen.url.startsWith("/oauth2/auth")) {
                const token = /^Bearer valid:(.+)$/.exec(seen.headers.authorization ?? "");
                const session = /_oauth2_proxy=([a-z]+)/.exec(seen.headers.cookie ?? "");
                if (token) res.writeHead(202, { "X-Auth-Request-User": token[1] }).end();
                else if (session) res.writeHead(202, { "X-Auth-Request-User": session[1], "X-Auth-Request-Email": `${session[1]}@example.com` }).end();
                else res.writeHead(401).end();
            } else res.writeHead(200, { "Content-Type": "text/plain" }).end("sign in");
        });
        // An MCP server: a GET with ?silent opens an event stream that falls silent longer than the stream timeout.
        const github = await recordingServer((seen, res) => {
            if (seen.method === "GET" && seen.url.includes("silent")) {
                res.writeHead(200, { "Content-Type": "text/event-stream" });
                res.write("data: first\n\n");
                setTimeout(() => res.end("data: last\n\n"), (STREAM_TIMEOUT_SECONDS + 1.5) * 1000).unref();
            } else res.writeHead(200, { "Content-Type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
        });
        const webSearch = await recordingServer();
        const websearch = await recordingServer();
        // A server that accepts a connection and never reads from it.
        const stalled = net.createServer({ pauseOnConnect: true }, () => undefined);
        await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
        // A UI that also takes websocket upgrades and echoes what comes over them.
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        grafana.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
            ui.push({ method: req.method ?? "", url: req.url ?? "", httpVersion: req.httpVersion, headers: req.headers, body: "", connection: 0 });
            socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
            socket.on("data", (chunk: Buffer) => socket.write(`echo ${chunk.toString()}`));
        });
        oauth2 = auth.seen;
        servers = { github: github.seen, webSearch: webSearch.seen, websearch: websearch.seen };
        ui = grafana.seen;
        suite.closeAfter(auth.server, github.server, webSearch.server, websearch.server, grafana.server, stalled);

        const [httpsPort, httpPort] = [await freePort(), await freePort()];
        model = gatewayModel(DOMAIN, {
            httpPort,
            tls: { port: httpsPort, certificate: cert, privateKey: key },
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: mcpRoutes(
                [
                    { spec: serverSpec("github-agent", github.port), address: "127.0.0.1" },
                    // Two names that differ only by a hyphen: each is a server of its own.
                    { spec: serverSpec("web-search", webSearch.port), address: "127.0.0.1" },
                    { spec: serverSpec("websearch", websearch.port), address: "127.0.0.1" },
                    { spec: serverSpec("stalled-agent", (stalled.address() as net.AddressInfo).port), address: "127.0.0.1" },
                ],
                DOMAIN,
            ),
            uis: [{ name: "grafana", host: UI_HOST, upstream: { address: "127.0.0.1", port: grafana.port } }],
            maxRequestBodySize: "64m",
            streamTimeoutSeconds: STREAM_TIMEOUT_SECONDS,
        });
    });

    const last = (seen: Seen[]): Seen => seen[seen.length - 1];

    describe("health and unrouted requests", () => {
        it("answers the health path with 200 ok on the plain port, for any host and without authentication, and leaves probes out of the log", async () => {
            for (const host of [mcpHost("github-agent"), "anything.example.com"]) {
                const reply = await httpRequest(model.httpPort, host, HEALTH_PATH);
                expect(reply.status, host).to.equal(200);
                expect(reply.body, host).to.equal("ok");
            }
            // A request that is logged, after the probes: once it is in the log, the probes would be too.
            await request(mcpHost("github-agent"), "/after-the-probes");
            const log = await waitFor(
                "the access log line of the request after the probes",
                () => (suite.gateway.accessLog().includes("/after-the-probes") ? suite.gateway.accessLog() : undefined),
                5000,
                50,
            );
            expect(log).to.not.contain(HEALTH_PATH);
            expect(oauth2.filter((s) => s.headers["x-forwarded-uri"] === HEALTH_PATH)).to.deep.equal([]);
        });

        it("answers a path an MCP host does not route with 404, not with what the image's default root holds", async () => {
            for (const pathName of ["/", "/index.html", "/mcp/extra", "/.well-known/oauth-protected-resource"]) {
                const reply = await request(mcpHost("github-agent"), pathName);
                expect(reply.status, pathName).to.equal(404);
                expect(reply.body, pathName).to.not.contain(NGINX_WELCOME);
            }
        });

        it("keeps oauth2-proxy's auth endpoint internal: a valid token gets nothing from it directly", async () => {
            const reply = await request(mcpHost("github-agent"), "/oauth2/auth", { headers: asClient });
            expect(reply.status).to.equal(404);
        });

        it("rejects the TLS handshake for a name it does not serve, without showing a certificate", async () => {
            const outcome = await new Promise<{ error?: string; certificate?: boolean }>((resolve) => {
                const socket = tls.connect({ host: "127.0.0.1", port: model.tls!.port, servername: `snowflake-agent.mcp.${DOMAIN}`, ca }, () => {
                    resolve({ certificate: Boolean(socket.getPeerCertificate()?.subject) });
                    socket.end();
                });
                socket.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code }));
            });
            expect(outcome).to.deep.equal({ error: "ERR_SSL_TLSV1_UNRECOGNIZED_NAME" });
        });

        it("does not tell clients its version", async () => {
            for (const reply of [await mcpCall(), await request(mcpHost("github-agent"), "/nowhere"), await httpRequest(model.httpPort, "x", "/")]) {
                expect(reply.headers.server).to.equal("nginx");
                expect(reply.body).to.not.match(/nginx\/\d/);
            }
        });
    });

    describe("what MCP clients get", () => {
        const CSP = "default-src 'none'; frame-ancestors 'none'";

        it("sends the security headers, and a policy that lets nothing load or frame it, on every answer of an MCP endpoint", async () => {
            const answers: Record<string, Reply> = {
                served: await mcpCall(),
                metadata: await request(mcpHost("github-agent"), "/.well-known/oauth-protected-resource/mcp"),
                unauthenticated: await request(mcpHost("github-agent"), "/mcp", { method: "POST", body: initialize }),
                "not allowed": await mcpCall("github-agent", { headers: { Authorization: "Bearer valid:someone-else" } }),
            };
            for (const [what, reply] of Object.entries(answers)) {
                expect(reply.headers, what).to.include(SECURITY);
                expect(reply.headers["strict-transport-security"], what).to.match(/^max-age=\d+; includeSubDomains$/);
                expect(reply.headers["content-security-policy"], what).to.equal(CSP);
            }
            // Unrouted paths of the host get the security headers too.
            expect((await request(mcpHost("github-agent"), "/nowhere")).headers).to.include(SECURITY);
        });

        it("answers a missing token with 401 and the invalid_token error as JSON", async () => {
            const reply = await request(mcpHost("github-agent"), "/mcp", { method: "POST", body: initialize });
            expect(reply.status).to.equal(401);
            expect(reply.headers["content-type"]).to.equal("application/json");
            expect(JSON.parse(reply.body)).to.deep.equal({ error: "invalid_token", error_description: "a valid bearer token is required" });
        });

        it("answers a client the server's allowlist does not name with 403 and the insufficient_scope error", async () => {
            const before = servers.github.length;
            const reply = await mcpCall("github-agent", { headers: { Authorization: "Bearer valid:someone-else" } });
            expect(reply.status).to.equal(403);
            expect(JSON.parse(reply.body)).to.deep.equal({ error: "insufficient_scope", error_description: "this client may not use this server" });
            expect(servers.github).to.have.length(before);
        });

        it("serves the protected-resource metadata as JSON: the resource, its issuer, bearer tokens in the header only", async () => {
            const route = model.mcp.find((r) => r.server === "github-agent")!;
            const reply = await request(route.host, route.metadataPath);
            expect(reply.status).to.equal(200);
            expect(reply.headers["content-type"]).to.equal("application/json");
            expect(JSON.parse(reply.body)).to.deep.equal({
                resource: route.resource,
                authorization_servers: [ISSUER],
                bearer_methods_supported: ["header"],
                resource_name: route.server,
            });
        });

        it("routes servers whose names differ only by a hyphen each to its own upstream", async () => {
            const [before1, before2] = [servers.webSearch.length, servers.websearch.length];
            expect((await mcpCall("web-search", { body: '{"to":"web-search"}' })).status).to.equal(200);
            expect((await mcpCall("websearch", { body: '{"to":"websearch"}' })).status).to.equal(200);
            expect(servers.webSearch.slice(before1).map((s) => s.body)).to.deep.equal(['{"to":"web-search"}']);
            expect(servers.websearch.slice(before2).map((s) => s.body)).to.deep.equal(['{"to":"websearch"}']);
        });

        it("closes a stream that stays silent longer than the stream timeout", async () => {
            const started = Date.now();
            const received = await new Promise<string>((resolve, reject) => {
                let text = "";
                const req = https.request(
                    {
                        host: "127.0.0.1",
                        port: model.tls!.port,
                        servername: mcpHost("github-agent"),
                        ca,
                        path: "/mcp?silent",
                        headers: { Host: mcpHost("github-agent"), Authorization: asClient.Authorization, Accept: "text/event-stream" },
                    },
                    (res) => {
                        res.on("data", (chunk) => (text += chunk));
                        res.on("close", () => resolve(text));
                    },
                );
                req.on("error", reject);
                req.end();
            });
            expect(received).to.contain("data: first");
            expect(received, "the event after the silence").to.not.contain("data: last");
            expect(Date.now() - started).to.be.below((STREAM_TIMEOUT_SECONDS + 1.5) * 1000);
        });

        it("gives up with 504 on a server that stops reading a request body for longer than the stream timeout", async () => {
            // Larger than what the kernel buffers between the gateway and the server.
            const body = Buffer.alloc(32 * 1024 * 1024, "x");
            const started = Date.now();
            const reply = await mcpCall("stalled-agent", { body, timeoutMs: (STREAM_TIMEOUT_SECONDS + 6) * 1000 });
            expect(reply.status).to.equal(504);
            expect(Date.now() - started).to.be.below((STREAM_TIMEOUT_SECONDS + 5) * 1000);
        });

        it("logs each request on stdout with the client's identity", async () => {
            await mcpCall("github-agent", { body: '{"log":"me"}' });
            const line = await waitFor(
                "the request's access log line",
                () =>
                    suite.gateway
                        .accessLog()
                        .split("\n")
                        .find((l) => l.includes(mcpHost("github-agent")) && l.includes(`client=${CLIENT}`)),
                5000,
                50,
            );
            expect(line).to.match(
                new RegExp(`^127\\.0\\.0\\.1 ${mcpHost("github-agent").replace(/\./g, "\\.")} "POST /mcp HTTP/1\\.1" 200 \\d+ [\\d.]+ client=${CLIENT}$`),
            );
        });
    });

    describe("what the routed servers and oauth2-proxy receive", () => {
        it("gives an MCP server the client's host, address and scheme over HTTP/1.1, on a connection kept open between requests", async () => {
            const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
            try {
                const before = servers.github.length;
                await mcpCall("github-agent", { agent });
                await mcpCall("github-agent", { agent });
                const [first, second] = servers.github.slice(before);
                for (const seen of [first, second]) {
                    expect(seen.httpVersion).to.equal("1.1");
                    expect(seen.headers).to.include({
                        host: mcpHost("github-agent"),
                        "x-real-ip": "127.0.0.1",
                        "x-forwarded-for": "127.0.0.1",
                        "x-forwarded-proto": "https",
                    });
                    expect(seen.headers[CLIENT_HEADER.toLowerCase()]).to.equal(CLIENT);
                    expect(seen.headers.connection ?? "keep-alive").to.not.equal("close");
                }
                expect(second.connection, "the second request on the first one's connection").to.equal(first.connection);
            } finally {
                agent.destroy();
            }
        });

        it("asks oauth2-proxy with the request's headers only: no body, the client's host, URI and scheme", async () => {
            const before = oauth2.length;
            await mcpCall("github-agent", { body: '{"secret":"not for the token check"}' });
            const asked = oauth2.slice(before).filter((s) => s.url.startsWith("/oauth2/auth"));
            expect(asked).to.have.length(1);
            expect(asked[0].body).to.equal("");
            expect(asked[0].headers["content-length"] ?? "0").to.equal("0");
            expect(asked[0].headers).to.include({ host: mcpHost("github-agent"), "x-forwarded-uri": "/mcp", "x-forwarded-proto": "https" });
        });

        it("hands a UI the signed-in user and their email, with the client's host, address and scheme; the human gets the security headers", async () => {
            const before = ui.length;
            const reply = await request(UI_HOST, "/d/overview", { headers: signedIn });
            expect(reply.body).to.equal("grafana");
            expect(reply.headers).to.include(SECURITY);
            expect(reply.headers["strict-transport-security"]).to.match(/^max-age=\d+; includeSubDomains$/);
            const seen = ui[before];
            expect(seen.httpVersion).to.equal("1.1");
            expect(seen.headers).to.include({
                host: UI_HOST,
                "x-forwarded-user": USER,
                "x-forwarded-email": USER_EMAIL,
                "x-real-ip": "127.0.0.1",
                "x-forwarded-for": "127.0.0.1",
                "x-forwarded-proto": "https",
            });
            // A plain request asks for no protocol switch.
            expect(seen.headers.connection ?? "").to.not.match(/upgrade/i);
        });

        it("carries a UI's websocket through: the upgrade reaches the UI and messages flow both ways", async () => {
            const echoed = await new Promise<string>((resolve, reject) => {
                const req = https.request({
                    host: "127.0.0.1",
                    port: model.tls!.port,
                    servername: UI_HOST,
                    ca,
                    path: "/api/live/ws",
                    headers: { Host: UI_HOST, ...signedIn, Connection: "Upgrade", Upgrade: "websocket" },
                });
                req.on("upgrade", (res, socket) => {
                    socket.once("data", (chunk: Buffer) => (resolve(`${res.statusCode} ${chunk.toString()}`), socket.destroy()));
                    socket.write("ping");
                });
                req.on("response", (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
                req.on("error", reject);
                req.setTimeout(5000, () => req.destroy(new Error("no upgrade within 5 s")));
                req.end();
            });
            expect(echoed).to.equal("101 echo ping");
            expect(last(ui).headers).to.include({ upgrade: "websocket", "x-forwarded-user": USER });
        });

        it("sends a human without a session to sign in, and tells oauth2-proxy the page to come back to", async () => {
            const before = oauth2.length;
            const reply = await request(UI_HOST, "/d/overview?from=now-6h");
            expect(reply.body).to.equal("sign in");
            const signIn = oauth2.slice(before).find((s) => s.url.startsWith("/oauth2/sign_in"))!;
            expect(signIn.headers["x-auth-request-redirect"]).to.equal("/d/overview?from=now-6h");
            expect(signIn.headers).to.include({ host: UI_HOST, "x-forwarded-proto": "https" });
        });

        it("keeps its connection to oauth2-proxy's pages open between a human's requests", async () => {
            const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
            try {
                const before = oauth2.length;
                await request(UI_HOST, "/oauth2/start?rd=/", { agent });
                await request(UI_HOST, "/oauth2/start?rd=/", { agent });
                const [first, second] = oauth2.slice(before);
                expect(second.connection, "the second request on the first one's connection").to.equal(first.connection);
            } finally {
                agent.destroy();
            }
        });
    });

    describe("the nginx process", () => {
        it("stays in the foreground as the process started, and keeps its pid file and temporary files in the runtime directory", () => {
            const started = suite.gateway.process!;
            expect(started.exitCode, "the started process still runs").to.equal(null);
            expect(Number(fs.readFileSync(path.join(suite.dir, "nginx.pid"), "utf8").trim())).to.equal(started.pid);
            // nginx makes its temporary folders when it starts; the root filesystem of its container is read-only.
            for (const folder of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
                expect(fs.statSync(path.join(suite.dir, folder)).isDirectory(), folder).to.equal(true);
        });

        it("writes warnings to its stderr, such as a request body buffered to a temporary file", async () => {
            expect((await mcpCall("github-agent", { body: JSON.stringify({ pad: "x".repeat(64 * 1024) }) })).status).to.equal(200);
            await waitFor(
                "the warning on stderr",
                () => (/\[warn\].*a client request body is buffered to a temporary file/.test(suite.gateway.stderr()) ? true : undefined),
                5000,
                50,
            );
        });

        it(`runs one worker per CPU, each holding more connections at once than nginx's default of ${NGINX_DEFAULT_WORKER_CONNECTIONS}`, async () => {
            const workers = childrenOf(suite.gateway.process!.pid!);
            expect(workers).to.have.length(os.availableParallelism());
            // More connections than the workers could hold with the default: one of them gets more than that.
            const count = workers.length * NGINX_DEFAULT_WORKER_CONNECTIONS + 64;
            // Both ends of each connection are in this host's processes: this one's and nginx's (which inherits this one's limit).
            const openFiles = Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"))?.[1] ?? Infinity);
            expect(openFiles, "the open-files limit (ulimit -n) must let this process and nginx hold every connection").to.be.above(count + 256);
            const sockets: net.Socket[] = [];
            try {
                // Every connection is opened before any is answered, so that all are held at once.
                const opened = await Promise.all(
                    Array.from(
                        { length: count },
                        () =>
                            new Promise<net.Socket | undefined>((resolve) => {
                                const socket = net.connect(model.httpPort, "127.0.0.1");
                                sockets.push(socket);
                                socket.once("connect", () => resolve(socket));
                                socket.once("error", () => resolve(undefined));
                                socket.setTimeout(5000, () => resolve(undefined));
                            }),
                    ),
                );
                expect(
                    opened.filter((socket) => !socket),
                    "connections not opened",
                ).to.deep.equal([]);
                const answers = await Promise.all(
                    opened.map(
                        (socket) =>
                            new Promise<string>((resolve) => {
                                let text = "";
                                socket!.on("data", (chunk: Buffer) => {
                                    text += chunk.toString();
                                    if (text.endsWith("ok")) resolve("ok");
                                });
                                socket!.on("close", () => resolve(text || "closed"));
                                socket!.setTimeout(5000, () => resolve("no answer"));
                                socket!.write(`GET ${HEALTH_PATH} HTTP/1.1\r\nHost: probe\r\n\r\n`);
                            }),
                    ),
                );
                expect(
                    answers.filter((a) => a !== "ok"),
                    "connections not served",
                ).to.deep.equal([]);
            } finally {
                for (const socket of sockets) socket.destroy();
            }
        });
    });
});

describe("the edge gateway's rate limit for humans (real nginx)", function () {
    this.timeout(30_000);
    let model: GatewayModel;
    let ui: Seen[];
    const suite = gatewaySuite("sophia-edge-ui-limit-", { render: () => model });

    before(async () => {
        const auth = await recordingServer((_seen, res) => res.writeHead(202, { "X-Auth-Request-User": USER }).end());
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        const github = await recordingServer();
        ui = grafana.seen;
        suite.closeAfter(auth.server, grafana.server, github.server);
        model = gatewayModel(DOMAIN, {
            httpPort: await freePort(),
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: mcpRoutes([{ spec: serverSpec("github-agent", github.port), address: "127.0.0.1" }], DOMAIN),
            uis: [{ name: "grafana", host: UI_HOST, upstream: { address: "127.0.0.1", port: grafana.port } }],
            rateLimit: { requestsPerSecond: 1, burst: 2 },
        });
    });

    it("answers a burst from one address beyond the limit with 429, and lets the rest through", async () => {
        const replies = await Promise.all(Array.from({ length: 8 }, () => httpRequest(model.httpPort, UI_HOST, "/d/overview")));
        const statuses = replies.map((r) => r.status);
        // The first request and the burst pass at once; the others are refused.
        expect(statuses.filter((s) => s === 200)).to.have.length(model.rateLimit.burst + 1);
        expect(statuses.filter((s) => s === 429)).to.have.length(8 - model.rateLimit.burst - 1);
        expect(ui).to.have.length(model.rateLimit.burst + 1);
    });
});
