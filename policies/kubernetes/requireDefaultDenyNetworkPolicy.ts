import type { StackRule } from "../rule";
import { WORKLOAD_TYPES } from "./workloads";

export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Selects every pod, covers both directions, and allows nothing. */
export function isDefaultDeny(props: Obj): boolean {
    const spec = props?.spec ?? {};
    const selectsAll =
        spec.podSelector !== undefined &&
        Object.keys(spec.podSelector.matchLabels ?? {}).length === 0 &&
        (spec.podSelector.matchExpressions ?? []).length === 0;
    const types: string[] = spec.policyTypes ?? [];
    return selectsAll && types.includes("Ingress") && types.includes("Egress") && (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
}

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
        const denied = new Set(
            resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(r.props)).map((r) => String(r.props?.metadata?.namespace ?? "default")),
        );
        const firstWorkload = new Map<string, string>();
        for (const r of resources) {
            if (!(WORKLOAD_TYPES as readonly string[]).includes(r.type)) continue;
            const ns = String(r.props?.metadata?.namespace ?? "default");
            if (!firstWorkload.has(ns)) firstWorkload.set(ns, r.urn);
        }
        return [...firstWorkload]
            .filter(([ns]) => !denied.has(ns))
            .map(([ns, urn]) => ({ urn, message: `namespace ${ns} runs workloads but has no default-deny NetworkPolicy` }));
    },
};
