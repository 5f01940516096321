// How the edge rules read hand-written nginx configs and Ingress specs, beyond the rendered gateway:
// quoted braces of both kinds, unusual but valid spacing, server blocks left open, the wildcard
// server names nginx knows, and the messages a user reads when a server has several names.
import { expect } from "chai";
import { disallowWildcardHosts } from "../../policies/edge/disallowWildcardHosts";
import { requireRouteAuthentication } from "../../policies/edge/requireRouteAuthentication";
import { requireRouteTls } from "../../policies/edge/requireRouteTls";
import { CONFIG_MAP, INGRESS, ingressTlsHosts, nginxConfigs, nginxServers, SWARM_CONFIG } from "../../policies/edge/routes";
import type { PolicyResource } from "../../policies/rule";
import { checkResource } from "./fixtures";

const base64 = (text: string) => Buffer.from(text).toString("base64");
const swarmConfig = (text: string): PolicyResource => ({ type: SWARM_CONFIG, urn: "urn:c", name: "gateway-conf", props: { data: base64(text) } });
const configMap = (data: Record<string, unknown>): PolicyResource => ({ type: CONFIG_MAP, urn: "urn:m", name: "gateway", props: { data } });
const ingress = (spec: unknown): PolicyResource => ({ type: INGRESS, urn: "urn:i", name: "route", props: { metadata: { name: "route" }, spec } });
const route = (host: string) => ({ host, http: { paths: [{ path: "/", backend: { service: { name: "edge-gateway", port: { number: 80 } } } }] } });
/** An http block around the given server blocks, as a gateway config file holds it. */
const http = (...servers: string[]) => `http {\n${servers.map((s) => `    ${s}\n`).join("")}}\n`;

describe("reading nginx server blocks for the edge rules", () => {
    it("skips braces inside single- and double-quoted text, so the directives after them stay in their server", () => {
        const servers = nginxServers(
            http(
                `server {
        listen 8443 ssl;
        server_name a.example.com;
        location = /brace { return 200 'a } b'; }
        add_header X-Note "c } d" always;
        proxy_pass http://app;
    }`,
                "server { listen 8080; server_name b.example.com; return 301 https://$host$request_uri; }",
            ),
        );
        expect(servers).to.deep.equal([
            { listens: ["8443 ssl"], serverNames: ["a.example.com"], proxies: true, authenticated: false, redirectsToHttps: false },
            { listens: ["8080"], serverNames: ["b.example.com"], proxies: false, authenticated: false, redirectsToHttps: true },
        ]);
    });

    it("finds a block written `server{` without a space, also at the very start of the text", () => {
        expect(nginxServers("server{ listen 8443 ssl; proxy_pass http://app; }")).to.deep.equal([
            { listens: ["8443 ssl"], serverNames: [], proxies: true, authenticated: false, redirectsToHttps: false },
        ]);
    });

    it("reads a server block left open at the end of a truncated config up to its last line", () => {
        // nginx would refuse such a file; the rule must still finish and judge what the text says.
        expect(nginxServers("http {\n    server {\n        listen 8080;\n        proxy_pass http://app;\n")).to.deep.equal([
            { listens: ["8080"], serverNames: [], proxies: true, authenticated: false, redirectsToHttps: false },
        ]);
    });

    it("reads directive values without the spaces around them and server names split on any run of whitespace", () => {
        const [named, aligned, help] = nginxServers(
            http(
                `server {
        listen 8443 ssl ;
        server_name   a.example.com
                      b.example.com ;
        auth_request off ;
        proxy_pass http://app;
    }`,
                "server { listen 8080; return 301   https://$host$request_uri; }",
                "server { listen 8080; location = /moved { return 200 'moved: 301 https://new.example.com'; } proxy_pass http://app; }",
            ),
        );
        expect(named).to.deep.equal({
            listens: ["8443 ssl"],
            serverNames: ["a.example.com", "b.example.com"],
            proxies: true,
            // `auth_request off ;` still switches authentication off.
            authenticated: false,
            redirectsToHttps: false,
        });
        expect(aligned.redirectsToHttps, "a redirect aligned with several spaces").to.equal(true);
        expect(help.redirectsToHttps, "a page that only mentions a redirect").to.equal(false);
    });

    it("reads no directive from a comment", () => {
        const conf = configMap({
            "nginx.conf": http("server { listen 8443 ssl; server_name a.example.com;\n# auth_request /oauth2/auth;\nproxy_pass http://app; }"),
        });
        expect(nginxServers(http("server { listen 8443 ssl; # auth_request /oauth2/auth;\n proxy_pass http://app; }"))).to.deep.equal([
            { listens: ["8443 ssl"], serverNames: [], proxies: true, authenticated: false, redirectsToHttps: false },
        ]);
        expect(checkResource(requireRouteAuthentication, conf)).to.deep.equal(["gateway: server a.example.com proxies without auth_request"]);
    });

    it("lets no apostrophe in a comment hide the servers after it, wherever the comment starts", () => {
        const plain = "server { listen 8080; proxy_pass http://app; }";
        for (const opening of [
            "server {# the gateway's door",
            "server { server_name a.example.com;# the gateway's door",
            "server { location = /ok { return 204; }# don't log it",
            "server {\n        # the gateway's door",
        ]) {
            const servers = nginxServers(http(`${opening}\n        listen 8443 ssl; auth_request /a; proxy_pass http://app;\n    }`, plain));
            expect(
                servers.map((s) => s.listens),
                opening,
            ).to.deep.equal([["8443 ssl"], ["8080"]]);
        }
        // Through the rules: the plain server after the comment is still judged on its own.
        const conf = swarmConfig(http("server { listen 8443 ssl; # the client's token\n auth_request /a; proxy_pass http://app; }", plain));
        expect(checkResource(requireRouteTls, conf)).to.deep.equal(["gateway-conf: server (unnamed) proxies without a TLS listener"]);
    });

    it("keeps a # inside quotes or inside a word, a comment right after a semicolon, and a comment on the first line", () => {
        const [quoted, inWord, afterSemicolon] = nginxServers(`# server { listen 80; proxy_pass http://old; }
http {
    server { listen 8443 ssl; add_header X-Note "a # b"; return 200 'c # d'; auth_request /a; proxy_pass http://app; }
    server { listen 8080; return 301 https://$host/#top; }
    server { listen 8443 ssl; proxy_pass http://app;# the app
    }
}`);
        expect(quoted).to.deep.include({ listens: ["8443 ssl"], proxies: true, authenticated: true });
        expect(inWord.redirectsToHttps).to.equal(true);
        expect(afterSemicolon.proxies).to.equal(true);
    });

    it("recognizes an http block however it is indented or spaced, and nothing that only mentions http", () => {
        const indented = "# generated\n  http{\n    server { listen 8443 ssl; proxy_pass http://app; }\n  }\n";
        const snippet = "location /http {\n    proxy_pass http://legacy;\n}\n";
        expect(nginxConfigs(configMap({ "nginx.conf": indented, "legacy.conf": snippet }))).to.deep.equal([indented]);
    });

    it("decodes base64 data only from a Swarm config, not from a Docker secret holding the same text", () => {
        const conf = http("server { listen 8080; proxy_pass http://app; }");
        expect(nginxConfigs(swarmConfig(conf))).to.deep.equal([conf]);
        expect(nginxConfigs({ type: "docker:index/secret:Secret", urn: "urn:s", name: "gateway-secret", props: { data: base64(conf) } })).to.deep.equal([]);
    });
});

