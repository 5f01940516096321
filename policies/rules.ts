// Every rule of the pack, once: the pack (index.ts), the offline runner and the docs read this list.
import { disallowIamWildcards } from "./aws/disallowIamWildcards";
import { enforceBucketOwnerEnforced } from "./aws/enforceBucketOwnerEnforced";
import { enforceKmsKeyRotation } from "./aws/enforceKmsKeyRotation";
import { requireBucketAccessLogging } from "./aws/requireBucketAccessLogging";
import { requireBucketLifecycle } from "./aws/requireBucketLifecycle";
import { requireBucketPublicAccessBlock } from "./aws/requireBucketPublicAccessBlock";
import { requireBucketReplication } from "./aws/requireBucketReplication";
import { requireBucketSseKms } from "./aws/requireBucketSseKms";
import { requireBucketTlsOnlyPolicy } from "./aws/requireBucketTlsOnlyPolicy";
import { requireBucketVersioning } from "./aws/requireBucketVersioning";
import { disableServiceAccountTokenAutomount } from "./kubernetes/disableServiceAccountTokenAutomount";
import { disallowHostNamespaces } from "./kubernetes/disallowHostNamespaces";
import { disallowHostPath } from "./kubernetes/disallowHostPath";
import { disallowHostPorts } from "./kubernetes/disallowHostPorts";
import { disallowHostProcess } from "./kubernetes/disallowHostProcess";
import { disallowPrivileged } from "./kubernetes/disallowPrivileged";
import { disallowPrivilegeEscalation } from "./kubernetes/disallowPrivilegeEscalation";
import { disallowProbeHosts } from "./kubernetes/disallowProbeHosts";
import { disallowProcMount } from "./kubernetes/disallowProcMount";
import { enforceDropAllCapabilities } from "./kubernetes/enforceDropAllCapabilities";
import { enforceReadOnlyRootFs } from "./kubernetes/enforceReadOnlyRootFs";
import { enforceRunAsNonRoot } from "./kubernetes/enforceRunAsNonRoot";
import { enforceSeccompProfile } from "./kubernetes/enforceSeccompProfile";
import { requireDefaultDenyNetworkPolicy } from "./kubernetes/requireDefaultDenyNetworkPolicy";
import { requireProbes } from "./kubernetes/requireProbes";
import { requireResources } from "./kubernetes/requireResources";
import { restrictAppArmorProfile } from "./kubernetes/restrictAppArmorProfile";
import { restrictSeLinuxOptions } from "./kubernetes/restrictSeLinuxOptions";
import { restrictServiceTypes } from "./kubernetes/restrictServiceTypes";
import { restrictSysctls } from "./kubernetes/restrictSysctls";
import { restrictVolumeTypes } from "./kubernetes/restrictVolumeTypes";
import { EDGE_RULES } from "./edge";
import { requireHelmImageOverrides } from "./helm/requireHelmImageOverrides";
import type { Rule } from "./rule";
import { disallowSecretOutputs } from "./stack/disallowSecretOutputs";
import { requireCriticalHighAvailability } from "./stack/requireCriticalHighAvailability";
import { requireMcpServerMonitoring } from "./stack/requireMcpServerMonitoring";
import { requireStatefulBackups } from "./stack/requireStatefulBackups";
import { disallowDockerSocketMount } from "./swarm/disallowDockerSocketMount";
import { disallowHostRootMount } from "./swarm/disallowHostRootMount";
import { enforceSwarmUpdateRollback } from "./swarm/enforceSwarmUpdateRollback";
import { requireSwarmHealthcheck } from "./swarm/requireSwarmHealthcheck";
import { requireSwarmResourceLimits } from "./swarm/requireSwarmResourceLimits";
import { disallowLatestImageTag } from "./workloads/disallowLatestImageTag";
import { disallowSecretEnvLiterals } from "./workloads/disallowSecretEnvLiterals";
import { requireApprovedRegistry } from "./workloads/requireApprovedRegistry";
import { requireImageDigests } from "./workloads/requireImageDigests";

export const RULE_GROUPS: readonly { title: string; rules: readonly Rule[] }[] = [
    {
        title: "Kubernetes: Pod Security restricted profile",
        rules: [
            disallowPrivileged,
            disallowPrivilegeEscalation,
            enforceRunAsNonRoot,
            enforceDropAllCapabilities,
            enforceSeccompProfile,
            disallowHostNamespaces,
            disallowHostPath,
            disallowHostPorts,
            disallowHostProcess,
            disallowProbeHosts,
            disallowProcMount,
            restrictSysctls,
            restrictSeLinuxOptions,
            restrictAppArmorProfile,
            restrictVolumeTypes,
        ],
    },
    {
        title: "Kubernetes: workload hygiene",
        rules: [
            enforceReadOnlyRootFs,
            requireResources,
            requireProbes,
            disableServiceAccountTokenAutomount,
            restrictServiceTypes,
            requireDefaultDenyNetworkPolicy,
        ],
    },
    {
        title: "Images and environment (Kubernetes and Swarm)",
        rules: [disallowLatestImageTag, requireApprovedRegistry, requireImageDigests, disallowSecretEnvLiterals],
    },
    { title: "Helm releases", rules: [requireHelmImageOverrides] },
    {
        title: "Docker Swarm services",
        rules: [requireSwarmResourceLimits, requireSwarmHealthcheck, enforceSwarmUpdateRollback, disallowDockerSocketMount, disallowHostRootMount],
    },
    {
        title: "AWS: backup storage",
        rules: [
            requireBucketPublicAccessBlock,
            enforceBucketOwnerEnforced,
            requireBucketSseKms,
            requireBucketVersioning,
            requireBucketTlsOnlyPolicy,
            requireBucketLifecycle,
            requireBucketAccessLogging,
            requireBucketReplication,
            disallowIamWildcards,
            enforceKmsKeyRotation,
        ],
    },
    { title: "Edge: routes", rules: EDGE_RULES },
    { title: "Stack", rules: [requireCriticalHighAvailability, requireMcpServerMonitoring, requireStatefulBackups, disallowSecretOutputs] },
];

export const RULES: readonly Rule[] = RULE_GROUPS.flatMap((g) => g.rules);
