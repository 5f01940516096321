import type { ResourceRule } from "../rule";
import { INGRESS, ingressRules, ingressTlsHosts, nginxConfigs, nginxServers, SWARM_CONFIG } from "./routes";

export const requireRouteTls: ResourceRule = {
    kind: "resource",
    id: "require-route-tls",
    description: "Every route from outside is served over TLS.",
    rationale:
        "MCP requests carry bearer tokens and answers carry data from GitHub, Snowflake and other accounts; over plain HTTP both can be read and replayed.",
    remediation:
        "Give the Ingress a tls entry covering each rule host (cert-manager issues it), or on Swarm let the gateway listen with ssl and only redirect plain HTTP.",
    severity: "critical",
    topics: ["edge", "network", "encryption"],
    resourceTypes: [INGRESS, SWARM_CONFIG],
    check(resource) {
        if (resource.type === INGRESS) {
            const covered = new Set(ingressTlsHosts(resource));
            return ingressRules(resource)
                .filter((rule) => !rule.host || !covered.has(rule.host))
                .map((rule) => `Ingress ${resource.name} routes host ${rule.host ?? "(any)"} without TLS`);
        }
        // A Swarm gateway is the front door itself: whatever it proxies must be behind ssl listeners only
        // (a server without listen is on nginx's default plain port 80).
        return nginxConfigs(resource).flatMap((config) =>
            nginxServers(config)
                .filter((s) => s.proxies && !(s.listens.length > 0 && s.listens.every((l) => /\bssl\b/.test(l))) && !s.redirectsToHttps)
                .map((s) => `${resource.name}: server ${s.serverNames.join(" ") || "(unnamed)"} proxies without a TLS listener`),
        );
    },
};
