// How the edge gateway's authentication answers clients and asks oauth2-proxy: a real nginx on
// 127.0.0.1 runs the rendered config (plain port, as behind an ingress controller) in front of
// recording stand-ins for oauth2-proxy, an MCP server and a UI.
import * as http from "http";
import { expect } from "chai";
import { GatewayModel } from "../../components/edge/gatewayConfig";
import { mcpRoutes, uiRoutes } from "../../components/edge/routes";
import { freePort } from "../support/tools";
import { CLIENT, gatewayModel, gatewaySuite, httpRequest, recordingServer, Reply, RequestOptions, Seen, serverSpec } from "./gatewayNginx";

const DOMAIN = "auth.test.sophia.local";
/** A client oauth2-proxy knows but no server's allowlist names. */
const STRANGER = "someone-else";
const USER = "alice";
const initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';

describe("the edge gateway's authentication as clients and oauth2-proxy see it (real nginx)", function () {
    this.timeout(30_000);
    let model: GatewayModel;
    let oauth2: Seen[];
    let mcp: Seen[];
    const suite = gatewaySuite("sophia-edge-auth-", { render: () => model });

    before(async () => {
        // oauth2-proxy: a bearer token `valid:<client>` or a session cookie is accepted. It answers 202 with
        // Content-Length 0, as Go's net/http sends a bodiless answer: nginx keeps the connection of a
        // sub-request, which reads no body, only when the answer declares none (not a chunked one).
        const auth = await recordingServer((seen, res) => {
            const user = /^Bearer valid:(.+)$/.exec(seen.headers.authorization ?? "")?.[1] ?? /_oauth2_proxy=([a-z]+)/.exec(seen.headers.cookie ?? "")?.[1];
            if (user) res.writeHead(202, { "X-Auth-Request-User": user, "Content-Length": "0" }).end();
            else res.writeHead(401, { "Content-Length": "0" }).end();
        });
        const github = await recordingServer((_seen, res) =>
            res.writeHead(200, { "Content-Type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":{}}'),
        );
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        oauth2 = auth.seen;
        mcp = github.seen;
        suite.closeAfter(auth.server, github.server, grafana.server);
        model = gatewayModel(DOMAIN, {
            httpPort: await freePort(),
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: mcpRoutes([{ spec: serverSpec("github-agent", github.port), address: "127.0.0.1" }], DOMAIN),
            uis: uiRoutes([{ name: "grafana", upstream: { address: "127.0.0.1", port: grafana.port } }], DOMAIN),
        });
    });

    const mcpCall = (host: string, mcpPath: string, client: string, options: RequestOptions = {}): Promise<Reply> =>
        httpRequest(model.httpPort, host, mcpPath, {
            method: "POST",
            body: initialize,
            ...options,
            headers: { Authorization: `Bearer valid:${client}`, "Content-Type": "application/json" },
        });

    it("answers a client the server's allowlist does not name with 403 and the insufficient_scope error as JSON, and the server sees nothing", async () => {
        for (const route of model.mcp) {
            const before = mcp.length;
            const reply = await mcpCall(route.host, route.mcpPath, STRANGER);
            expect(reply.status, route.host).to.equal(403);
            expect(reply.headers["content-type"], route.host).to.equal("application/json");
            expect(JSON.parse(reply.body), route.host).to.deep.equal({ error: "insufficient_scope", error_description: "this client may not use this server" });
            expect(mcp.slice(before), route.host).to.deep.equal([]);
        }
    });

    it("asks oauth2-proxy over HTTP/1.1 on a connection it keeps open: two protected requests in a row share one connection", async () => {
        const protectedRequests: Record<string, (agent: http.Agent) => Promise<Reply>> = {
            ...Object.fromEntries(model.mcp.map((r) => [r.host, (agent: http.Agent) => mcpCall(r.host, r.mcpPath, CLIENT, { agent })])),
            ...Object.fromEntries(
                model.uis.map((u) => [
                    u.host,
                    (agent: http.Agent) => httpRequest(model.httpPort, u.host, "/", { agent, headers: { Cookie: `_oauth2_proxy=${USER}` } }),
                ]),
            ),
        };
        for (const [host, send] of Object.entries(protectedRequests)) {
            // One connection from the client: both requests reach the same nginx worker, whose idle upstream connections they share.
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            try {
                const before = oauth2.length;
                for (let i = 0; i < 2; i++) expect((await send(agent)).status, host).to.equal(200);
                const asked = oauth2.slice(before).filter((s) => s.url.startsWith("/oauth2/auth"));
                expect(asked, host).to.have.length(2);
                for (const seen of asked) {
                    expect(seen.httpVersion, host).to.equal("1.1");
                    expect(seen.headers.connection ?? "keep-alive", host).to.not.match(/close/i);
                }
                expect(asked[1].connection, `${host}: the second check on the first one's connection`).to.equal(asked[0].connection);
            } finally {
                agent.destroy();
            }
        }
    });
});
