import { describe, podRule } from "./workloads";

export const disallowPrivileged = podRule({
    id: "disallow-privileged",
    description: "Containers must not run privileged.",
    rationale: "A privileged container has every capability and all host devices: escaping it is escaping to the node (Pod Security restricted profile).",
    remediation: "Remove securityContext.privileged or set it to false.",
    severity: "critical",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        return pod.containers.filter((c) => c.spec.securityContext?.privileged === true).map((c) => `${describe(c)} runs privileged`);
    },
});
