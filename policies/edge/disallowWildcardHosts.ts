import type { ResourceRule } from "../rule";
import { CONFIG_MAP, INGRESS, ingressRules, ingressTlsHosts, nginxConfigs, nginxServers, SWARM_CONFIG } from "./routes";

/** `*.x`, `x.*`, `.x` (nginx's shorthand for x and *.x) and regular expressions all match unnamed hosts. */
const isWildcard = (host: string): boolean => host.includes("*") || host.startsWith(".") || host.startsWith("~");

export const disallowWildcardHosts: ResourceRule = {
    kind: "resource",
    id: "disallow-wildcard-hosts",
    description: "Routes name their hosts exactly: no wildcard, regular-expression or host-less rules.",
    rationale: "A wildcard route sends hosts nobody reviewed (a typo, a future internal server's name) to a backend, which turns opt-in exposure into opt-out.",
    remediation: "Give each rule one exact host, e.g. github-agent.mcp.sophia-ai.com; expose a new server through its catalog entry (expose: public).",
    severity: "high",
    topics: ["edge", "network"],
    resourceTypes: [INGRESS, SWARM_CONFIG, CONFIG_MAP],
    check(resource) {
        if (resource.type === INGRESS) {
            const rules = ingressRules(resource)
                .filter((r) => !r.host || isWildcard(r.host))
                .map((r) => `Ingress ${resource.name} has a rule for ${r.host ?? "any host"}`);
            const tls = ingressTlsHosts(resource)
                .filter(isWildcard)
                .map((h) => `Ingress ${resource.name} has a TLS entry for wildcard host ${h}`);
            return [...rules, ...tls];
        }
        return nginxConfigs(resource).flatMap((config) =>
            nginxServers(config)
                .filter((s) => s.proxies)
                .flatMap((s) => s.serverNames.filter((n) => isWildcard(n) || n === "_" || n === '""'))
                .map((n) => `${resource.name}: a proxying server answers for wildcard host ${n}`),
        );
    },
};
