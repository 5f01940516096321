import type { PolicyResource } from "./rule";
import { kubernetesProps, list, swarmProps } from "./shapes";

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
        rule: "disallow-docker-socket-mount",
        only: ["/var/run/docker.sock"],
        reason: "The docker-agent MCP server manages containers through the Swarm manager's Docker engine (catalog flag allowDockerSocket); it is placed on the manager only. It is deployed on Swarm only (catalog targets: [swarm]): Kubernetes and K3s nodes run containerd and have no docker.sock, so it has no exemption there and a hostPath to the socket on those targets is a violation.",
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

const NAME_LABELS = ["app.kubernetes.io/name", "sophia.ai/mcp-server"];

/** The names a resource answers to, for matching exemptions and backup targets. */
export function componentNames(resource: Pick<PolicyResource, "props" | "name">): Set<string> {
    const names = new Set<string>();
    for (const v of [...kubernetesNames(resource), ...swarmNames(resource)]) if (typeof v === "string" && v) names.add(v);
    return names;
}

/** metadata.name and the name labels of a Kubernetes object. */
function kubernetesNames(resource: Pick<PolicyResource, "props">): unknown[] {
    const metadata = kubernetesProps(resource).metadata;
    return [metadata?.name, ...NAME_LABELS.map((label) => metadata?.labels?.[label])];
}

/** The service name, its name labels and its network aliases, of a Swarm service. */
function swarmNames(resource: Pick<PolicyResource, "props">): unknown[] {
    const props = swarmProps(resource);
    const labels = list(props.labels) as ({ label?: unknown; value?: unknown } | undefined)[];
    const networks = list(props.taskSpec?.networksAdvanceds) as ({ aliases?: readonly unknown[] } | undefined)[];
    return [
        props.name,
        ...labels.filter((l) => l?.label === "sophia.ai/mcp-server" || l?.label === "app.kubernetes.io/name").map((l) => l?.value),
        ...networks.flatMap((n) => n?.aliases ?? []),
    ];
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
