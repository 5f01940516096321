import { describe, effective, isWindows, podRule } from "./workloads";

const ALLOWED = new Set(["RuntimeDefault", "Localhost"]);

export const enforceSeccompProfile = podRule({
    id: "enforce-seccomp-profile",
    description: "Every Linux container must run with the RuntimeDefault or a Localhost seccomp profile.",
    rationale:
        "Seccomp filters the kernel's system calls; Unconfined exposes the whole kernel surface to a compromised process. Windows pods (spec.os.name: windows) are skipped, as Pod Security skips them: seccomp is Linux-only.",
    remediation: "Set securityContext.seccompProfile: { type: RuntimeDefault } on the pod (or each container).",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        if (isWindows(pod)) return [];
        return pod.containers
            .filter((c) => !ALLOWED.has(String((effective(pod, c, "seccompProfile") as { type?: string } | undefined)?.type)))
            .map((c) => `${describe(c)} has no RuntimeDefault or Localhost seccomp profile`);
    },
});