describe("the edge rules on gateway servers with several names or listeners", () => {
    const twoNames = "server { listen 8080; server_name a.example.com b.example.com; proxy_pass http://app; }";

    it("require-route-authentication names every server name, space-separated", () => {
        expect(checkResource(requireRouteAuthentication, configMap({ "nginx.conf": http(twoNames) }))).to.deep.equal([
            "gateway: server a.example.com b.example.com proxies without auth_request",
        ]);
    });

    it("require-route-tls names every server name, space-separated", () => {
        expect(checkResource(requireRouteTls, swarmConfig(http(twoNames)))).to.deep.equal([
            "gateway-conf: server a.example.com b.example.com proxies without a TLS listener",
        ]);
    });

    it("require-route-tls flags a proxying server that also listens in plain HTTP, or on nginx's default plain port", () => {
        const mixed = "server { listen 8080; listen 8443 ssl; server_name a.example.com; proxy_pass http://app; }";
        const noListen = "server { server_name b.example.com; proxy_pass http://app; }";
        const sslOnly = "server { listen 8443 ssl; listen [::]:8443 ssl; server_name c.example.com; proxy_pass http://app; }";
        expect(checkResource(requireRouteTls, swarmConfig(http(mixed, noListen, sslOnly)))).to.deep.equal([
            "gateway-conf: server a.example.com proxies without a TLS listener",
            "gateway-conf: server b.example.com proxies without a TLS listener",
        ]);
        // A plain listener that redirects every request to HTTPS serves nothing in plain text.
        const redirecting = "server { listen 8080; listen 8443 ssl; server_name a.example.com; return 301 https://$host$request_uri; proxy_pass http://app; }";
        expect(checkResource(requireRouteTls, swarmConfig(http(redirecting)))).to.deep.equal([]);
    });
});

describe("disallow-wildcard-hosts on nginx server names and Ingress TLS entries", () => {
    it("flags each server name nginx matches against unnamed hosts: a leading dot, a regular expression, `_` and the empty name", () => {
        const conf = http(
            "server { listen 8443 ssl; auth_request /a; proxy_pass http://app;\n" +
                '        server_name exact.example.com .example.com ~^(?<sub>.+)\\.example\\.com$ _ ""; }',
        );
        expect(checkResource(disallowWildcardHosts, configMap({ "nginx.conf": conf }))).to.deep.equal([
            "gateway: a proxying server answers for wildcard host .example.com",
            "gateway: a proxying server answers for wildcard host ~^(?<sub>.+)\\.example\\.com$",
            "gateway: a proxying server answers for wildcard host _",
            'gateway: a proxying server answers for wildcard host ""',
        ]);
    });

    it("flags an Ingress TLS entry for a wildcard host even when every rule names its host exactly", () => {
        const spec = { tls: [{ hosts: ["a.example.com", "*.example.com"], secretName: "edge-tls" }], rules: [route("a.example.com")] };
        expect(checkResource(disallowWildcardHosts, ingress(spec))).to.deep.equal(["Ingress route has a TLS entry for wildcard host *.example.com"]);
    });

    it("skips an empty entry in an Ingress's rules and judges the others", () => {
        const spec = { tls: [{ hosts: ["a.example.com"] }], rules: [null, route("a.example.com"), route("*.example.com")] };
        expect(checkResource(disallowWildcardHosts, ingress(spec))).to.deep.equal(["Ingress route has a rule for *.example.com"]);
        expect(checkResource(requireRouteTls, ingress(spec))).to.deep.equal(["Ingress route routes host *.example.com without TLS"]);
    });

    it("counts no host for a TLS entry that names none", () => {
        expect(ingressTlsHosts(ingress({ tls: [{ hosts: ["a.example.com"] }, { secretName: "default-cert" }] }))).to.deep.equal(["a.example.com"]);
    });
});
