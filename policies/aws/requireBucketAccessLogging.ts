import { AWS, bucketRule, companionsOf, isLogTarget } from "./buckets";

export const requireBucketAccessLogging = bucketRule(
    {
        id: "require-bucket-access-logging",
        description: "S3 buckets must deliver server access logs to a log bucket (the log bucket itself excepted).",
        rationale: "Access logs are the record of who read or deleted which backup; incident response needs them.",
        remediation: "Add an aws.s3.BucketLogging for the bucket with targetBucket set to the stack's log bucket.",
        severity: "medium",
        topics: ["aws", "s3", "audit", "backups"],
    },
    (bucket, resources) => {
        if (isLogTarget(resources, bucket)) return undefined;
        return companionsOf(resources, AWS.logging, bucket).some((l) => Boolean(l.props?.targetBucket)) ? undefined : "the bucket has no BucketLogging";
    },
);
