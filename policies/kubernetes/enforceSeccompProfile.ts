import type { ResourceRule } from "../rule";
import { describe, effective, podOf, WORKLOAD_TYPES } from "./workloads";

const ALLOWED = new Set(["RuntimeDefault", "Localhost"]);

export const enforceSeccompProfile: ResourceRule = {
    kind: "resource",
    id: "enforce-seccomp-profile",
    description: "Every container must run with the RuntimeDefault or a Localhost seccomp profile.",
    rationale: "Seccomp filters the kernel's system calls; Unconfined exposes the whole kernel surface to a compromised process.",
    remediation: "Set securityContext.seccompProfile: { type: RuntimeDefault } on the pod (or each container).",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    resourceTypes: WORKLOAD_TYPES,
    check(resource) {
        const pod = podOf(resource);
        if (!pod) return [];
        return pod.containers
            .filter((c) => !ALLOWED.has(String((effective(pod, c, "seccompProfile") as { type?: string } | undefined)?.type)))
            .map((c) => `${describe(c)} has no RuntimeDefault or Localhost seccomp profile`);
    },
};
