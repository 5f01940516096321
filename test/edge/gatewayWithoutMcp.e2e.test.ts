// The edge gateway of a stack that exposes no MCP server: only humans' UIs, or nothing at all. The
// config still names the MCP client and server in its log format, rate limit and allowlist, so nginx
// must know those variables without any MCP server's location setting them. A real nginx on
// 127.0.0.1 runs the rendered config behind an ingress controller (plain port, no TLS).
import { expect } from "chai";
import { GatewayModel, HEALTH_PATH, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import { uiRoutes } from "../../components/edge/routes";
import { freePort, waitFor } from "../support/tools";
import { gatewayModel, GatewayNginx, gatewaySuite, httpRequest, NGINX_WELCOME, recordingServer, Seen } from "./gatewayNginx";

const DOMAIN = "no-mcp.test.sophia.local";
/** A signed-in human, as oauth2-proxy's session cookie names them here. */
const USER = "alice";

describe("the edge gateway with no MCP server routed (real nginx)", function () {
    this.timeout(30_000);
    // Each test starts the gateway it checks: no model to render before each.
    const suite = gatewaySuite("sophia-edge-no-mcp-");
    /** Only a UI routed; `nothingRouted` is the same gateway without it. */
    let uisOnly: GatewayModel;
    let nothingRouted: GatewayModel;
    let ui: Seen[];

    before(async () => {
        // oauth2-proxy: a session cookie is accepted; its sign-in page answers 200.
        const auth = await recordingServer((seen, res) => {
            const session = /_oauth2_proxy=([a-z]+)/.exec(seen.headers.cookie ?? "");
            if (!seen.url.startsWith("/oauth2/auth")) res.writeHead(200, { "Content-Type": "text/plain" }).end("sign in");
            else if (session) res.writeHead(202, { "X-Auth-Request-User": session[1] }).end();
            else res.writeHead(401).end();
        });
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        ui = grafana.seen;
        suite.closeAfter(auth.server, grafana.server);
        uisOnly = gatewayModel(DOMAIN, {
            httpPort: await freePort(),
            trustForwardedFor: true,
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: [],
            uis: uiRoutes([{ name: "grafana", upstream: { address: "127.0.0.1", port: grafana.port } }], DOMAIN),
        });
        nothingRouted = { ...uisOnly, uis: [] };
    });

    /** nginx -t accepts the rendered config, and nginx then runs it. */
    const start = async (model: GatewayModel): Promise<void> => {
        const check = GatewayNginx.check(renderGatewayConfig(model), suite.dir);
        expect(check.status, check.output).to.equal(0);
        await suite.gateway.ensure(model);
    };

    const expectHealthy = async (model: GatewayModel): Promise<void> => {
        const health = await httpRequest(model.httpPort, "probe", HEALTH_PATH);
        expect(health.status).to.equal(200);
        expect(health.body).to.equal("ok");
        expect(health.headers["content-type"], "nginx's own default type: no file type applies").to.equal("text/plain");
    };

    it("starts with only UIs routed, answers its health path, and serves a UI to a signed-in human", async () => {
        await start(uisOnly);
        await expectHealthy(uisOnly);
        const before = ui.length;
        for (const route of uisOnly.uis) {
            const reply = await httpRequest(uisOnly.httpPort, route.host, "/d/overview", { headers: { Cookie: `_oauth2_proxy=${USER}` } });
            expect(reply.status, route.host).to.equal(200);
            expect(reply.body, route.host).to.equal("grafana");
            // Without a session, the human is sent to sign in.
            expect((await httpRequest(uisOnly.httpPort, route.host, "/d/overview")).body, route.host).to.equal("sign in");
        }
        expect(ui.slice(before).map((s) => s.headers["x-forwarded-user"])).to.deep.equal(uisOnly.uis.map(() => USER));
        // A human's request is logged without an MCP client.
        const line = await waitFor(
            "the UI request's access log line",
            () =>
                suite.gateway
                    .accessLog()
                    .split("\n")
                    .find((l) => l.includes('"GET /d/overview HTTP/1.1" 200 ')),
            5000,
            50,
        );
        expect(line).to.match(/ client=$/);
    });

    it("starts with nothing routed, answers its health path, and anything else with 404", async () => {
        await start(nothingRouted);
        await expectHealthy(nothingRouted);
        for (const host of [`grafana.${DOMAIN}`, `github-agent.mcp.${DOMAIN}`]) {
            const reply = await httpRequest(nothingRouted.httpPort, host, "/");
            expect(reply.status, host).to.equal(404);
            expect(reply.body, host).to.not.contain(NGINX_WELCOME);
        }
    });
});
