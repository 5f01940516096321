import { parseImage } from "../images";
import type { ResourceRule } from "../rule";
import { CONTAINER_TYPES, imagesOf } from "./containers";

export const requireImageDigests: ResourceRule = {
    kind: "resource",
    id: "require-image-digests",
    description: "Images should be pulled by digest (name:tag@sha256:…), not by tag alone. Advisory until a stack sets it mandatory.",
    rationale:
        "A tag can be moved or overwritten in the registry; a digest names exact bytes, so every node and every rollback runs what the release pipeline tested. " +
        "Digests come from the pipeline (catalog digest: fields and catalog/images.lock.yaml), so stacks make this mandatory once their images are locked.",
    remediation:
        "Let the release pipeline record the image's digest in catalog/images.lock.yaml (or the server's digest: in catalog/mcp-servers.yaml); never type one by hand. " +
        'Set "require-image-digests": "mandatory" in policies/config/<stack>.json once every image of the stack is locked.',
    severity: "medium",
    topics: ["kubernetes", "swarm", "supply-chain"],
    resourceTypes: CONTAINER_TYPES,
    check(resource) {
        return imagesOf(resource)
            .filter((i) => !/^sha256:[0-9a-f]{64}$/.test(parseImage(i.image).digest ?? ""))
            .map((i) => `${i.where} runs ${i.image || "(no image)"} by tag only, not by a sha256 digest`);
    },
};
