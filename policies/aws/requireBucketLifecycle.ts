import { awsProps } from "../shapes";
import { asList, AWS, bucketRule, companionsOf } from "./buckets";

export const requireBucketLifecycle = bucketRule(
    {
        id: "require-bucket-lifecycle",
        description: "S3 buckets must have at least one enabled lifecycle rule.",
        rationale: "Retention is a decision: without lifecycle rules, old versions and incomplete uploads pile up forever and retention promises go unkept.",
        remediation: "Add an aws.s3.BucketLifecycleConfiguration with enabled rules (expiration, noncurrent version expiration, abort incomplete uploads).",
        severity: "medium",
        topics: ["aws", "s3", "backups", "cost"],
    },
    (bucket, resources) =>
        companionsOf(resources, AWS.lifecycle, bucket).some((l) => asList(awsProps(l).rules).some((r) => r?.status === "Enabled"))
            ? undefined
            : "the bucket has no enabled lifecycle rule",
);
