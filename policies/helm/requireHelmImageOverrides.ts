import type { ResourceRule } from "../rule";
import { record } from "../shapes";
import { CHART_IMAGE_KEYS } from "./chartImages";
import { chartOf, HELM_RELEASE, valueAt } from "./values";

/** True when the values object at a key names where its image comes from (a registry, or a repository with its host). */
function overridden(values: unknown, key: string): boolean {
    const node = record(valueAt(values, key));
    return [node.registry, node.repository].some((v) => typeof v === "string" && v !== "");
}

export const requireHelmImageOverrides: ResourceRule = {
    kind: "resource",
    id: "require-helm-image-overrides",
    description: "Helm releases must override every image of their chart, so none falls back to the chart's upstream registry.",
    rationale:
        "A Helm release is one opaque resource: images the values leave at the chart's defaults are pulled from quay.io, docker.io or registry.k8s.io, bypassing the approved registry without any manifest showing it. require-approved-registry then judges where each override points.",
    remediation:
        "Set registry (or the full repository) for each image key of the chart to the stack registry's mirror, <registry>/mirror/<upstream host>; for a new chart, list its image keys in policies/helm/chartImages.ts.",
    severity: "high",
    topics: ["kubernetes", "supply-chain", "helm"],
    resourceTypes: [HELM_RELEASE],
    check(resource) {
        const chart = chartOf(resource);
        const keys = CHART_IMAGE_KEYS[chart];
        if (!keys)
            return [`chart ${chart || "(unnamed)"} has no list of image keys, so its images cannot be checked; add them to policies/helm/chartImages.ts`];
        return keys.filter((key) => !overridden(resource.props.values, key)).map((key) => `values.${key} leaves the image at the chart's default registry`);
    },
};
