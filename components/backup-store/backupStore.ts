// Only the services used: the package's root module loads every AWS service.
import * as ecr from "@pulumi/aws/ecr";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { Provider } from "@pulumi/aws/provider";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import type { BackupSettings } from "../../stacks/settings";
import { createAccessUser } from "./accessUser";
import { accessLogLifecycleRules, backupLifecycleRules, imageLifecyclePolicy } from "./lifecycle";
import { BackupNames, backupNames, bucketArn, BucketRole, ROLE_TAG } from "../../stacks/backupNames";
import {
    accountOf,
    accountTrustPolicy,
    keyPolicy,
    logBucketPolicy,
    PolicyDocument,
    replicationPolicy,
    restorerPolicy,
    s3AssumeRolePolicy,
    tlsOnlyPolicy,
    writerPolicy,
} from "./policies";

export interface BackupStoreArgs {
    readonly environment: string;
    readonly backup: BackupSettings;
}

const json = (doc: pulumi.Output<PolicyDocument> | PolicyDocument): pulumi.Output<string> => pulumi.output(doc).apply((d) => JSON.stringify(d));

/**
 * Where backups live: a primary bucket in the stack's region, replicated to a bucket in a second
 * region that locks every object, both encrypted with rotated KMS keys, logged to per-region log
 * buckets; plus the backup jobs' write-only IAM user and the operators' restore group.
 */
export class BackupStore extends pulumi.ComponentResource {
    readonly names: BackupNames;
    readonly region: string;
    readonly replicaRegion: string;
    /** The bucket the jobs write to. */
    readonly bucket: pulumi.Output<string>;
    readonly replicaBucket: pulumi.Output<string>;
    readonly writer: iam.User;
    /** The role that administers both backup keys. */
    readonly keyAdmin: iam.Role;

    constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:BackupStore", name, {}, opts);
        const { backup, environment } = args;
        const names = backupNames(environment, backup);
        const tags = { "sophia.ai/environment": environment, "app.kubernetes.io/part-of": "sophia" };
        const primary = new Provider(`${name}-primary`, { region: backup.region, defaultTags: { tags } }, { parent: this });
        const secondary = new Provider(`${name}-replica`, { region: backup.replicaRegion, defaultTags: { tags } }, { parent: this });
        const inPrimary = { parent: this, provider: primary };
        const inReplica = { parent: this, provider: secondary };

        const key = (part: string, region: string, o: pulumi.CustomResourceOptions) => {
            const k = new kms.Key(
                `${name}-${part}-key`,
                {
                    description: `Encrypts the ${environment} backups in ${region}`,
                    enableKeyRotation: true,
                    rotationPeriodInDays: 365,
                    deletionWindowInDays: 30,
                    region,
                    tags,
                },
                o,
            );
            new kms.Alias(`${name}-${part}-key-alias`, { name: names.keyAlias, targetKeyId: k.keyId, region }, o);
            return k;
        };
        const primaryKey = key("primary", backup.region, inPrimary);
        const replicaKey = key("replica", backup.replicaRegion, inReplica);
        this.keyAdmin = this.keyPolicies(name, names.keyAdminRole, backup, [
            { part: "primary", key: primaryKey, region: backup.region, o: inPrimary },
            { part: "replica", key: replicaKey, region: backup.replicaRegion, o: inReplica },
        ]);

