import { exemptionFor } from "../exemptions";
import { describe, podRule } from "./workloads";

const RULE_ID = "disallow-host-ports";

export const disallowHostPorts = podRule({
    id: RULE_ID,
    description: "Containers must not bind host ports.",
    rationale: "A host port bypasses Services and NetworkPolicies and pins the pod to nodes where the port is free.",
    remediation: "Remove ports[].hostPort and expose the port through a ClusterIP Service.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "network"],
    check(pod, resource) {
        return pod.containers.flatMap((c) =>
            ((c.spec.ports ?? []) as { hostPort?: number }[])
                .filter((p) => p?.hostPort && !exemptionFor(RULE_ID, resource, String(p.hostPort)))
                .map((p) => `${describe(c)} binds host port ${p.hostPort}`),
        );
    },
});
