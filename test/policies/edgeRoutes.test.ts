// The edge rules over hand-written routes: how an nginx config is read (braces in quotes, nested
// locations, what counts as proxying, authenticating and redirecting) and what each rule names
// when an Ingress or a gateway server lacks a host, a service, TLS or authentication.
import { expect } from "chai";
import { requireRouteAuthentication } from "../../policies/edge/requireRouteAuthentication";
import { requireRouteTls } from "../../policies/edge/requireRouteTls";
import { CONFIG_MAP, INGRESS, nginxConfigs, nginxServers, SWARM_CONFIG } from "../../policies/edge/routes";
import type { PolicyResource } from "../../policies/rule";

const context = { stack: "test", config: {} };
const swarmConfig = (data: unknown): PolicyResource => ({ type: SWARM_CONFIG, urn: "urn:c", name: "gateway-conf", props: { data } });
const configMap = (data: Record<string, unknown>): PolicyResource => ({ type: CONFIG_MAP, urn: "urn:m", name: "gateway", props: { data } });
const ingress = (spec: unknown, annotations: Record<string, string> = {}): PolicyResource => ({
    type: INGRESS,
    urn: "urn:i",
    name: "route",
    props: { metadata: { name: "route", annotations }, spec },
});
const route = (host: string | undefined, service: string | undefined) => ({
    ...(host ? { host } : {}),
    http: { paths: [{ path: "/", backend: service ? { service: { name: service, port: { number: 80 } } } : {} }] },
});

describe("reading an nginx config for the edge rules", () => {
    it("finds each server block, skipping braces in quotes and inside its locations", () => {
        const servers = nginxServers(`http {
            server {
                listen 443 ssl;
                server_name a.example.com b.example.com;
                location / { add_header X-Note "a } brace" always; auth_request /oauth2/auth; proxy_pass http://app:80; }
            }
            server { listen 80; server_name a.example.com; return 301 https://$host$request_uri; }
        }`);
        expect(servers).to.deep.equal([
            { listens: ["443 ssl"], serverNames: ["a.example.com", "b.example.com"], proxies: true, authenticated: true, redirectsToHttps: false },
            { listens: ["80"], serverNames: ["a.example.com"], proxies: false, authenticated: false, redirectsToHttps: true },
        ]);
    });

    it("counts neither the sign-in service as proxying, nor `auth_request off` as authenticating, nor a redirect to http", () => {
        const [signIn, off, plainRedirect, temporary] = nginxServers(`http {
            server { location /oauth2/ { proxy_pass http://oauth2_proxy; } }
            server { auth_request off; proxy_pass http://app; }
            server { return 301 http://elsewhere; }
            server { return 308 https://elsewhere; }
        }`);
        expect(signIn).to.deep.include({ proxies: false, serverNames: [] });
        expect(off).to.deep.include({ proxies: true, authenticated: false });
        expect(plainRedirect.redirectsToHttps).to.equal(false);
        expect(temporary.redirectsToHttps).to.equal(true);
    });

    it("reads a Swarm config's base64 data and a ConfigMap's text values, and only configs with an http block", () => {
        const conf = "http {\n server { proxy_pass http://app; }\n}";
        expect(nginxConfigs(swarmConfig(Buffer.from(conf).toString("base64")))).to.deep.equal([conf]);
        expect(nginxConfigs(swarmConfig(undefined))).to.deep.equal([]);
        expect(nginxConfigs(configMap({ "nginx.conf": conf, "mime.types": "types { text/html html; }", size: 3 }))).to.deep.equal([conf]);
        expect(nginxConfigs({ ...configMap({}), props: {} })).to.deep.equal([]);
        // A resource of another type carries no gateway config, whatever its data says.
        expect(nginxConfigs({ ...configMap({ "nginx.conf": conf }), type: INGRESS })).to.deep.equal([]);
    });
});

describe("require-route-authentication on hand-written routes", () => {
    it("names a rule without a host and a path without a service", () => {
        expect(requireRouteAuthentication.check(ingress({ rules: [route(undefined, "app"), route("b.example.com", undefined)] }), context)).to.deep.equal([
            "Ingress route routes (any host) to app, which does not authenticate (expected edge-gateway)",
            "Ingress route routes b.example.com to (no service), which does not authenticate (expected edge-gateway)",
        ]);
    });

    it("trusts an Ingress with its own auth-url, and the services the policy config names", () => {
        const direct = ingress({ rules: [route("a.example.com", "app")] });
        expect(requireRouteAuthentication.check(direct, { ...context, config: { authenticatingServices: ["app", "other"] } })).to.deep.equal([]);
        expect(requireRouteAuthentication.check(direct, { ...context, config: { authenticatingServices: ["other", "third"] } })).to.deep.equal([
            "Ingress route routes a.example.com to app, which does not authenticate (expected other or third)",
        ]);
        const withAuthUrl = ingress(
            { rules: [route("a.example.com", "app")] },
            { "nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth" },
        );
        expect(requireRouteAuthentication.check(withAuthUrl, context)).to.deep.equal([]);
        expect(requireRouteAuthentication.check(ingress({}), context)).to.deep.equal([]);
    });

    it("names an unnamed gateway server that proxies without auth_request, and passes one that only serves", () => {
        const conf = "http {\n server { listen 8443 ssl; proxy_pass http://app; }\n server { listen 8080; return 200 ok; }\n}";
        expect(requireRouteAuthentication.check(configMap({ "nginx.conf": conf }), context)).to.deep.equal([
            "gateway: server (unnamed) proxies without auth_request",
        ]);
    });
});

describe("require-route-tls on hand-written routes", () => {
    it("names a rule without a host, which no TLS entry can cover, and each host the TLS entries leave out", () => {
        const spec = {
            tls: [{ hosts: ["a.example.com"] }, {}],
            rules: [route(undefined, "edge-gateway"), route("a.example.com", "edge-gateway"), route("b.example.com", "edge-gateway")],
        };
        expect(requireRouteTls.check(ingress(spec), context)).to.deep.equal([
            "Ingress route routes host (any) without TLS",
            "Ingress route routes host b.example.com without TLS",
        ]);
    });

    it("passes a plain listener that only redirects to HTTPS, and names an unnamed one that proxies", () => {
        const conf = (plain: string) =>
            Buffer.from(`http {\n server { listen 8443 ssl; server_name a.example.com; proxy_pass http://app; }\n ${plain}\n}`).toString("base64");
        expect(requireRouteTls.check(swarmConfig(conf("server { listen 8080; proxy_pass http://app; return 301 https://$host; }")), context)).to.deep.equal([]);
        expect(requireRouteTls.check(swarmConfig(conf("server { listen 8080; proxy_pass http://app; }")), context)).to.deep.equal([
            "gateway-conf: server (unnamed) proxies without a TLS listener",
        ]);
        // "sslx" or a port named like it is no ssl listener.
        expect(
            requireRouteTls.check(swarmConfig(conf("server { listen 8080 sslx; server_name c.example.com; proxy_pass http://app; }")), context),
        ).to.deep.equal(["gateway-conf: server c.example.com proxies without a TLS listener"]);
    });
});
