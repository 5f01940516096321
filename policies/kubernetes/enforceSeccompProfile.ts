import { describe, effective, podRule } from "./workloads";

const ALLOWED = new Set(["RuntimeDefault", "Localhost"]);

export const enforceSeccompProfile = podRule({
    id: "enforce-seccomp-profile",
    description: "Every container must run with the RuntimeDefault or a Localhost seccomp profile.",
    rationale: "Seccomp filters the kernel's system calls; Unconfined exposes the whole kernel surface to a compromised process.",
    remediation: "Set securityContext.seccompProfile: { type: RuntimeDefault } on the pod (or each container).",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        return pod.containers
            .filter((c) => !ALLOWED.has(String((effective(pod, c, "seccompProfile") as { type?: string } | undefined)?.type)))
            .map((c) => `${describe(c)} has no RuntimeDefault or Localhost seccomp profile`);
    },
});
