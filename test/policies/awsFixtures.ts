// A compliant backup bucket set as @pulumi/aws 7 declares it: the bucket and its companion resources.
import { AWS } from "../../policies/aws/buckets";
import type { PolicyResource } from "../../policies/rule";
import { urnOf } from "./fixtures";

type Obj = Record<string, any>;

const resource = (type: string, name: string, props: Obj, propertyDependencies: Record<string, string[]> = {}): PolicyResource => ({
    type,
    urn: urnOf(type, name),
    name,
    props,
    propertyDependencies,
    dependencies: [...new Set(Object.values(propertyDependencies).flat())],
});

/** Companions of `bucket`, each linked by its `bucket` property the way `bucket: bucket.id` links it. */
function companions(bucket: PolicyResource, key: PolicyResource, kind: "data" | "logs" | "replica"): PolicyResource[] {
    const on = { bucket: [bucket.urn] };
    const list = [
        resource(
            AWS.publicAccessBlock,
            `${bucket.name}-public-access`,
            { bucket: `${bucket.name}-id`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            on,
        ),
        resource(AWS.ownershipControls, `${bucket.name}-ownership`, { bucket: `${bucket.name}-id`, rule: { objectOwnership: "BucketOwnerEnforced" } }, on),
        resource(
            AWS.encryption,
            `${bucket.name}-encryption`,
            {
                bucket: `${bucket.name}-id`,
                rules: [
                    {
                        applyServerSideEncryptionByDefault:
                            kind === "logs" ? { sseAlgorithm: "AES256" } : { sseAlgorithm: "aws:kms", kmsMasterKeyId: "[unknown]" },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            kind === "logs" ? on : { ...on, rules: [key.urn] },
        ),
        resource(AWS.versioning, `${bucket.name}-versioning`, { bucket: `${bucket.name}-id`, versioningConfiguration: { status: "Enabled" } }, on),
        resource(
            AWS.lifecycle,
            `${bucket.name}-lifecycle`,
            { bucket: `${bucket.name}-id`, rules: [{ id: "expire", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }] },
            on,
        ),
        resource(
            AWS.policy,
            `${bucket.name}-policy`,
            {
                bucket: `${bucket.name}-id`,
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            on,
        ),
    ];
    return list;
}

export interface BucketSet {
    data: PolicyResource;
    logs: PolicyResource;
    replica: PolicyResource;
    key: PolicyResource;
    resources: PolicyResource[];
}

export function compliantBuckets(): BucketSet {
    const key = resource(AWS.kmsKey, "backups-key", { description: "backups", enableKeyRotation: true, deletionWindowInDays: 30 });
    const data = resource(AWS.bucket, "backups", { forceDestroy: false });
    const logs = resource(AWS.bucket, "backups-logs", {});
    const replica = resource(AWS.bucket, "backups-replica", { region: "eu-west-1" });
    const resources = [
        key,
        data,
        logs,
        replica,
        ...companions(data, key, "data"),
        ...companions(logs, key, "logs"),
        ...companions(replica, key, "replica"),
        resource(
            AWS.logging,
            "backups-logging",
            { bucket: "backups-id", targetBucket: "backups-logs-id", targetPrefix: "backups/" },
            { bucket: [data.urn], targetBucket: [logs.urn] },
        ),
        resource(
            AWS.logging,
            "backups-replica-logging",
            { bucket: "backups-replica-id", targetBucket: "backups-logs-id", targetPrefix: "replica/" },
            { bucket: [replica.urn], targetBucket: [logs.urn] },
        ),
        resource(
            AWS.replication,
            "backups-replication",
            {
                bucket: "backups-id",
                role: "[unknown]",
                rules: [{ id: "all", status: "Enabled", destination: { bucket: "[unknown]", storageClass: "STANDARD_IA" } }],
            },
            { bucket: [data.urn], rules: [replica.urn] },
        ),
    ];
    return { data, logs, replica, key, resources };
}

export const withoutResource = (set: BucketSet, name: string): PolicyResource[] => set.resources.filter((r) => r.name !== name);

export function withProps(set: BucketSet, name: string, change: (props: Obj) => void): PolicyResource[] {
    return set.resources.map((r) => {
        if (r.name !== name) return r;
        const props = JSON.parse(JSON.stringify(r.props));
        change(props);
        return { ...r, props };
    });
}
