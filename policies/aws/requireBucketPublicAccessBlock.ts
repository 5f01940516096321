import { AWS, bucketRule, companionsOf } from "./buckets";

const SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const requireBucketPublicAccessBlock = bucketRule(
    {
        id: "require-bucket-public-access-block",
        description: "Every S3 bucket must have a public access block with all four settings on.",
        rationale: "Backups hold every customer's data; the access block is the guard that stops one wrong ACL or policy from publishing them.",
        remediation:
            "Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.",
        severity: "critical",
        topics: ["aws", "s3", "backups"],
    },
    (bucket, resources) => {
        const blocks = companionsOf(resources, AWS.publicAccessBlock, bucket);
        if (blocks.length === 0) return "the bucket has no BucketPublicAccessBlock";
        // AWS keeps one block per bucket, the last applied: a second, partial block can replace a full one.
        const off = SETTINGS.filter((s) => !blocks.every((b) => b.props?.[s] === true));
        return off.length > 0 ? `the bucket's public access block leaves ${off.join(", ")} off` : undefined;
    },
);
