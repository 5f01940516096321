import type { PolicyResource } from "./rule";

/**
 * The few components that truly need more than the rules allow. Each entry names the component,
 * the rule it is exempt from, the exact values it may use (host paths, namespaces…) and why.
 * Nothing else is exempt: a new entry needs a review by the platform's security owners.
 */
export interface Exemption {
    /** Component name: Kubernetes metadata.name or app.kubernetes.io/name; the Swarm service's network alias or sophia.ai/mcp-server label. */
    readonly component: string;
    readonly rule: string;
    /** The values the exemption covers (e.g. host paths); anything else still violates. */
    readonly only: readonly string[];
    readonly reason: string;
}

export const EXEMPTIONS: readonly Exemption[] = [
    {
        component: "docker-agent",
        rule: "disallow-host-path",
        only: ["/var/run/docker.sock"],
        reason: "The docker-agent MCP server manages containers through the node's Docker engine (catalog flag allowDockerSocket); the socket is root-equivalent, so the server runs alone on its node with its own network policy.",
    },
    {
        component: "docker-agent",
        rule: "disallow-docker-socket-mount",
        only: ["/var/run/docker.sock"],
        reason: "The docker-agent MCP server manages containers through the Swarm manager's Docker engine (catalog flag allowDockerSocket); it is placed on the manager only.",
    },
    {
        component: "docker-api",
        rule: "disallow-docker-socket-mount",
        only: ["/var/run/docker.sock"],
        reason: "Prometheus discovers Swarm services through the Docker API; this proxy holds the socket and serves only the read-only endpoints discovery needs, so Prometheus itself never mounts it.",
    },
    {
        component: "jaeger",
        rule: "require-stateful-backups",
        only: ["volume-data"],
        reason: "Jaeger keeps traces for days only, for debugging; they play no part in recovering the platform (RTO/RPO cover PostgreSQL and Redis), and a restored trace store would hold nothing newer than the disaster.",
    },
    {
        component: "node-exporter",
        rule: "disallow-host-namespaces",
        only: ["hostNetwork", "hostPID"],
        reason: "Prometheus node-exporter reports the node's own network and process metrics, which only the host namespaces expose.",
    },
    {
        component: "node-exporter",
        rule: "disallow-host-path",
        only: ["/", "/proc", "/sys"],
        reason: "Prometheus node-exporter reads filesystem, /proc and /sys statistics of the node, mounted read-only.",
    },
    {
        component: "node-exporter",
        rule: "disallow-host-ports",
        only: ["9100"],
        reason: "node-exporter runs in the host network namespace, so its metrics port is a host port.",
    },
];

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The names a resource answers to, for matching exemptions and backup targets. */
export function componentNames(resource: Pick<PolicyResource, "props" | "name">): Set<string> {
    const p: Obj = resource.props ?? {};
    const names = new Set<string>();
    const add = (v: unknown) => typeof v === "string" && v && names.add(v);
    add(p.metadata?.name);
    add(p.metadata?.labels?.["app.kubernetes.io/name"]);
    add(p.metadata?.labels?.["sophia.ai/mcp-server"]);
    add(p.name);
    for (const l of Array.isArray(p.labels) ? p.labels : []) if (l?.label === "sophia.ai/mcp-server" || l?.label === "app.kubernetes.io/name") add(l.value);
    for (const n of Array.isArray(p.taskSpec?.networksAdvanceds) ? p.taskSpec.networksAdvanceds : []) for (const a of n?.aliases ?? []) add(a);
    return names;
}

/** The exemption that allows `value` for this rule on this resource, if any. */
export function exemptionFor(
    rule: string,
    resource: Pick<PolicyResource, "props" | "name">,
    value: string,
    list: readonly Exemption[] = EXEMPTIONS,
): Exemption | undefined {
    const names = componentNames(resource);
    return list.find((e) => e.rule === rule && names.has(e.component) && e.only.includes(value));
}
