// The stacks' offline plans: what backups each one deploys, as `pulumi up` would register it.
import { expect } from "chai";
import { EXEMPTIONS } from "../../policies/exemptions";
import { planOf } from "../support/plan";
import type { RecordedResource } from "../../commands/plan/recorder";

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === `aws:${type}`);
const json = (text: unknown) => JSON.parse(text as string);

describe("backups in the stacks' plans", function () {
    this.timeout(180_000);

    describe("prod", () => {
        let resources: RecordedResource[];
        before(() => {
            resources = planOf("prod").plan!.resources;
        });

        it("has a primary bucket and an object-locked replica in another region, each with every companion", () => {
            const buckets = ofType(resources, "s3/bucket:Bucket");
            const byRole = Object.fromEntries(
                buckets.map((b) => [(b.inputs.tags as Record<string, string>)["sophia.ai/role"] + "@" + (b.inputs.region as string), b.inputs]),
            );
            expect(Object.keys(byRole).sort()).to.deep.equal([
                "access-logs@us-east-1",
                "access-logs@us-west-2",
                "backup-replica@us-west-2",
                "backups@us-east-1",
            ]);
            expect(byRole["backup-replica@us-west-2"].objectLockEnabled).to.equal(true);
            for (const companion of [
                "bucketPublicAccessBlock:BucketPublicAccessBlock",
                "bucketOwnershipControls:BucketOwnershipControls",
                "bucketVersioning:BucketVersioning",
                "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "bucketPolicy:BucketPolicy",
                "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            ]) {
                const forBuckets = ofType(resources, `s3/${companion}`).map((r) => r.inputs.bucket);
                expect(forBuckets.sort(), companion).to.deep.equal(buckets.map((b) => `${b.name}-id`).sort());
            }
            const blocks = ofType(resources, "s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            for (const b of blocks)
                expect(b.inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            for (const p of ofType(resources, "s3/bucketPolicy:BucketPolicy")) {
                expect(json(p.inputs.policy).Statement[0]).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
            }
        });

        it("encrypts backups with rotated KMS keys, replicates them within the RPO and locks the replica", () => {
            for (const key of ofType(resources, "kms/key:Key")) expect(key.inputs.enableKeyRotation).to.equal(true);
            const sse = ofType(resources, "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").filter(
                (r) => !String(r.name).includes("logs"),
            );
            for (const s of sse)
                expect(
                    (s.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[])[0].applyServerSideEncryptionByDefault.sseAlgorithm,
                ).to.equal("aws:kms");
            const [replication] = ofType(resources, "s3/bucketReplicationConfig:BucketReplicationConfig");
            const rule = (replication.inputs.rules as Record<string, Record<string, unknown>>[])[0];
            expect(rule.destination.bucket).to.equal("arn:aws:s3:::sophia-prod-backups-replica-us-west-2");
            expect(rule.destination.replicationTime).to.deep.equal({ status: "Enabled", time: { minutes: 15 } });
            const [lock] = ofType(resources, "s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
            expect(lock.inputs.rule).to.deep.equal({ defaultRetention: { mode: "COMPLIANCE", days: 14 } });
            const [lifecycle] = ofType(resources, "s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter(
                (r) => r.name === "backups-primary-lifecycle",
            );
            const rules = Object.fromEntries((lifecycle.inputs.rules as { id: string }[]).map((r) => [r.id, r]));
            expect(rules["hourly-expire"]).to.deep.include({ filter: { prefix: "services/hourly/" }, expiration: { days: 3 } });
            expect(rules["full-cold-then-expire"]).to.deep.include({
                filter: { prefix: "services/full/" },
                expiration: { days: 35 },
                transitions: [{ days: 30, storageClass: "GLACIER_IR" }],
            });
        });

        it("gives the backup jobs a named IAM user that may write and list its prefix through a group, without wildcards or delete", () => {
            const [user] = ofType(resources, "iam/user:User");
            expect(user.inputs.name).to.equal("sophia-prod-backup-writer");
            expect(ofType(resources, "iam/userPolicyAttachment:UserPolicyAttachment")).to.deep.equal([]);
            const [membership] = ofType(resources, "iam/userGroupMembership:UserGroupMembership");
            expect(membership.inputs).to.deep.equal({ user: "sophia-prod-backup-writer", groups: ["sophia-prod-backup-writers"] });
            const attachments = ofType(resources, "iam/groupPolicyAttachment:GroupPolicyAttachment").map((a) => a.inputs.group);
            expect(attachments).to.include("sophia-prod-backup-writers");
            for (const policy of ofType(resources, "iam/policy:Policy")) {
                for (const statement of json(policy.inputs.policy).Statement) {
                    for (const action of [statement.Action].flat())
                        expect(action, policy.name)
                            .to.not.include("*")
                            .and.not.match(/Delete/);
                    for (const resource of [statement.Resource].flat()) expect(resource, policy.name).to.be.a("string").and.not.equal("*");
                }
            }
            const writer = json(ofType(resources, "iam/policy:Policy").find((p) => p.name === "backups-writer-policy")!.inputs.policy);
            expect(writer.Statement.map((s: { Action: string }) => s.Action)).to.deep.equal(["s3:PutObject", "s3:ListBucket", "kms:GenerateDataKey"]);
        });

        it("gives both KMS keys an explicit policy: the key-admin role administers and cannot use, use only through S3 in the key's region", () => {
            const policies = ofType(resources, "kms/keyPolicy:KeyPolicy");
            expect(policies.map((p) => p.inputs.region).sort()).to.deep.equal(["us-east-1", "us-west-2"]);
            for (const p of policies) {
                expect(p.inputs.bypassPolicyLockoutSafetyCheck).to.equal(false);
                const [admin, use] = json(p.inputs.policy).Statement;
                expect(admin.Sid).to.equal("KeyAdministration");
                expect(admin.Principal.AWS[0]).to.match(/^arn:aws:iam:.*sophia-prod-backup-key-admin|^arn:aws:iam:.*backups-key-admin/);
                for (const action of admin.Action) expect(action).to.not.match(/Encrypt|Decrypt|GenerateDataKey|\*/);
                expect(use.Sid).to.equal("KeyUseThroughS3ForIamGrantedPrincipals");
                expect(use.Action).to.include.members(["kms:Decrypt", "kms:GenerateDataKey"]);
                expect(use.Action.join(" ")).to.not.match(/PutKeyPolicy|ScheduleKeyDeletion|\*/);
                expect(use.Condition.StringEquals["kms:ViaService"]).to.equal(`s3.${String(p.inputs.region)}.amazonaws.com`);
            }
        });

        it("schedules a daily full and an hourly backup of each stateful service, labelled with what they back up", () => {
            const cronJobs = resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob");
            const schedules = cronJobs.map((c) => {
                const spec = c.inputs.spec as { schedule: string };
                return `${(c.inputs.metadata as { labels: Record<string, string> }).labels["sophia.ai/backup-of"]} ${spec.schedule}`;
            });
            expect(schedules.sort()).to.deep.equal(["postgres 0 2 * * *", "postgres 30 * * * *", "redis 0 2 * * *", "redis 30 * * * *"]);
            // Every stateful service is backed up, but for the documented exemptions (Jaeger's traces).
            const exempt = new Set(EXEMPTIONS.filter((e) => e.rule === "require-stateful-backups").map((e) => e.component));
            const stateful = resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet").map((s) => (s.inputs.metadata as { name: string }).name);
            expect(stateful.filter((name) => !exempt.has(name)).sort()).to.deep.equal(["postgres", "redis"]);
        });
    });

    it("dev (Swarm) deploys PostgreSQL and Redis without off-site backups, and names no backup secret", () => {
        const plan = planOf("dev").plan!;
        expect(plan.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
        const volumes = plan.resources.filter((r) => r.type === "docker:index/volume:Volume").map((v) => String(v.inputs.name));
        expect(volumes.filter((v) => /postgres|redis/.test(v)).sort()).to.deep.equal(["sophia-postgres-data", "sophia-redis-data"]);
        expect(Object.keys(plan.summary.secretInventory)).to.not.include("BACKUP_AWS_ACCESS_KEY_ID");
    });
});
