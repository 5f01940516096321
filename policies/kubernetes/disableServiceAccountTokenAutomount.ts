import { podRule } from "./workloads";

export const disableServiceAccountTokenAutomount = podRule({
    id: "disable-service-account-token-automount",
    description: "Pods must not mount a Kubernetes API token: automountServiceAccountToken false.",
    rationale: "The MCP servers never call the Kubernetes API; a mounted token only helps whoever compromises the pod.",
    remediation: "Set spec.automountServiceAccountToken: false in the pod template.",
    severity: "medium",
    topics: ["kubernetes", "identity"],
    check(pod) {
        return pod.spec.automountServiceAccountToken === false ? [] : ["the pod does not set automountServiceAccountToken: false"];
    },
});