        const bucket = (
            part: string,
            bucketName: string,
            role: BucketRole,
            region: string,
            o: pulumi.CustomResourceOptions,
            extra: { objectLock?: boolean; kmsKey?: kms.Key; policy: PolicyDocument },
        ) => {
            const b = new s3.Bucket(
                `${name}-${part}`,
                { bucket: bucketName, objectLockEnabled: extra.objectLock ?? false, forceDestroy: false, region, tags: { ...tags, [ROLE_TAG]: role } },
                { ...o, protect: role !== "access-logs" },
            );
            const on = { ...o, parent: b };
            new s3.BucketPublicAccessBlock(
                `${name}-${part}-public-access`,
                { bucket: b.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, region },
                on,
            );
            new s3.BucketOwnershipControls(`${name}-${part}-ownership`, { bucket: b.id, rule: { objectOwnership: "BucketOwnerEnforced" }, region }, on);
            const versioning = new s3.BucketVersioning(
                `${name}-${part}-versioning`,
                { bucket: b.id, versioningConfiguration: { status: "Enabled" }, region },
                on,
            );
            new s3.BucketServerSideEncryptionConfiguration(
                `${name}-${part}-encryption`,
                {
                    bucket: b.id,
                    region,
                    // S3 delivers access logs only into SSE-S3 buckets; everything else uses the backup key.
                    rules: [
                        extra.kmsKey
                            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: extra.kmsKey.arn }, bucketKeyEnabled: true }
                            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                    ],
                },
                on,
            );
            new s3.BucketPolicy(`${name}-${part}-policy`, { bucket: b.id, policy: json(extra.policy), region }, on);
            new s3.BucketLifecycleConfiguration(
                `${name}-${part}-lifecycle`,
                { bucket: b.id, rules: role === "access-logs" ? accessLogLifecycleRules(backup) : backupLifecycleRules(backup), region },
                { ...on, dependsOn: [versioning] },
            );
            return { bucket: b, versioning };
        };

        const primaryLogs = bucket("primary-logs", names.primaryLogBucket, "access-logs", backup.region, inPrimary, {
            policy: logBucketPolicy(names.primaryLogBucket, [{ bucket: names.primaryBucket, prefix: "backups/" }]),
        });
        const replicaLogs = bucket("replica-logs", names.replicaLogBucket, "access-logs", backup.replicaRegion, inReplica, {
            policy: logBucketPolicy(names.replicaLogBucket, [{ bucket: names.replicaBucket, prefix: "backup-replica/" }]),
        });
        const main = bucket("primary", names.primaryBucket, "backups", backup.region, inPrimary, {
            kmsKey: primaryKey,
            policy: tlsOnlyPolicy(names.primaryBucket),
        });
        const replica = bucket("replica", names.replicaBucket, "backup-replica", backup.replicaRegion, inReplica, {
            kmsKey: replicaKey,
            objectLock: true,
            policy: tlsOnlyPolicy(names.replicaBucket),
        });

        new s3.BucketLogging(
            `${name}-primary-logging`,
            { bucket: main.bucket.id, targetBucket: primaryLogs.bucket.id, targetPrefix: "backups/", region: backup.region },
            { ...inPrimary, parent: main.bucket },
        );
        new s3.BucketLogging(
            `${name}-replica-logging`,
            { bucket: replica.bucket.id, targetBucket: replicaLogs.bucket.id, targetPrefix: "backup-replica/", region: backup.replicaRegion },
            { ...inReplica, parent: replica.bucket },
        );

        // A compromised writer, or an operator's mistake, cannot shorten what the replica keeps.
        new s3.BucketObjectLockConfiguration(
            `${name}-replica-object-lock`,
            {
                bucket: replica.bucket.id,
                objectLockEnabled: "Enabled",
                rule: { defaultRetention: { mode: "COMPLIANCE", days: backup.objectLockDays } },
                region: backup.replicaRegion,
            },
            { ...inReplica, parent: replica.bucket, dependsOn: [replica.versioning] },
        );

        const replicationRole = new iam.Role(
            `${name}-replication-role`,
            { name: names.replicationRole, path: "/sophia/", assumeRolePolicy: json(s3AssumeRolePolicy), tags },
            inPrimary,
        );
        const replicationGrant = new iam.Policy(
            `${name}-replication-policy`,
            {
                name: names.replicationRole,
                path: "/sophia/",
                description: `S3 replication of ${names.primaryBucket} to ${names.replicaBucket}`,
                policy: json(
                    pulumi.all([primaryKey.arn, replicaKey.arn]).apply(([sourceKeyArn, destinationKeyArn]) =>
                        replicationPolicy({
                            source: names.primaryBucket,
                            sourceKeyArn,
                            sourceRegion: backup.region,
                            destination: names.replicaBucket,
                            destinationKeyArn,
                            destinationRegion: backup.replicaRegion,
                        }),
                    ),
                ),
                tags,
            },
            inPrimary,
        );
        const replicationAttachment = new iam.RolePolicyAttachment(
            `${name}-replication-attachment`,
            { role: replicationRole.name, policyArn: replicationGrant.arn },
            inPrimary,
        );
        new s3.BucketReplicationConfig(
            `${name}-replication`,
            {
                bucket: main.bucket.id,
                role: replicationRole.arn,
                region: backup.region,
                rules: [
                    {
                        id: "backups-to-replica-region",
                        status: "Enabled",
                        priority: 1,
                        filter: { prefix: "" },
                        // Deletions stay where they happen: the replica is the copy nobody can remove.
                        deleteMarkerReplication: { status: "Disabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: {
                            bucket: bucketArn(names.replicaBucket),
                            storageClass: "STANDARD",
                            encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn },
                            // Replication time control: 99.99% of objects within 15 minutes, inside the RPO.
                            replicationTime: { status: "Enabled", time: { minutes: 15 } },
                            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                        },
                    },
                ],
            },
            { ...inPrimary, parent: main.bucket, dependsOn: [main.versioning, replica.versioning, replicationAttachment] },
        );

        this.writer = createAccessUser(
            name,
            "writer",
            {
                user: names.writerUser,
                group: names.writerGroup,
                description: `Backup jobs: write and list ${names.primaryBucket}, nothing else`,
                policy: primaryKey.arn.apply((keyArn) => writerPolicy(names.primaryBucket, keyArn)),
                tags,
            },
            inPrimary,
        );

        const restorers = new iam.Group(`${name}-restorers`, { name: names.restorerGroup, path: "/sophia/" }, inPrimary);
        const restorerGrant = new iam.Policy(
            `${name}-restorer-policy`,
            {
                name: names.restorerGroup,
                path: "/sophia/",
                description: "Operators restoring backups: read either region's copy",
                policy: json(
                    pulumi.all([primaryKey.arn, replicaKey.arn]).apply(([p, r]) =>
                        restorerPolicy([
                            { bucket: names.primaryBucket, keyArn: p },
                            { bucket: names.replicaBucket, keyArn: r },
                        ]),
                    ),
                ),
                tags,
            },
            inPrimary,
        );
        new iam.GroupPolicyAttachment(`${name}-restorer-attachment`, { group: restorers.name, policyArn: restorerGrant.arn }, inPrimary);

        for (const repository of backup.imageRetention?.repositories ?? []) {
            new ecr.LifecyclePolicy(
                `${name}-images-${repository.replace(/[^a-z0-9-]/g, "-")}`,
                { repository, policy: JSON.stringify(imageLifecyclePolicy(backup.imageRetention!)), region: backup.region },
                inPrimary,
            );
        }

        this.names = names;
        this.region = backup.region;
        this.replicaRegion = backup.replicaRegion;
        this.bucket = main.bucket.bucket;
        this.replicaBucket = replica.bucket.bucket;
        this.registerOutputs({
            bucket: this.bucket,
            replicaBucket: this.replicaBucket,
            region: this.region,
            replicaRegion: this.replicaRegion,
            writerUser: names.writerUser,
            writerGroup: names.writerGroup,
            keyAdminRole: names.keyAdminRole,
            restorerGroup: names.restorerGroup,
        });
    }

    /**
     * Explicit key policies for the backup keys (admin vs use, see keyPolicy), and the key-admin
     * role. The account comes from the key's own ARN, so nothing is looked up live.
     */
    private keyPolicies(
        name: string,
        roleName: string,
        backup: BackupSettings,
        keys: readonly { part: string; key: kms.Key; region: string; o: pulumi.CustomResourceOptions }[],
    ): iam.Role {
        const [first] = keys;
        const admin = new iam.Role(
            `${name}-key-admin`,
            { name: roleName, path: "/sophia/", assumeRolePolicy: json(first.key.arn.apply((arn) => accountTrustPolicy(accountOf(arn)))) },
            first.o,
        );
        for (const k of keys) {
            new kms.KeyPolicy(
                `${name}-${k.part}-key-policy`,
                {
                    keyId: k.key.keyId,
                    policy: json(
                        pulumi
                            .all([k.key.arn, admin.arn])
                            .apply(([keyArn, adminArn]) =>
                                keyPolicy({ accountId: accountOf(keyArn), region: k.region, administrators: [adminArn, ...backup.keyAdministrators] }),
                            ),
                    ),
                    // AWS refuses a policy that would lock the deploying identity out: keep that check.
                    bypassPolicyLockoutSafetyCheck: false,
                    region: k.region,
                },
                { ...k.o, parent: k.key },
            );
        }
        return admin;
    }
}
