import { podOf } from "../kubernetes/workloads";
import type { PolicyResource, StackRule } from "../rule";
import { serviceLabels, SWARM_SERVICE } from "../swarm/services";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TIER_LABEL = "sophia.ai/tier";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const REPLICATED = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

const selects = (selector: Obj | undefined, labels: Obj): boolean => {
    const match: Obj = selector?.matchLabels ?? {};
    return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
};

function kubernetesProblems(w: PolicyResource, resources: readonly PolicyResource[]): string[] {
    const pod = podOf(w)!;
    const name = w.props?.metadata?.name;
    const namespace = w.props?.metadata?.namespace;
    const sameNamespace = (r: PolicyResource) => r.props?.metadata?.namespace === namespace;
    const hpa = resources.find((r) => r.type === HPA && sameNamespace(r) && r.props?.spec?.scaleTargetRef?.name === name);
    const replicas = Number(w.props?.spec?.replicas ?? hpa?.props?.spec?.minReplicas ?? 1);
    const problems: string[] = [];
    if (replicas < 2) problems.push(`runs ${replicas} replica(s)`);
    if (!resources.some((r) => r.type === PDB && sameNamespace(r) && selects(r.props?.spec?.selector, pod.metadata.labels ?? {})))
        problems.push("has no PodDisruptionBudget");
    const spread = (pod.spec.topologySpreadConstraints ?? []).length > 0 || Boolean(pod.spec.affinity?.podAntiAffinity);
    if (!spread) problems.push("has no topology spread constraints or pod anti-affinity");
    return problems;
}

function swarmProblems(s: PolicyResource): string[] {
    const problems: string[] = [];
    const replicas = Number(s.props?.mode?.replicated?.replicas ?? (s.props?.mode?.global ? 2 : 1));
    if (replicas < 2) problems.push(`runs ${replicas} replica(s)`);
    const placement = s.props?.taskSpec?.placement ?? {};
    const spread = (placement.prefs ?? []).length > 0 || Number(placement.maxReplicas) === 1 || Boolean(s.props?.mode?.global);
    if (!spread) problems.push("has no placement spread (preferences or maxReplicas 1)");
    return problems;
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
        const violations: { urn: string; message: string }[] = [];
        for (const r of resources) {
            if (REPLICATED.includes(r.type)) {
                const pod = podOf(r);
                if (pod?.metadata.labels?.[TIER_LABEL] !== "critical" && r.props?.metadata?.labels?.[TIER_LABEL] !== "critical") continue;
                const problems = kubernetesProblems(r, resources);
                if (problems.length > 0)
                    violations.push({ urn: r.urn, message: `critical workload ${r.props?.metadata?.name ?? r.name} ${problems.join(", ")}` });
            } else if (r.type === SWARM_SERVICE && serviceLabels(r.props)[TIER_LABEL] === "critical") {
                const problems = swarmProblems(r);
                if (problems.length > 0) violations.push({ urn: r.urn, message: `critical service ${r.props?.name ?? r.name} ${problems.join(", ")}` });
            }
        }
        return violations;
    },
};
