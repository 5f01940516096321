import type { Container } from "../shapes";
import { record } from "../shapes";
import { describe, podRule } from "./workloads";

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const LIFECYCLE_HANDLERS = ["postStart", "preStop"] as const;
/** Handler kinds that take a host; tcpSocket is not a lifecycle handler any more but the API still accepts it. */
const WITH_HOST = ["httpGet", "tcpSocket"] as const;

/** Each "<where>.<kind>.host" a probe or handler sets to a non-empty value. */
function hostsOf(where: string, handler: unknown): string[] {
    return WITH_HOST.map((kind) => ({ kind, host: record(record(handler)[kind]).host }))
        .filter(({ host }) => host !== undefined && host !== null && host !== "")
        .map(({ kind, host }) => `${where}.${kind}.host ${String(host)}`);
}

function containerHosts(container: Container): string[] {
    const lifecycle = record(container.lifecycle);
    return [
        ...PROBES.flatMap((probe) => hostsOf(probe, container[probe])),
        ...LIFECYCLE_HANDLERS.flatMap((handler) => hostsOf(`lifecycle.${handler}`, lifecycle[handler])),
    ];
}

export const disallowProbeHosts = podRule({
    id: "disallow-probe-hosts",
    description: "Probes and lifecycle handlers must not set a host: httpGet.host and tcpSocket.host unset or empty.",
    rationale:
        "The kubelet makes these requests from the node; a host turns a probe into a request to any address the node can reach (Pod Security baseline and restricted since Kubernetes 1.34).",
    remediation: "Remove host from httpGet/tcpSocket probes and lifecycle handlers; the kubelet then targets the pod's own IP.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "network"],
    check(pod) {
        return pod.containers.flatMap((c) => containerHosts(c.spec).map((setting) => `${describe(c)} sets ${setting}`));
    },
});
