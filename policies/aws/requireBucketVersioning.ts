import { awsProps } from "../shapes";
import { AWS, bucketRule, companionsOf } from "./buckets";

export const requireBucketVersioning = bucketRule(
    {
        id: "require-bucket-versioning",
        description: "S3 buckets must have versioning enabled.",
        rationale: "Versioning turns an overwrite or a delete (a bug, ransomware, a wrong retention job) into a recoverable event; replication needs it too.",
        remediation: "Add an aws.s3.BucketVersioning with versioningConfiguration.status Enabled.",
        severity: "high",
        topics: ["aws", "s3", "backups"],
    },
    (bucket, resources) =>
        companionsOf(resources, AWS.versioning, bucket).some((v) => awsProps(v).versioningConfiguration?.status === "Enabled")
            ? undefined
            : "the bucket has no BucketVersioning with status Enabled",
);
