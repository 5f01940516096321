import type { PolicyResource, ResourceRule } from "../rule";
import { kubernetesProps, type Container, type ObjectMeta, type PodSpec, type PodTemplate } from "../shapes";

/**
 * Kubernetes resources that run pods, by type token. A ReplicaSet or ReplicationController made
 * directly (not by a Deployment) runs its template's pods as a Deployment does: a rule that left
 * them out would let a privileged pod through.
 */
export const WORKLOAD_TYPES = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:core/v1:ReplicationController",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
] as const;

/** Workloads that run until stopped (probes make sense for them; Jobs run to completion). */
export const LONG_RUNNING_TYPES = WORKLOAD_TYPES.filter((t) => !t.startsWith("kubernetes:batch/"));

export interface ContainerRef {
    /** "container", "initContainer" or "ephemeralContainer". */
    readonly kind: string;
    readonly name: string;
    readonly spec: Container;
}

export interface PodView {
    readonly spec: PodSpec;
    /** Metadata of the pod template (labels, annotations). */
    readonly metadata: ObjectMeta;
    readonly containers: ContainerRef[];
}

/** Where each workload kind keeps its pod template. */
function templateOf(resource: Pick<PolicyResource, "type" | "props">): PodTemplate | undefined {
    const props = kubernetesProps(resource);
    if (resource.type === "kubernetes:core/v1:Pod") return { metadata: props.metadata, spec: props.spec };
    if (resource.type === "kubernetes:batch/v1:CronJob") return props.spec?.jobTemplate?.spec?.template;
    if ((WORKLOAD_TYPES as readonly string[]).includes(resource.type)) return props.spec?.template;
    return undefined;
}

/** The pod a workload runs, wherever its kind keeps the template; undefined for other resources. */
export function podOf(resource: Pick<PolicyResource, "type" | "props">): PodView | undefined {
    const template = templateOf(resource);
    if (!template) return undefined;
    const spec: PodSpec = template.spec ?? {};
    const list = (kind: string, items: unknown): ContainerRef[] =>
        (Array.isArray(items) ? (items as (Container | undefined)[]) : []).map((c, i) => ({ kind, name: String(c?.name ?? `#${i}`), spec: c ?? {} }));
    return {
        spec,
        metadata: template.metadata ?? {},
        containers: [
            ...list("container", spec.containers),
            ...list("initContainer", spec.initContainers),
            ...list("ephemeralContainer", spec.ephemeralContainers),
        ],
    };
}

/** A container's setting, falling back to the pod's securityContext (the container's wins, as in Kubernetes). */
export function effective(pod: PodView, container: ContainerRef, key: string): unknown {
    const own = container.spec.securityContext?.[key];
    return own !== undefined ? own : pod.spec.securityContext?.[key];
}

export const describe = (c: ContainerRef): string => `${c.kind} "${c.name}"`;

/**
 * A pod that declares spec.os.name: windows. Pod Security (restricted, v1.25+) skips the Linux-only
 * controls for it: allowPrivilegeEscalation, seccomp and capabilities; the API rejects those fields
 * on such a pod anyway.
 */
export const isWindows = (pod: PodView): boolean => (pod.spec.os as { name?: unknown } | undefined)?.name === "windows";

/** A rule's metadata; `podRule` adds what every pod rule shares. */
type PodRuleMetadata = Omit<ResourceRule, "kind" | "resourceTypes" | "check"> & { readonly resourceTypes?: ResourceRule["resourceTypes"] };

/**
 * A rule over the pod a workload runs (any workload kind by default): `check` sees the pod and the
 * resource, and resources that run no pod pass.
 */
export function podRule(metadata: PodRuleMetadata & { check(this: void, pod: PodView, resource: PolicyResource): string[] }): ResourceRule {
    const { check, resourceTypes, ...rest } = metadata;
    return {
        kind: "resource",
        resourceTypes: resourceTypes ?? WORKLOAD_TYPES,
        ...rest,
        check(resource) {
            const pod = podOf(resource);
            return pod ? check(pod, resource) : [];
        },
    };
}
