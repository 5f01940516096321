import type { PolicyResource, StackRule } from "../rule";
import { kubernetesProps, type KubernetesProps, type LabelSelector } from "../shapes";
import { WORKLOAD_TYPES } from "./workloads";

export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Selects every pod, covers both directions, and allows nothing. */
export function isDefaultDeny(props: KubernetesProps | undefined): boolean {
    const spec = props?.spec ?? {};
    // Stryker disable next-line ArrayDeclaration: a fallback without "Ingress" or "Egress" lists no direction, whatever it holds
    const types = spec.policyTypes ?? [];
    const allowsNothing = (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
    return selectsAllPods(spec.podSelector) && types.includes("Ingress") && types.includes("Egress") && allowsNothing;
}

/** An empty podSelector ({}): present, with no labels or expressions to match. */
const selectsAllPods = (selector: LabelSelector | undefined): boolean =>
    selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

const namespaceOf = (r: PolicyResource): string => String(kubernetesProps(r).metadata?.namespace ?? "default");

export const requireDefaultDenyNetworkPolicy: StackRule = {
    kind: "stack",
    id: "require-default-deny-network-policy",
    description: "Every namespace that runs workloads must have a default-deny NetworkPolicy for ingress and egress.",
    rationale:
        "Kubernetes allows all traffic until a policy selects a pod; default-deny makes each allowance explicit, so one compromised server cannot reach the rest.",
    remediation:
        "Add a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] and no rules in the namespace; allow traffic with per-workload policies.",
    severity: "high",
    topics: ["kubernetes", "network"],
    check(resources) {
        const denied = new Set(resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(kubernetesProps(r))).map(namespaceOf));
        const firstWorkload = new Map<string, string>();
        for (const r of resources) {
            if (!(WORKLOAD_TYPES as readonly string[]).includes(r.type)) continue;
            const ns = namespaceOf(r);
            if (!firstWorkload.has(ns)) firstWorkload.set(ns, r.urn);
        }
        return [...firstWorkload]
            .filter(([ns]) => !denied.has(ns))
            .map(([ns, urn]) => ({ urn, message: `namespace ${ns} runs workloads but has no default-deny NetworkPolicy` }));
    },
};
