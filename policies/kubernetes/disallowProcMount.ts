import type { ResourceRule } from "../rule";
import { describe, podOf, WORKLOAD_TYPES } from "./workloads";

export const disallowProcMount: ResourceRule = {
    kind: "resource",
    id: "disallow-proc-mount",
    description: "Containers must use the Default /proc mount.",
    rationale: "An Unmasked /proc exposes kernel interfaces the runtime normally hides from containers.",
    remediation: "Remove securityContext.procMount or set it to Default.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    resourceTypes: WORKLOAD_TYPES,
    check(resource) {
        const pod = podOf(resource);
        if (!pod) return [];
        return pod.containers
            .filter((c) => c.spec.securityContext?.procMount !== undefined && c.spec.securityContext.procMount !== "Default")
            .map((c) => `${describe(c)} sets procMount: ${String(c.spec.securityContext?.procMount)}`);
    },
};
