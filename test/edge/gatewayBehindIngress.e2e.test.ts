// The edge gateway behind a cluster's ingress controller (Kubernetes, K3s): TLS ends at the
// controller, the gateway listens on its plain port only and takes the client's address from
// X-Forwarded-For when the connection comes from the cluster's private network. A real nginx on
// this host runs the rendered config.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GatewayModel, HEALTH_PATH, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import { PrivateNeighbour } from "../support/privateNeighbour";
import { freePort, waitFor } from "../support/tools";
import { CLIENT, gatewayModel, GatewayNginx, gatewaySuite, httpRequest, NGINX_WELCOME, recordingServer, Seen, serverSpec } from "./gatewayNginx";

const DOMAIN = "ingress.test.sophia.local";
/** A client's public address, as the ingress controller forwards it (TEST-NET-3). */
const CLIENT_ADDRESS = "203.0.113.7";

/** The TCP ports process `pid` listens on (from its sockets and the kernel's socket tables). */
function listeningPorts(pid: number): number[] {
    const inodes = new Set(
        fs
            .readdirSync(`/proc/${pid}/fd`)
            .map((fd) => {
                try {
                    return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
                } catch {
                    return undefined;
                }
            })
            .filter((inode): inode is string => inode !== undefined),
    );
    const ports = new Set<number>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"].filter((t) => fs.existsSync(t))) {
        for (const row of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
            const fields = row.trim().split(/\s+/);
            // local address, state (0A: LISTEN), inode
            if (fields.length > 9 && fields[3] === "0A" && inodes.has(fields[9])) ports.add(parseInt(fields[1].split(":")[1], 16));
        }
    }
    return [...ports].sort((a, b) => a - b);
}

describe("the edge gateway behind an ingress controller (real nginx, no TLS at the gateway)", function () {
    this.timeout(30_000);
    let model: GatewayModel;
    let mcp: Seen[];
    const suite = gatewaySuite("sophia-edge-ingress-", { render: () => model });

    before(async () => {
        const auth = await recordingServer((seen, res) => {
            const token = /^Bearer valid:(.+)$/.exec(seen.headers.authorization ?? "");
            if (token) res.writeHead(202, { "X-Auth-Request-User": token[1] }).end();
            else res.writeHead(401).end();
        });
        const github = await recordingServer();
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        mcp = github.seen;
        suite.closeAfter(auth.server, github.server, grafana.server);
        model = gatewayModel(DOMAIN, {
            httpPort: await freePort(),
            trustForwardedFor: true,
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: mcpRoutes([{ spec: serverSpec("github-agent", github.port), address: "127.0.0.1" }], DOMAIN),
            uis: [{ name: "grafana", host: `grafana.${DOMAIN}`, upstream: { address: "127.0.0.1", port: grafana.port } }],
        });
    });

    const route = () => model.mcp[0];
    const call = (options: { headers?: Record<string, string> } = {}) =>
        httpRequest(model.httpPort, route().host, route().mcpPath, {
            method: "POST",
            body: "{}",
            ...options,
            headers: { Authorization: `Bearer valid:${CLIENT}`, "Content-Type": "application/json", ...options.headers },
        });

    it("listens on its plain port and no other", () => {
        expect(listeningPorts(suite.gateway.process!.pid!)).to.deep.equal([model.httpPort]);
    });

    it("routes an MCP host, its metadata and a UI host on the plain port", async () => {
        const challenge = await httpRequest(model.httpPort, route().host, route().mcpPath, { method: "POST", body: "{}" });
        expect(challenge.status).to.equal(401);
        expect(challenge.headers["www-authenticate"]).to.equal(`Bearer resource_metadata="https://${route().host}${route().metadataPath}"`);
        expect(JSON.parse((await httpRequest(model.httpPort, route().host, route().metadataPath)).body).resource).to.equal(route().resource);
        expect((await call()).status).to.equal(200);
        // The UI sends a human without a session to sign in (oauth2-proxy's stand-in answers 401 to the check).
        expect((await httpRequest(model.httpPort, `grafana.${DOMAIN}`, "/")).status).to.not.equal(404);
    });

    it("answers the health path with 200 ok for a host it does not serve (a probe names the pod's address), and any other request for one with 404", async () => {
        for (const host of [`10.42.0.7:${model.httpPort}`, "unknown.example.com", `snowflake-agent.mcp.${DOMAIN}`]) {
            const health = await httpRequest(model.httpPort, host, HEALTH_PATH);
            expect(health.status, host).to.equal(200);
            expect(health.body, host).to.equal("ok");
        }
        for (const pathName of ["/", "/mcp", "/index.html"]) {
            const reply = await httpRequest(model.httpPort, "unknown.example.com", pathName, { method: "GET" });
            expect(reply.status, pathName).to.equal(404);
            expect(reply.body, pathName).to.not.contain(NGINX_WELCOME);
        }
    });

    it("takes the client's address from X-Forwarded-For when the connection comes from a private address", async () => {
        // The ingress controller's pods connect from the cluster's private network: a namespace of the test's own stands in for one.
        const pod = PrivateNeighbour.create("xff");
        try {
            const before = mcp.length;
            const status = await pod.request(model.httpPort, route().host, route().mcpPath, {
                method: "POST",
                body: "{}",
                headers: { Authorization: `Bearer valid:${CLIENT}`, "Content-Type": "application/json", "X-Forwarded-For": CLIENT_ADDRESS },
            });
            expect(status).to.equal(200);
            expect(mcp[before].headers["x-real-ip"]).to.equal(CLIENT_ADDRESS);
            await waitFor(
                "the access log line with the client's address",
                () =>
                    suite.gateway
                        .accessLog()
                        .split("\n")
                        .find((l) => l.startsWith(`${CLIENT_ADDRESS} `)),
                5000,
                50,
            );
            // Without the header, the pod's own address is the client's.
            const next = mcp.length;
            expect(
                await pod.request(model.httpPort, route().host, route().mcpPath, {
                    method: "POST",
                    body: "{}",
                    headers: { Authorization: `Bearer valid:${CLIENT}` },
                }),
            ).to.equal(200);
            expect(mcp[next].headers["x-real-ip"]).to.equal(pod.address);
        } finally {
            pod.remove();
        }
    });

    it("ignores X-Forwarded-For from an address outside the private ranges", async () => {
        const before = mcp.length;
        await call({ headers: { "X-Forwarded-For": CLIENT_ADDRESS } });
        expect(mcp[before].headers["x-real-ip"]).to.equal("127.0.0.1");
    });
});

describe("the edge gateway's config for a server with session affinity, as nginx reads it", () => {
    it("starts without resolving the server's service address: its replicas are looked up while nginx runs", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-edge-sticky-"));
        try {
            const model = gatewayModel(DOMAIN, {
                httpPort: 8080,
                trustForwardedFor: true,
                runtimeDir: dir,
                oauth2Proxy: { address: "127.0.0.1", port: 4180 },
                resolver: "127.0.0.1:53",
                // A name no DNS answers (RFC 6761): nginx would refuse to start if it had to resolve it now.
                mcp: mcpRoutes(
                    [
                        {
                            spec: serverSpec("stateful-agent", 8080, { sessionAffinity: true }),
                            address: "stateful-agent.invalid",
                            replicas: "tasks.stateful-agent",
                        },
                    ],
                    DOMAIN,
                ),
                rateLimit: { requestsPerSecond: 10, burst: 20 },
                streamTimeoutSeconds: 3600,
            });
            const check = GatewayNginx.check(renderGatewayConfig(model), dir);
            expect(check.status, check.output).to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
