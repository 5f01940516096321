import { isPinned } from "../images";
import type { ResourceRule } from "../rule";
import { CONTAINER_TYPES, imagesOf } from "./containers";

export const disallowLatestImageTag: ResourceRule = {
    kind: "resource",
    id: "disallow-latest-image-tag",
    description: "Images must be pinned: a version tag or a digest, never latest or untagged.",
    rationale: "A moving tag makes a deployment unreproducible: rollbacks, replicas and nodes can each run different code.",
    remediation: "Reference the image as <registry>/<name>:<version> (the catalog's version) or by @sha256 digest.",
    severity: "high",
    topics: ["kubernetes", "swarm", "supply-chain"],
    resourceTypes: CONTAINER_TYPES,
    check(resource) {
        return imagesOf(resource)
            .filter((i) => !isPinned(i.image))
            .map((i) => `${i.where} runs ${i.image || "(no image)"}, which is not pinned to a version tag or digest`);
    },
};
