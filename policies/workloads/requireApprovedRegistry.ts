import { helmImagesOf, HELM_RELEASE } from "../helm/values";
import { fromApprovedRegistry } from "../images";
import type { ResourceRule } from "../rule";
import { CONTAINER_TYPES, imagesOf } from "./containers";

export const requireApprovedRegistry: ResourceRule = {
    kind: "resource",
    id: "require-approved-registry",
    description: "Images must come from an approved registry (policy config approvedRegistries), including every image a Helm release's values name.",
    rationale: "Only the platform's registries scan, sign and retain images; anything else is code nobody reviewed.",
    remediation:
        "Push the image to an approved registry (mirror upstream images there), or add the registry to approvedRegistries in policies/config/<stack>.json after review.",
    severity: "high",
    topics: ["kubernetes", "swarm", "supply-chain"],
    resourceTypes: [...CONTAINER_TYPES, HELM_RELEASE],
    configSchema: {
        approvedRegistries: {
            type: "array",
            items: { type: "string" },
            description: "Registry hosts or repository prefixes images may come from (e.g. registry.sophia-ai.com).",
            default: ["registry.sophia-ai.com"],
        },
    },
    check(resource, context) {
        const approved = (context.config.approvedRegistries as string[] | undefined) ?? [];
        return [...imagesOf(resource), ...helmImagesOf(resource)]
            .filter((i) => !fromApprovedRegistry(i.image, approved))
            .map((i) => `${i.where} runs ${i.image}, which is not from an approved registry (${approved.join(", ") || "none configured"})`);
    },
};
