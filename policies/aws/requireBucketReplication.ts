import { awsProps } from "../shapes";
import { asList, AWS, bucketRule, companionsOf, isLogTarget, isReplicaDestination } from "./buckets";

export const requireBucketReplication = bucketRule(
    {
        id: "require-bucket-replication",
        description: "S3 buckets must replicate to another region (enabled in prod through policy config).",
        rationale: "A regional outage or a compromised account must not take the only copy of the backups with it.",
        remediation: "Add an aws.s3.BucketReplicationConfig with an enabled rule to a versioned bucket in another region.",
        severity: "high",
        topics: ["aws", "s3", "backups", "disaster-recovery"],
    },
    (bucket, resources) => {
        if (isReplicaDestination(resources, bucket) || isLogTarget(resources, bucket)) return undefined;
        const enabled = companionsOf(resources, AWS.replication, bucket).some((r) => asList(awsProps(r).rules).some((rule) => rule?.status === "Enabled"));
        return enabled ? undefined : "the bucket has no enabled cross-region replication (BucketReplicationConfig)";
    },
);
