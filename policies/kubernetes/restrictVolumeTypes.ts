import { podRule } from "./workloads";

/** Volume sources the restricted profile allows; hostPath is judged by disallow-host-path and its exemptions. */
const ALLOWED = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "hostPath"]);

export const restrictVolumeTypes = podRule({
    id: "restrict-volume-types",
    description: "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.",
    rationale: "Other volume sources (nfs, iscsi, rbd…) mount storage directly from the node, outside the cluster's storage classes and access control.",
    remediation: "Use a PersistentVolumeClaim backed by a storage class instead of an inline volume source.",
    severity: "medium",
    topics: ["kubernetes", "pod-security", "storage"],
    check(pod) {
        return (pod.spec.volumes ?? []).flatMap((v) =>
            Object.keys(v ?? {})
                .filter((k) => k !== "name" && !ALLOWED.has(k))
                .map((k) => `volume "${String(v.name)}" uses the ${k} source`),
        );
    },
});
