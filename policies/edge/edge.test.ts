import { expect } from "chai";
import { renderGatewayConfig, GatewayModel } from "../../components/edge/gatewayConfig";
import { INGRESS_NGINX, routeIngress } from "../../components/edge/kubernetesRoutes";
import { planOf } from "../../test/support/plan";
import type { EdgeSettings } from "../../stacks/settings";
import type { PolicyResource, ResourceRule } from "../rule";
import { EDGE_RULES } from "./index";
import { disallowWildcardHosts } from "./disallowWildcardHosts";
import { requireRouteAuthentication } from "./requireRouteAuthentication";
import { requireRouteTls } from "./requireRouteTls";
import { CONFIG_MAP, INGRESS, SWARM_CONFIG } from "./routes";

const context = { stack: "test", config: {} };
const edge = {
    tls: "acme",
    acmeEmail: "ops@example.com",
    acmeServer: "https://acme.example/dir",
    authMode: "oidc",
    oidcIssuerUrl: "https://id.example.com",
    oidcClientId: "edge",
    rateLimit: { requestsPerSecond: 10, burst: 20 },
    maxRequestBodySize: "1m",
    streamTimeoutSeconds: 3600,
} as EdgeSettings;

const model: GatewayModel = {
    httpPort: 8080,
    tls: { port: 8443, certificate: "/run/secrets/EDGE_TLS_CERTIFICATE", privateKey: "/run/secrets/EDGE_TLS_PRIVATE_KEY" },
    trustForwardedFor: false,
    runtimeDir: "/tmp",
    oauth2Proxy: { address: "oauth2-proxy", port: 4180 },
    issuer: "https://id.example.com",
    mcp: [
        {
            server: "github-agent",
            host: "github-agent.mcp.example.com",
            mcpPath: "/mcp",
            resource: "https://github-agent.mcp.example.com/mcp",
            metadataPath: "/.well-known/oauth-protected-resource/mcp",
            clients: ["cli"],
            sessionAffinity: false,
            upstream: { address: "github-agent", port: 9010 },
        },
    ],
    uis: [{ name: "grafana", host: "grafana.example.com", upstream: { address: "grafana", port: 3000 } }],
    rateLimit: { requestsPerSecond: 10, burst: 20 },
    maxRequestBodySize: "1m",
    streamTimeoutSeconds: 3600,
};

const swarmConfig = (text: string): PolicyResource => ({
    type: SWARM_CONFIG,
    urn: "urn:swarm-config",
    name: "edge-gateway-nginx-conf",
    props: { data: Buffer.from(text).toString("base64") },
});
const configMap = (text: string): PolicyResource => ({
    type: CONFIG_MAP,
    urn: "urn:config-map",
    name: "edge-gateway",
    props: { data: { "nginx.conf": text } },
});
const ingress = (mutate: (args: any) => void = () => undefined): PolicyResource => {
    const args = JSON.parse(
        JSON.stringify(routeIngress({ name: "route-github-agent", host: "github-agent.mcp.example.com" }, "sophia-edge", edge, INGRESS_NGINX)),
    );
    mutate(args);
    return { type: INGRESS, urn: "urn:ingress", name: "route-github-agent", props: args };
};

const gateway = renderGatewayConfig(model);
const behindIngress = renderGatewayConfig({ ...model, tls: undefined, trustForwardedFor: true });

describe("edge policy rules", () => {
    it("carry full metadata and verb-first kebab-case ids", () => {
        for (const rule of EDGE_RULES) {
            expect(rule.id).to.match(/^(require|disallow|enforce)-[a-z]+(-[a-z]+)*$/);
            for (const field of ["description", "rationale", "remediation"] as const) expect(rule[field], `${rule.id}.${field}`).to.have.length.above(20);
            expect(["low", "medium", "high", "critical"]).to.include(rule.severity);
            expect(rule.topics).to.include("edge");
        }
        expect(EDGE_RULES.map((r) => r.id)).to.have.members(["require-route-tls", "require-route-authentication", "disallow-wildcard-hosts"]);
    });

    const rules: ResourceRule[] = [requireRouteTls, requireRouteAuthentication, disallowWildcardHosts];
    it("accept the rendered gateway configs and Ingress", () => {
        for (const rule of rules) {
            for (const resource of [swarmConfig(gateway), configMap(behindIngress), ingress()]) {
                if (!rule.resourceTypes.includes(resource.type)) continue;
                expect(rule.check(resource, context), `${rule.id} on ${resource.type}`).to.deep.equal([]);
            }
        }
    });

    describe("require-route-tls", () => {
        it("flags an Ingress host without a TLS entry", () => {
            expect(
                requireRouteTls.check(
                    ingress((a) => (a.spec.tls = [])),
                    context,
                ),
            ).to.deep.equal(["Ingress route-github-agent routes host github-agent.mcp.example.com without TLS"]);
        });
        it("flags a Swarm gateway that proxies on a plain listener", () => {
            const plain = swarmConfig(gateway.replace(/listen 8443 ssl;/g, "listen 8443;"));
            expect(requireRouteTls.check(plain, context)).to.include(
                "edge-gateway-nginx-conf: server github-agent.mcp.example.com proxies without a TLS listener",
            );
        });
    });

    describe("require-route-authentication", () => {
        it("flags an Ingress that bypasses the gateway", () => {
            const direct = ingress((a) => (a.spec.rules[0].http.paths[0].backend.service.name = "github-agent"));
            expect(requireRouteAuthentication.check(direct, context)[0]).to.match(
                /routes github-agent\.mcp\.example\.com to github-agent, which does not authenticate/,
            );
        });
        it("flags a gateway server that proxies without auth_request", () => {
            const open = gateway.replace("auth_request /oauth2/auth;\n", "");
            expect(requireRouteAuthentication.check(configMap(open), context)).to.deep.equal([
                "edge-gateway: server github-agent.mcp.example.com proxies without auth_request",
            ]);
        });
    });

    describe("disallow-wildcard-hosts", () => {
        it("flags wildcard and host-less Ingress rules", () => {
            expect(
                disallowWildcardHosts.check(
                    ingress((a) => (a.spec.rules[0].host = "*.mcp.example.com")),
                    context,
                ),
            ).to.deep.equal(["Ingress route-github-agent has a rule for *.mcp.example.com"]);
            expect(
                disallowWildcardHosts.check(
                    ingress((a) => delete a.spec.rules[0].host),
                    context,
                ),
            ).to.deep.equal(["Ingress route-github-agent has a rule for any host"]);
        });
        it("flags a proxying gateway server with a wildcard name", () => {
            const wild = gateway.replace("server_name github-agent.mcp.example.com;", "server_name *.mcp.example.com;");
            expect(disallowWildcardHosts.check(swarmConfig(wild), context)).to.deep.equal([
                "edge-gateway-nginx-conf: a proxying server answers for wildcard host *.mcp.example.com",
            ]);
        });
    });

    for (const stack of ["dev", "staging", "prod"]) {
        it(`find nothing to object to in the ${stack} plan`, () => {
            const resources = planOf(stack).plan!.resources.map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.inputs as Record<string, any> }));
            const checked = resources.filter((r) => rules.some((rule) => rule.resourceTypes.includes(r.type)));
            expect(checked.length).to.be.above(0);
            for (const rule of rules)
                for (const r of checked.filter((c) => rule.resourceTypes.includes(c.type)))
                    expect(rule.check(r, context), `${rule.id} ${r.urn}`).to.deep.equal([]);
        });
    }
});
