import { describe, isWindows, podRule } from "./workloads";

export const enforceReadOnlyRootFs = podRule({
    id: "enforce-read-only-root-fs",
    description: "Containers must run with a read-only root filesystem.",
    rationale:
        "An attacker who cannot write to the image cannot drop tools or alter binaries; writable scratch space is an explicit emptyDir. Windows pods (spec.os.name: windows) are skipped: the API rejects readOnlyRootFilesystem on them.",
    remediation: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process writes (e.g. /tmp).",
    severity: "medium",
    topics: ["kubernetes", "container"],
    check(pod) {
        if (isWindows(pod)) return [];
        return pod.containers
            .filter((c) => c.kind !== "ephemeralContainer" && c.spec.securityContext?.readOnlyRootFilesystem !== true)
            .map((c) => `${describe(c)} does not set readOnlyRootFilesystem: true`);
    },
});
