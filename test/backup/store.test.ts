// The backup store (components/backup-store) under the mocks, in process: what `pulumi up` would
// create for a stack's sophia:backup, judged by the policy pack's rules and by what each resource
// must say for the buckets, the replication, the keys and the image expiry to work together.
import { expect } from "chai";
import { runPolicies } from "../../commands/policy/run";
import { BackupStore } from "../../components/backup-store/backupStore";
import { backupNames, bucketArn } from "../../stacks/backupNames";
import { backupSettingsSchema } from "../../stacks/settings";
import { monitor, recordedUnder, settled } from "../support/setup";
import type { RecordedResource } from "../../commands/plan/recorder";

type Inputs = Record<string, any>;
const KEY_ADMIN = "arn:aws:iam::123456789012:role/deploy";
const settings = backupSettingsSchema.parse({
    region: "eu-central-1",
    replicaRegion: "eu-west-1",
    retentionDays: 40,
    coldStorageAfterDays: 20,
    hourlyRetentionDays: 2,
    objectLockDays: 10,
    keyAdministrators: [KEY_ADMIN],
    imageRetention: { repositories: ["sophia/github-agent", "sophia/web.ui"], keepTagged: 12, untaggedDays: 5 },
});

/** Builds a store named `name` (unique per test: the mocks are global) and returns what it registered. */
async function storeOf(name: string, backup = settings, environment = "qa") {
    const store = new BackupStore(name, { environment, backup });
    await settled();
    const resources = recordedUnder(name);
    const all = (type: string) => resources.filter((r) => r.type === `aws:${type}`);
    const one = (type: string, resourceName: string) => {
        const found = resources.find((r) => r.type === `aws:${type}` && r.name === resourceName);
        if (!found) throw new Error(`no ${type} named ${resourceName}: ${resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
        return found;
    };
    return { store, resources, all, one, names: backupNames(environment, backup) };
}

const inputs = (r: RecordedResource) => r.inputs as Inputs;
const json = (r: RecordedResource, key = "policy") => JSON.parse(inputs(r)[key] as string);
const idOf = (r: RecordedResource) => `${r.name}-id`;

describe("the backup store", () => {
    it("passes every rule of the policy pack, prod's rules included", async () => {
        const { resources } = await storeOf("bst-policy");
        const violations = runPolicies(resources, { stack: "prod", config: {}, packConfig: {} });
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).to.deep.equal([]);
        // The rules had something to judge: every kind of resource the AWS rules read is here.
        const types = new Set(resources.map((r) => r.type));
        for (const type of ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:iam/policy:Policy", "aws:s3/bucketReplicationConfig:BucketReplicationConfig"])
            expect(types, type).to.include(type);
    });

    it("puts two buckets and their logs in each region, by their deterministic names, each with its role and protection", async () => {
        const { all, names } = await storeOf("bst-buckets");
        const buckets = all("s3/bucket:Bucket").map((b) => ({
            bucket: inputs(b).bucket,
            region: inputs(b).region,
            // The documented tag (docs/03-architecture/backups.md), by its written name.
            role: inputs(b).tags["sophia.ai/role"],
            environment: inputs(b).tags["sophia.ai/environment"],
            objectLock: inputs(b).objectLockEnabled,
            forceDestroy: inputs(b).forceDestroy,
            protect: b.protect === true,
        }));
        expect(buckets).to.have.deep.members([
            { bucket: names.primaryBucket, region: "eu-central-1", role: "backups", environment: "qa", objectLock: false, forceDestroy: false, protect: true },
            {
                bucket: names.replicaBucket,
                region: "eu-west-1",
                role: "backup-replica",
                environment: "qa",
                objectLock: true,
                forceDestroy: false,
                protect: true,
            },
            {
                bucket: names.primaryLogBucket,
                region: "eu-central-1",
                role: "access-logs",
                environment: "qa",
                objectLock: false,
                forceDestroy: false,
                protect: false,
            },
            {
                bucket: names.replicaLogBucket,
                region: "eu-west-1",
                role: "access-logs",
                environment: "qa",
                objectLock: false,
                forceDestroy: false,
                protect: false,
            },
        ]);
    });

    it("gives each bucket its companions in the bucket's own region, the backups encrypted with their region's key and the logs with S3's", async () => {
        const { all, one } = await storeOf("bst-companions");
        const keyArn = (part: string) => `arn:aws:kms:${inputs(one("kms/key:Key", `bst-companions-${part}-key`)).region}:offline:bst-companions-${part}-key`;
        const expected: Record<string, { region: string; sse: Inputs }> = {
            "bst-companions-primary": {
                region: "eu-central-1",
                sse: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn("primary") }, bucketKeyEnabled: true },
            },
            "bst-companions-replica": {
                region: "eu-west-1",
                sse: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn("replica") }, bucketKeyEnabled: true },
            },
            "bst-companions-primary-logs": { region: "eu-central-1", sse: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } },
            "bst-companions-replica-logs": { region: "eu-west-1", sse: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } },
        };
        expect(all("s3/bucket:Bucket").map((b) => b.name)).to.have.members(Object.keys(expected));
        for (const [bucket, { region, sse }] of Object.entries(expected)) {
            const of = (type: string, suffix: string) => inputs(one(type, `${bucket}-${suffix}`));
            expect(of("s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "public-access"), bucket).to.deep.equal({
                bucket: `${bucket}-id`,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
                region,
            });
            expect(of("s3/bucketOwnershipControls:BucketOwnershipControls", "ownership"), bucket).to.deep.equal({
                bucket: `${bucket}-id`,
                rule: { objectOwnership: "BucketOwnerEnforced" },
                region,
            });
            expect(of("s3/bucketVersioning:BucketVersioning", "versioning"), bucket).to.deep.equal({
                bucket: `${bucket}-id`,
                versioningConfiguration: { status: "Enabled" },
                region,
            });
            expect(of("s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "encryption"), bucket).to.deep.equal({
                bucket: `${bucket}-id`,
                region,
                rules: [sse],
            });
            expect(of("s3/bucketPolicy:BucketPolicy", "policy").region, bucket).to.equal(region);
            const lifecycle = one("s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${bucket}-lifecycle`);
            expect(inputs(lifecycle).region, bucket).to.equal(region);
            // S3 refuses a lifecycle with noncurrent-version rules on a bucket whose versioning is not set yet.
            expect(lifecycle.dependsOn, bucket).to.include(one("s3/bucketVersioning:BucketVersioning", `${bucket}-versioning`).urn);
        }
    });

    it("expires backups by the stack's retention, and access logs after at least 90 days", async () => {
        const { one } = await storeOf("bst-lifecycle");
        const rules = (bucket: string) =>
            inputs(one("s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `bst-lifecycle-${bucket}-lifecycle`)).rules;
        for (const bucket of ["primary", "replica"]) {
            const byId = Object.fromEntries(rules(bucket).map((r: Inputs) => [r.id, r]));
            expect(byId["hourly-expire"].expiration, bucket).to.deep.equal({ days: settings.hourlyRetentionDays });
            expect(byId["full-cold-then-expire"].expiration, bucket).to.deep.equal({ days: settings.retentionDays });
            expect(byId["full-cold-then-expire"].transitions, bucket).to.deep.equal([{ days: settings.coldStorageAfterDays, storageClass: "GLACIER_IR" }]);
        }
        for (const bucket of ["primary-logs", "replica-logs"])
            expect(rules(bucket).find((r: Inputs) => r.id === "logs-expire").expiration, bucket).to.deep.equal({ days: 90 });
        const { one: long } = await storeOf("bst-lifecycle-long", { ...settings, retentionDays: 400 });
        const logs = inputs(long("s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "bst-lifecycle-long-primary-logs-lifecycle")).rules;
        expect(logs.find((r: Inputs) => r.id === "logs-expire").expiration).to.deep.equal({ days: 400 });
    });

    it("logs each backup bucket into its own region's log bucket, under the prefix that bucket's policy lets S3 write", async () => {
        const { one, names } = await storeOf("bst-logging");
        for (const [part, logs, prefix, source] of [
            ["primary", "primary-logs", "backups/", names.primaryBucket],
            ["replica", "replica-logs", "backup-replica/", names.replicaBucket],
        ]) {
            const logging = one("s3/bucketLogging:BucketLogging", `bst-logging-${part}-logging`);
            const bucket = one("s3/bucket:Bucket", `bst-logging-${part}`);
            const logBucket = one("s3/bucket:Bucket", `bst-logging-${logs}`);
            expect(inputs(logging)).to.deep.equal({ bucket: idOf(bucket), targetBucket: idOf(logBucket), targetPrefix: prefix, region: inputs(bucket).region });
            expect(logging.parent).to.equal(bucket.urn);
            const statements = json(one("s3/bucketPolicy:BucketPolicy", `bst-logging-${logs}-policy`)).Statement as Inputs[];
            const delivery = statements.find((s) => s.Principal?.Service === "logging.s3.amazonaws.com");
            expect(delivery, part).to.not.equal(undefined);
            expect([delivery!.Resource].flat(), part).to.include(`arn:aws:s3:::${inputs(logBucket).bucket}/${prefix}*`);
            expect(JSON.stringify(delivery!.Condition), part).to.contain(bucketArn(source));
        }
    });

    it("replicates every backup to the replica's region within 15 minutes, keeps deletions local and locks the replica in compliance mode", async () => {
        const { one, names } = await storeOf("bst-replication");
        const replication = one("s3/bucketReplicationConfig:BucketReplicationConfig", "bst-replication-replication");
        const primary = one("s3/bucket:Bucket", "bst-replication-primary");
        const role = one("iam/role:Role", "bst-replication-replication-role");
        expect(inputs(replication)).to.deep.include({
            bucket: idOf(primary),
            role: `arn:aws:iam::offline:bst-replication-replication-role`,
            region: "eu-central-1",
        });
        expect(inputs(role)).to.deep.include({ name: names.replicationRole, path: "/sophia/" });
        expect(inputs(replication).role).to.contain(role.name);
        const [rule, ...others] = inputs(replication).rules as Inputs[];
        expect(others).to.deep.equal([]);
        expect(rule).to.deep.include({ status: "Enabled", priority: 1, filter: { prefix: "" }, deleteMarkerReplication: { status: "Disabled" } });
        expect(rule.sourceSelectionCriteria).to.deep.equal({ sseKmsEncryptedObjects: { status: "Enabled" } });
        expect(rule.destination).to.deep.equal({
            bucket: bucketArn(names.replicaBucket),
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: "arn:aws:kms:eu-west-1:offline:bst-replication-replica-key" },
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
        });
        // S3 accepts replication only once both buckets are versioned, and only with a role that may replicate.
        for (const dependency of [
            "s3/bucketVersioning:BucketVersioning bst-replication-primary-versioning",
            "s3/bucketVersioning:BucketVersioning bst-replication-replica-versioning",
            "iam/rolePolicyAttachment:RolePolicyAttachment bst-replication-replication-attachment",
        ]) {
            const [type, name] = dependency.split(" ");
            expect(replication.dependsOn, dependency).to.include(one(type, name).urn);
        }
        const grant = json(one("iam/policy:Policy", "bst-replication-replication-policy"));
        expect(JSON.stringify(grant)).to.contain(bucketArn(names.primaryBucket)).and.contain(bucketArn(names.replicaBucket));
        expect(inputs(one("iam/rolePolicyAttachment:RolePolicyAttachment", "bst-replication-replication-attachment"))).to.deep.equal({
            role: names.replicationRole,
            policyArn: "arn:aws:iam::offline:bst-replication-replication-policy",
        });

        const lock = one("s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "bst-replication-replica-object-lock");
        expect(inputs(lock)).to.deep.equal({
            bucket: "bst-replication-replica-id",
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode: "COMPLIANCE", days: settings.objectLockDays } },
            region: "eu-west-1",
        });
        expect(lock.dependsOn).to.include(one("s3/bucketVersioning:BucketVersioning", "bst-replication-replica-versioning").urn);
    });

    it("rotates a key per region, administered by its own role and the stack's key administrators, never used by them", async () => {
        const { all, one, names } = await storeOf("bst-keys");
        const keys = all("kms/key:Key").map((k) => inputs(k));
        expect(keys.map((k) => k.region)).to.have.members(["eu-central-1", "eu-west-1"]);
        for (const key of keys) {
            expect(key).to.deep.include({ enableKeyRotation: true, rotationPeriodInDays: 365, deletionWindowInDays: 30 });
            expect(key.description).to.equal(`Encrypts the qa backups in ${key.region}`);
        }
        const aliases = all("kms/alias:Alias").map((a) => inputs(a));
        expect(aliases.map((a) => [a.name, a.region])).to.have.deep.members([
            [names.keyAlias, "eu-central-1"],
            [names.keyAlias, "eu-west-1"],
        ]);
        const admin = one("iam/role:Role", "bst-keys-key-admin");
        expect(inputs(admin).name).to.equal(names.keyAdminRole);
        expect(json(admin, "assumeRolePolicy").Statement[0].Principal).to.deep.equal({ AWS: "arn:aws:iam::offline:root" });
        for (const [part, region] of [
            ["primary", "eu-central-1"],
            ["replica", "eu-west-1"],
        ]) {
            const policy = one("kms/keyPolicy:KeyPolicy", `bst-keys-${part}-key-policy`);
            const key = one("kms/key:Key", `bst-keys-${part}-key`);
            expect(inputs(policy)).to.deep.include({ keyId: `bst-keys-${part}-key-id`, bypassPolicyLockoutSafetyCheck: false, region });
            expect(policy.propertyDependencies?.keyId).to.deep.equal([key.urn]);
            const alias = one("kms/alias:Alias", `bst-keys-${part}-key-alias`);
            expect(inputs(alias)).to.deep.equal({ name: names.keyAlias, targetKeyId: `bst-keys-${part}-key-id`, region });
            expect(policy.parent).to.equal(key.urn);
            const text = JSON.stringify(json(policy));
            expect(text).to.contain("arn:aws:iam::offline:bst-keys-key-admin").and.contain(KEY_ADMIN).and.contain(region);
        }
    });

    it("gives the backup jobs a writer in a group and the operators a restore group, each with one grant", async () => {
        const { one, names } = await storeOf("bst-iam");
        expect(inputs(one("iam/user:User", "bst-iam-writer"))).to.deep.include({ name: names.writerUser, path: "/sophia/" });
        expect(inputs(one("iam/group:Group", "bst-iam-writers"))).to.deep.include({ name: names.writerGroup });
        const writer = json(one("iam/policy:Policy", "bst-iam-writer-policy"));
        expect(JSON.stringify(writer)).to.contain(names.primaryBucket).and.not.contain(names.replicaBucket);
        expect(inputs(one("iam/group:Group", "bst-iam-restorers"))).to.deep.equal({ name: names.restorerGroup, path: "/sophia/" });
        const restorer = one("iam/policy:Policy", "bst-iam-restorer-policy");
        expect(inputs(restorer).name).to.equal(names.restorerGroup);
        expect(JSON.stringify(json(restorer)))
            .to.contain(names.primaryBucket)
            .and.contain(names.replicaBucket);
        expect(inputs(one("iam/groupPolicyAttachment:GroupPolicyAttachment", "bst-iam-restorer-attachment"))).to.deep.equal({
            group: names.restorerGroup,
            policyArn: "arn:aws:iam::offline:bst-iam-restorer-policy",
        });
    });

    it("expires the images of each named ECR repository: untagged after days, tagged beyond the newest few", async () => {
        const { all } = await storeOf("bst-images");
        const policies = all("ecr/lifecyclePolicy:LifecyclePolicy");
        expect(policies.map((p) => [p.name, inputs(p).repository, inputs(p).region])).to.have.deep.members([
            ["bst-images-images-sophia-github-agent", "sophia/github-agent", "eu-central-1"],
            ["bst-images-images-sophia-web-ui", "sophia/web.ui", "eu-central-1"],
        ]);
        for (const policy of policies) {
            const rules = json(policy).rules as Inputs[];
            expect(rules.map((r) => r.rulePriority)).to.deep.equal([1, 2]);
            expect(rules[0].selection).to.deep.equal({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 5 });
            expect(rules[0].description).to.equal("Expire untagged images after 5 days");
            // ECR wants a rule over "any" tag status to have the highest priority number of all.
            expect(rules[1].selection).to.deep.equal({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 12 });
            expect(rules[1].description).to.equal("Keep the newest 12 images");
            for (const rule of rules) expect(rule.action).to.deep.equal({ type: "expire" });
        }
        const { imageRetention: _, ...withoutImages } = settings;
        const { all: none } = await storeOf("bst-no-images", withoutImages);
        expect(none("ecr/lifecyclePolicy:LifecyclePolicy")).to.deep.equal([]);
    });

    it("exports the buckets, regions and IAM names the runbooks and the restore job use", async () => {
        const { store, names } = await storeOf("bst-outputs");
        expect(store.names).to.deep.equal(names);
        expect([store.region, store.replicaRegion]).to.deep.equal(["eu-central-1", "eu-west-1"]);
        const component = monitor.recorded.find((r) => r.name === "bst-outputs" && r.type === "sophia:platform:BackupStore")!;
        expect(monitor.outputs.get(component.urn)).to.deep.equal({
            bucket: names.primaryBucket,
            replicaBucket: names.replicaBucket,
            region: "eu-central-1",
            replicaRegion: "eu-west-1",
            writerUser: names.writerUser,
            writerGroup: names.writerGroup,
            keyAdminRole: names.keyAdminRole,
            restorerGroup: names.restorerGroup,
        });
    });
});
