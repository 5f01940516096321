import { awsProps } from "../shapes";
import { AWS, bucketRule, companionsOf } from "./buckets";

export const enforceBucketOwnerEnforced = bucketRule(
    {
        id: "enforce-bucket-owner-enforced",
        description: "S3 buckets must disable ACLs: ownership controls BucketOwnerEnforced and no canned ACL.",
        rationale: "With ACLs disabled, access is decided by policies alone and every object belongs to the bucket owner; ACLs are how buckets leak.",
        remediation: "Add an aws.s3.BucketOwnershipControls with rule.objectOwnership BucketOwnerEnforced and remove the bucket's acl.",
        severity: "high",
        topics: ["aws", "s3", "backups"],
    },
    (bucket, resources) => {
        const acl = awsProps(bucket).acl;
        if (acl !== undefined && acl !== "private") return `the bucket sets canned ACL ${acl}`;
        const controls = companionsOf(resources, AWS.ownershipControls, bucket);
        return controls.some((c) => awsProps(c).rule?.objectOwnership === "BucketOwnerEnforced")
            ? undefined
            : "the bucket has no BucketOwnershipControls with objectOwnership BucketOwnerEnforced";
    },
);
