import { describe, podRule } from "./workloads";

export const disallowProcMount = podRule({
    id: "disallow-proc-mount",
    description: "Containers must use the Default /proc mount.",
    rationale: "An Unmasked /proc exposes kernel interfaces the runtime normally hides from containers.",
    remediation: "Remove securityContext.procMount or set it to Default.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        return pod.containers
            .filter((c) => c.spec.securityContext?.procMount !== undefined && c.spec.securityContext.procMount !== "Default")
            .map((c) => `${describe(c)} sets procMount: ${String(c.spec.securityContext?.procMount)}`);
    },
});
