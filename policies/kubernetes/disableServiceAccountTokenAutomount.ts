import type { ResourceRule } from "../rule";
import { podOf, WORKLOAD_TYPES } from "./workloads";

export const disableServiceAccountTokenAutomount: ResourceRule = {
    kind: "resource",
    id: "disable-service-account-token-automount",
    description: "Pods must not mount a Kubernetes API token: automountServiceAccountToken false.",
    rationale: "The MCP servers never call the Kubernetes API; a mounted token only helps whoever compromises the pod.",
    remediation: "Set spec.automountServiceAccountToken: false in the pod template.",
    severity: "medium",
    topics: ["kubernetes", "identity"],
    resourceTypes: WORKLOAD_TYPES,
    check(resource) {
        const pod = podOf(resource);
        if (!pod) return [];
        return pod.spec.automountServiceAccountToken === false ? [] : ["the pod does not set automountServiceAccountToken: false"];
    },
};
