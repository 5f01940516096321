import { describe, isWindows, podRule } from "./workloads";

export const disallowPrivilegeEscalation = podRule({
    id: "disallow-privilege-escalation",
    description: "Linux containers must set allowPrivilegeEscalation to false.",
    rationale:
        "Without it a process can gain more privileges than its parent (setuid binaries, file capabilities); the restricted profile requires it explicitly false. Windows pods (spec.os.name: windows) are skipped, as Pod Security skips them.",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        if (isWindows(pod)) return [];
        return pod.containers
            .filter((c) => c.spec.securityContext?.allowPrivilegeEscalation !== false)
            .map((c) => `${describe(c)} does not set allowPrivilegeEscalation: false`);
    },
});
