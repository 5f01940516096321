import { describe, isWindows, podRule } from "./workloads";

/** The one capability the restricted profile lets a container add back. */
const ADDABLE = new Set(["NET_BIND_SERVICE"]);

export const enforceDropAllCapabilities = podRule({
    id: "enforce-drop-all-capabilities",
    description: "Linux containers must drop ALL capabilities and add back at most NET_BIND_SERVICE.",
    rationale:
        "The runtime's default capabilities (NET_RAW, CHOWN, SETUID…) serve attacks more than applications; the restricted profile allows only NET_BIND_SERVICE. " +
        "Windows pods (spec.os.name: windows) are skipped, as Pod Security skips them: Windows has no Linux capabilities.",
    remediation: "Set securityContext.capabilities: { drop: [ALL] } and add nothing but NET_BIND_SERVICE (names as Kubernetes compares them: upper case).",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        if (isWindows(pod)) return [];
        const messages: string[] = [];
        for (const c of pod.containers) {
            const caps = c.spec.securityContext?.capabilities ?? {};
            // Pod Security compares names exactly: "all" does not count as ALL.
            if (!(caps.drop ?? []).map(String).includes("ALL")) messages.push(`${describe(c)} does not drop ALL capabilities`);
            const added = ((caps.add ?? []) as unknown[]).map(String).filter((x) => !ADDABLE.has(x));
            if (added.length > 0) messages.push(`${describe(c)} adds capabilities ${added.join(", ")}`);
        }
        return messages;
    },
});
