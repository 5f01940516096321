import { exemptionFor } from "../exemptions";
import { podRule } from "./workloads";

const RULE_ID = "disallow-host-path";

export const disallowHostPath = podRule({
    id: RULE_ID,
    description: "Pods must not mount hostPath volumes, except the exemptions listed for a component.",
    rationale: "A hostPath volume reaches the node's filesystem: the Docker socket, kubelet credentials or /etc are one mount away from owning the node.",
    remediation:
        "Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim; if the component truly needs the host, add a reviewed entry to policies/exemptions.ts.",
    severity: "critical",
    topics: ["kubernetes", "pod-security", "storage"],
    check(pod, resource) {
        return (pod.spec.volumes ?? []).flatMap((v) => {
            const hostPath = v?.hostPath;
            if (!hostPath || exemptionFor(RULE_ID, resource, String(hostPath.path))) return [];
            return [`volume "${String(v.name)}" mounts host path ${String(hostPath.path)}`];
        });
    },
});
