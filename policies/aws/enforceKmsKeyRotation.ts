import type { ResourceRule } from "../rule";
import { AWS } from "./buckets";

export const enforceKmsKeyRotation: ResourceRule = {
    kind: "resource",
    id: "enforce-kms-key-rotation",
    description: "KMS keys must have automatic rotation on.",
    rationale: "Rotation bounds how much data one key version protects and is required by most compliance frameworks.",
    remediation: "Set enableKeyRotation: true on the aws.kms.Key.",
    severity: "medium",
    topics: ["aws", "kms", "encryption"],
    resourceTypes: [AWS.kmsKey],
    check(resource) {
        const p = resource.props ?? {};
        // Rotation exists only for symmetric encryption keys.
        if (p.customerMasterKeySpec && p.customerMasterKeySpec !== "SYMMETRIC_DEFAULT") return [];
        return p.enableKeyRotation === true ? [] : ["the key does not set enableKeyRotation: true"];
    },
};
