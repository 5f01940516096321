import { podOf } from "../kubernetes/workloads";
import type { PolicyResource, StackRule } from "../rule";
import { kubernetesProps, swarmProps, type KubernetesProps, type LabelSelector, type StringMap, type SwarmServiceProps } from "../shapes";
import { serviceLabels, SWARM_SERVICE } from "../swarm/services";

const TIER_LABEL = "sophia.ai/tier";
/** Both served versions: autoscaling/v1 (CPU only) keeps minReplicas and scaleTargetRef where v2 does. */
const HPAS = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"];
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const REPLICATED = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

/** One requirement of a selector's matchExpressions, as the API matches it. */
function meets(requirement: unknown, labels: StringMap): boolean {
    const { key, operator, values } = (requirement ?? {}) as { key?: string; operator?: string; values?: unknown[] };
    const has = key !== undefined && Object.hasOwn(labels, key);
    const listed = has && (values ?? []).includes(labels[key]);
    if (operator === "In") return listed;
    if (operator === "NotIn") return !listed;
    if (operator === "Exists") return has;
    if (operator === "DoesNotExist") return !has;
    return false;
}

/**
 * Whether a PodDisruptionBudget's selector takes pods with `labels`: every matchLabels entry and
 * every matchExpressions requirement. In policy/v1 an empty selector takes every pod of the
 * namespace; no selector takes none.
 */
const selects = (selector: LabelSelector | undefined, labels: StringMap): boolean =>
    selector !== undefined &&
    selector !== null &&
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((r) => meets(r, labels));

/** Replicas of a Deployment or StatefulSet: its own count, else the minimum of the HorizontalPodAutoscaler scaling it. */
function kubernetesReplicas(w: PolicyResource, resources: readonly PolicyResource[], sameNamespace: (r: PolicyResource) => boolean): number {
    const props = kubernetesProps(w);
    const name = props.metadata?.name;
    const kind = w.type.split(":").pop();
    const scales = (r: PolicyResource) => {
        const target = kubernetesProps(r).spec?.scaleTargetRef;
        return target?.name === name && target?.kind === kind;
    };
    const hpa = resources.find((r) => HPAS.includes(r.type) && sameNamespace(r) && scales(r));
    return Number(props.spec?.replicas ?? (hpa && kubernetesProps(hpa).spec?.minReplicas) ?? 1);
}

type Budget = Pick<NonNullable<KubernetesProps["spec"]>, "minAvailable" | "maxUnavailable"> | undefined;

/** A PDB's figure over `replicas` pods, as the disruption controller reads it: a percentage rounds up. */
function podsOf(value: unknown, replicas: number): number | undefined {
    if (typeof value === "number") return value;
    const percent = typeof value === "string" ? /^(\d+)%$/.exec(value)?.[1] : undefined;
    return percent === undefined ? undefined : Math.ceil((replicas * Number(percent)) / 100);
}

/** Whether a PDB keeps at least one of `replicas` pods running through a voluntary disruption (a drain). */
function keepsAPod(spec: Budget, replicas: number): boolean {
    const minAvailable = podsOf(spec?.minAvailable, replicas);
    const maxUnavailable = podsOf(spec?.maxUnavailable, replicas);
    if (minAvailable !== undefined) return minAvailable >= 1;
    if (maxUnavailable !== undefined) return replicas - maxUnavailable >= 1;
    return true;
}

const budgetText = (b: PolicyResource): string => {
    const spec: Budget = kubernetesProps(b).spec;
    const [key, value] = spec?.minAvailable !== undefined ? ["minAvailable", spec.minAvailable] : ["maxUnavailable", spec?.maxUnavailable];
    return `${kubernetesProps(b).metadata?.name ?? b.name}: ${key} ${String(value)}`;
};

function kubernetesProblems(w: PolicyResource, resources: readonly PolicyResource[]): string[] {
    const pod = podOf(w)!;
    const namespace = kubernetesProps(w).metadata?.namespace;
    const sameNamespace = (r: PolicyResource) => kubernetesProps(r).metadata?.namespace === namespace;
    const replicas = kubernetesReplicas(w, resources, sameNamespace);
    const problems: string[] = [];
    if (replicas < 2) problems.push(`runs ${replicas} replica(s)`);
    const budgets = resources.filter((r) => r.type === PDB && sameNamespace(r) && selects(kubernetesProps(r).spec?.selector, pod.metadata.labels ?? {}));
    if (budgets.length === 0) problems.push("has no PodDisruptionBudget");
    // With one replica the count is the fault to fix: no budget can both keep its pod and let a drain finish.
    else if (replicas >= 2 && !budgets.some((b) => keepsAPod(kubernetesProps(b).spec, replicas)))
        problems.push(`has only PodDisruptionBudgets that let a drain take all its ${replicas} pods (${budgets.map(budgetText).join("; ")})`);
    const spread = (pod.spec.topologySpreadConstraints ?? []).length > 0 || Boolean(pod.spec.affinity?.podAntiAffinity);
    if (!spread) problems.push("has no topology spread constraints or pod anti-affinity");
    return problems;
}

function swarmProblems(s: PolicyResource): string[] {
    const props = swarmProps(s);
    const global = Boolean(props.mode?.global);
    const problems: string[] = [];
    const replicas = Number(props.mode?.replicated?.replicas ?? (global ? 2 : 1));
    if (replicas < 2) problems.push(`runs ${replicas} replica(s)`);
    if (!global && !placementSpreads(props.taskSpec?.placement)) problems.push("has no placement spread (preferences or maxReplicas 1)");
    return problems;
}

const placementSpreads = (placement: NonNullable<SwarmServiceProps["taskSpec"]>["placement"]): boolean =>
    (placement?.prefs ?? []).length > 0 || Number(placement?.maxReplicas) === 1;

const isCriticalKubernetes = (r: PolicyResource): boolean =>
    REPLICATED.includes(r.type) && (podOf(r)?.metadata.labels?.[TIER_LABEL] === "critical" || kubernetesProps(r).metadata?.labels?.[TIER_LABEL] === "critical");

const isCriticalSwarm = (r: PolicyResource): boolean => r.type === SWARM_SERVICE && serviceLabels(r.props)[TIER_LABEL] === "critical";

/** The violation of one resource, if it is a critical workload short of high availability. */
function violationOf(r: PolicyResource, resources: readonly PolicyResource[]): { urn: string; message: string }[] {
    if (isCriticalKubernetes(r)) {
        const problems = kubernetesProblems(r, resources);
        return problems.length > 0 ? [{ urn: r.urn, message: `critical workload ${kubernetesProps(r).metadata?.name ?? r.name} ${problems.join(", ")}` }] : [];
    }
    if (isCriticalSwarm(r)) {
        const problems = swarmProblems(r);
        return problems.length > 0 ? [{ urn: r.urn, message: `critical service ${swarmProps(r).name ?? r.name} ${problems.join(", ")}` }] : [];
    }
    return [];
}

export const requireCriticalHighAvailability: StackRule = {
    kind: "stack",
    id: "require-critical-high-availability",
    description: "Critical-tier workloads must run at least 2 replicas, with a PodDisruptionBudget and spread across nodes (prod).",
    rationale: "A critical server must survive a node drain or failure; two replicas on one node, or evicted together, are one.",
    remediation:
        "Give the critical tier replicas ≥ 2 in the stack file (sophia:tiers.critical.replicas) and keep sophia:highAvailability on, which adds the PDB and spread constraints.",
    severity: "high",
    topics: ["kubernetes", "swarm", "reliability"],
    check(resources) {
        return resources.flatMap((r) => violationOf(r, resources));
    },
};
