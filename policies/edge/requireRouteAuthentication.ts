import type { ResourceRule } from "../rule";
import { kubernetesProps } from "../shapes";
import { CONFIG_MAP, INGRESS, ingressRules, nginxConfigs, nginxServers, SWARM_CONFIG } from "./routes";

/** The services that authenticate what they forward (the edge gateway). */
const DEFAULT_AUTHENTICATING_SERVICES = ["edge-gateway"];

export const requireRouteAuthentication: ResourceRule = {
    kind: "resource",
    id: "require-route-authentication",
    description: "Every public route passes the edge's authentication before it reaches a service.",
    rationale:
        "The MCP servers hold credentials to GitHub, Snowflake, HubSpot, Vercel and cloud accounts; an endpoint reachable without authentication is a breach.",
    remediation:
        "Route the host to the edge gateway (which authenticates with oauth2-proxy) or give the Ingress an auth-url; in a gateway config, put auth_request in every server that proxies.",
    severity: "critical",
    topics: ["edge", "authentication"],
    resourceTypes: [INGRESS, SWARM_CONFIG, CONFIG_MAP],
    check(resource, context) {
        if (resource.type === INGRESS) {
            const allowed = (context.config.authenticatingServices as string[] | undefined) ?? DEFAULT_AUTHENTICATING_SERVICES;
            const annotations = kubernetesProps(resource).metadata?.annotations ?? {};
            if (annotations["nginx.ingress.kubernetes.io/auth-url"]) return [];
            return ingressRules(resource).flatMap((rule) =>
                (rule.http?.paths ?? [])
                    .map((p) => p.backend?.service?.name)
                    .filter((name) => !name || !allowed.includes(name))
                    .map(
                        (name) =>
                            `Ingress ${resource.name} routes ${rule.host ?? "(any host)"} to ${name ?? "(no service)"}, which does not authenticate (expected ${allowed.join(" or ")})`,
                    ),
            );
        }
        return nginxConfigs(resource).flatMap((config) =>
            nginxServers(config)
                .filter((s) => s.proxies && !s.authenticated)
                .map((s) => `${resource.name}: server ${s.serverNames.join(" ") || "(unnamed)"} proxies without auth_request`),
        );
    },
};
