import { describe, effective, podRule } from "./workloads";

export const enforceRunAsNonRoot = podRule({
    id: "enforce-run-as-non-root",
    description: "Containers must run as a non-root user: runAsNonRoot true and no runAsUser 0.",
    rationale: "Root in a container is root on the node's kernel; one escape or a mounted host file is enough to own the node.",
    remediation: "Set securityContext.runAsNonRoot: true (pod or container) and a runAsUser other than 0, e.g. 10001.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        const messages: string[] = [];
        if (pod.spec.securityContext?.runAsUser === 0) messages.push("the pod sets runAsUser: 0");
        for (const c of pod.containers) {
            if (effective(pod, c, "runAsNonRoot") !== true) messages.push(`${describe(c)} does not set runAsNonRoot: true`);
            if (c.spec.securityContext?.runAsUser === 0) messages.push(`${describe(c)} sets runAsUser: 0`);
        }
        return messages;
    },
});
