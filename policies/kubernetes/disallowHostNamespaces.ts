import { exemptionFor } from "../exemptions";
import { podRule } from "./workloads";

const NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

const RULE_ID = "disallow-host-namespaces";

export const disallowHostNamespaces = podRule({
    id: RULE_ID,
    description: "Pods must not share the host's network, PID or IPC namespace.",
    rationale: "Host namespaces let a pod see and signal the node's processes, sniff its traffic and bind its ports.",
    remediation: "Remove hostNetwork, hostPID and hostIPC (or set them to false).",
    severity: "critical",
    topics: ["kubernetes", "pod-security"],
    check(pod, resource) {
        return NAMESPACES.filter((ns) => pod.spec[ns] === true && !exemptionFor(RULE_ID, resource, ns)).map((ns) => `the pod sets ${ns}: true`);
    },
});
