import { describe, podRule } from "./workloads";

/** The one capability the restricted profile lets a container add back. */
const ADDABLE = new Set(["NET_BIND_SERVICE"]);

export const enforceDropAllCapabilities = podRule({
    id: "enforce-drop-all-capabilities",
    description: "Containers must drop ALL capabilities and add back at most NET_BIND_SERVICE.",
    rationale:
        "The runtime's default capabilities (NET_RAW, CHOWN, SETUID…) serve attacks more than applications; the restricted profile allows only NET_BIND_SERVICE.",
    remediation: "Set securityContext.capabilities: { drop: [ALL] } and add nothing but NET_BIND_SERVICE.",
    severity: "high",
    topics: ["kubernetes", "pod-security", "container"],
    check(pod) {
        const messages: string[] = [];
        for (const c of pod.containers) {
            const caps = c.spec.securityContext?.capabilities ?? {};
            if (!(caps.drop ?? []).map((x: unknown) => String(x).toUpperCase()).includes("ALL")) messages.push(`${describe(c)} does not drop ALL capabilities`);
            const added = ((caps.add ?? []) as unknown[]).map(String).filter((x) => !ADDABLE.has(x.toUpperCase()));
            if (added.length > 0) messages.push(`${describe(c)} adds capabilities ${added.join(", ")}`);
        }
        return messages;
    },
});
