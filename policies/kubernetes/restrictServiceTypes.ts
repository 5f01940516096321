import type { ResourceRule } from "../rule";
import { kubernetesProps } from "../shapes";

export const restrictServiceTypes: ResourceRule = {
    kind: "resource",
    id: "restrict-service-types",
    description: "Services must be ClusterIP unless policy config allows NodePort or LoadBalancer.",
    rationale: "NodePort and LoadBalancer Services expose a workload outside the cluster, around the edge's TLS, authentication and rate limits.",
    remediation:
        "Use a ClusterIP Service behind the edge (Ingress); if a stack truly needs another type, add it to allowedServiceTypes in policies/config/<stack>.json.",
    severity: "high",
    topics: ["kubernetes", "network"],
    resourceTypes: ["kubernetes:core/v1:Service"],
    configSchema: {
        allowedServiceTypes: { type: "array", items: { type: "string" }, description: "Service types allowed besides ClusterIP.", default: [] },
    },
    check(resource, context) {
        const type = String(kubernetesProps(resource).spec?.type ?? "ClusterIP");
        const allowed = new Set(["ClusterIP", ...((context.config.allowedServiceTypes as string[] | undefined) ?? [])]);
        return allowed.has(type) ? [] : [`Service type ${type} is not allowed (allowed: ${[...allowed].join(", ")})`];
    },
};
