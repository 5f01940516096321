import { expect } from "chai";
import { compliantBuckets, withoutResource, withProps } from "../../test/policies/awsFixtures";
import { checkResource, checkStack, urnOf } from "../../test/policies/fixtures";
import { UNKNOWN, type PolicyResource, type StackRule } from "../rule";
import { AWS } from "./buckets";
import { disallowIamWildcards } from "./disallowIamWildcards";
import { enforceBucketOwnerEnforced } from "./enforceBucketOwnerEnforced";
import { enforceKmsKeyRotation } from "./enforceKmsKeyRotation";
import { requireBucketAccessLogging } from "./requireBucketAccessLogging";
import { requireBucketLifecycle } from "./requireBucketLifecycle";
import { requireBucketPublicAccessBlock } from "./requireBucketPublicAccessBlock";
import { requireBucketReplication } from "./requireBucketReplication";
import { requireBucketSseKms } from "./requireBucketSseKms";
import { requireBucketTlsOnlyPolicy } from "./requireBucketTlsOnlyPolicy";
import { requireBucketVersioning } from "./requireBucketVersioning";

type Obj = Record<string, any>;

const BUCKET_RULES: { rule: StackRule; companion: string; breaks: Record<string, (p: Obj) => void>; message: RegExp }[] = [
    {
        rule: requireBucketPublicAccessBlock,
        companion: "public-access",
        breaks: { "restrictPublicBuckets false": (p) => (p.restrictPublicBuckets = false), "blockPublicAcls unset": (p) => delete p.blockPublicAcls },
        message: /public access block/,
    },
    {
        rule: enforceBucketOwnerEnforced,
        companion: "ownership",
        breaks: { ObjectWriter: (p) => (p.rule.objectOwnership = "ObjectWriter") },
        message: /BucketOwnerEnforced/,
    },
    {
        rule: requireBucketSseKms,
        companion: "encryption",
        breaks: { AES256: (p) => (p.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" }) },
        message: /SSE-KMS/,
    },
    {
        rule: requireBucketVersioning,
        companion: "versioning",
        breaks: { Suspended: (p) => (p.versioningConfiguration.status = "Suspended") },
        message: /versioning|Enabled/i,
    },
    {
        rule: requireBucketTlsOnlyPolicy,
        companion: "policy",
        breaks: {
            "an Allow instead of a Deny": (p) => (p.policy = p.policy.replace('"Deny"', '"Allow"')),
            "no SecureTransport condition": (p) => (p.policy = p.policy.replace("aws:SecureTransport", "aws:SourceIp")),
        },
        message: /without TLS/,
    },
    { rule: requireBucketLifecycle, companion: "lifecycle", breaks: { "a disabled rule": (p) => (p.rules[0].status = "Disabled") }, message: /lifecycle/ },
];

describe("S3 bucket rules (@pulumi/aws 7 companion resources)", () => {
    for (const c of BUCKET_RULES) {
        describe(c.rule.id, () => {
            it("passes buckets with compliant companions", () => expect(checkStack(c.rule, compliantBuckets().resources)).to.deep.equal([]));
            it("fails a bucket without the companion, on the bucket's URN", () => {
                const set = compliantBuckets();
                const violations = checkStack(c.rule, withoutResource(set, `backups-${c.companion}`));
                expect(violations.map((v) => v.urn)).to.deep.equal([set.data.urn]);
                expect(violations[0].message).to.match(/the bucket/);
            });
            for (const [what, change] of Object.entries(c.breaks)) {
                it(`fails a bucket whose companion has ${what}`, () => {
                    const set = compliantBuckets();
                    const violations = checkStack(c.rule, withProps(set, `backups-${c.companion}`, change));
                    expect(violations.map((v) => v.urn)).to.deep.equal([set.data.urn]);
                    expect(violations[0].message).to.match(c.message);
                });
            }
            it("does not count another bucket's companion", () => {
                const set = compliantBuckets();
                const resources = withoutResource(set, `backups-${c.companion}`).concat({
                    ...set.resources.find((r) => r.name === `backups-replica-${c.companion}`)!,
                    name: "stray",
                    urn: urnOf("x", "stray"),
                });
                expect(checkStack(c.rule, resources)).to.have.length(1);
            });
        });
    }

    it("links a companion by a literal bucket name too", () => {
        const set = compliantBuckets();
        const named = set.resources.map((r) =>
            r.name === "backups"
                ? { ...r, props: { bucket: "sophia-backups" } }
                : r.name === "backups-versioning"
                  ? { ...r, propertyDependencies: {}, props: { ...r.props, bucket: "sophia-backups" } }
                  : r,
        );
        expect(checkStack(requireBucketVersioning, named)).to.deep.equal([]);
    });

    describe("in a first preview (ids and ARNs unknown)", () => {
        const BUCKET_STACK_RULES = [...BUCKET_RULES.map((c) => c.rule), requireBucketAccessLogging, requireBucketReplication];
        /** Every companion's bucket value unknown, as a preview of a new stack sends `bucket: bucket.id`. */
        const previewOf = (resources: PolicyResource[]) =>
            resources.map((r) => (r.props.bucket !== undefined && r.type !== AWS.bucket ? { ...r, props: { ...r.props, bucket: UNKNOWN } } : r));

        it("relates companions by their property dependencies alone: compliant buckets pass every bucket rule", () => {
            const resources = previewOf(compliantBuckets().resources);
            for (const rule of BUCKET_STACK_RULES) expect(checkStack(rule, resources), rule.id).to.deep.equal([]);
        });
        it("still reports a bucket policy without the TLS deny", () => {
            const set = compliantBuckets();
            const resources = previewOf(withProps(set, "backups-policy", (p) => (p.policy = JSON.stringify({ Statement: [] }))));
            expect(checkStack(requireBucketTlsOnlyPolicy, resources)).to.deep.equal([
                { urn: set.data.urn, message: "the bucket has no policy denying requests without TLS" },
            ]);
        });
        it("relates a companion parented to its bucket when it has no dependencies, and an unknown value to nothing", () => {
            const set = compliantBuckets();
            const orphaned = (parent?: string) =>
                previewOf(set.resources).map((r) => (r.name === "backups-versioning" ? { ...r, propertyDependencies: {}, parent } : r));
            expect(checkStack(requireBucketVersioning, orphaned(set.data.urn))).to.deep.equal([]);
            expect(checkStack(requireBucketVersioning, orphaned()).map((v) => v.urn)).to.deep.equal([set.data.urn]);
        });
        it("leaves a policy document it cannot know yet to the update", () => {
            const set = compliantBuckets();
            expect(
                checkStack(
                    requireBucketTlsOnlyPolicy,
                    withProps(set, "backups-policy", (p) => (p.policy = UNKNOWN)),
                ),
            ).to.deep.equal([]);
        });
        it("finds a replica destination named literally, next to dependencies on other resources", () => {
            const set = compliantBuckets();
            const literal = set.resources.map((r) => {
                if (r.name === "backups-replica") return { ...r, props: { ...r.props, bucket: "sophia-replica" } };
                if (r.type !== AWS.replication) return r;
                const rules = [{ status: "Enabled", destination: { bucket: "arn:aws:s3:::sophia-replica", replicaKmsKeyId: UNKNOWN } }];
                return { ...r, props: { ...r.props, rules }, propertyDependencies: { ...r.propertyDependencies, rules: [set.key.urn] } };
            });
            expect(checkStack(requireBucketReplication, literal)).to.deep.equal([]);
            const unnamed = literal.map((r) => (r.name === "backups-replica" ? { ...r, props: { ...r.props, bucket: UNKNOWN } } : r));
            expect(checkStack(requireBucketReplication, unnamed).map((v) => v.urn)).to.deep.equal([set.replica.urn]);
        });
    });

    describe(enforceBucketOwnerEnforced.id, () => {
        it("fails a bucket with a public canned ACL", () => {
            const set = compliantBuckets();
            expect(
                checkStack(
                    enforceBucketOwnerEnforced,
                    withProps(set, "backups", (p) => (p.acl = "public-read")),
                )[0].message,
            ).to.equal("the bucket sets canned ACL public-read");
        });
    });

    describe(requireBucketSseKms.id, () => {
        it("accepts SSE-S3 on the access-log bucket only, and fails it without encryption", () => {
            const set = compliantBuckets();
            expect(checkStack(requireBucketSseKms, set.resources)).to.deep.equal([]);
            expect(checkStack(requireBucketSseKms, withoutResource(set, "backups-logs-encryption"))).to.deep.equal([
                { urn: set.logs.urn, message: "the log bucket has no default encryption" },
            ]);
        });
    });

    describe(requireBucketAccessLogging.id, () => {
        it("passes logged buckets and the log bucket itself", () =>
            expect(checkStack(requireBucketAccessLogging, compliantBuckets().resources)).to.deep.equal([]));
        it("fails a bucket without BucketLogging", () => {
            const set = compliantBuckets();
            expect(checkStack(requireBucketAccessLogging, withoutResource(set, "backups-logging"))).to.deep.equal([
                { urn: set.data.urn, message: "the bucket has no BucketLogging" },
            ]);
        });
    });

    describe(requireBucketReplication.id, () => {
        it("passes a replicated bucket; the replica and the log bucket need no replication", () =>
            expect(checkStack(requireBucketReplication, compliantBuckets().resources)).to.deep.equal([]));
        it("fails a bucket without replication, or with a disabled rule", () => {
            const set = compliantBuckets();
            expect(checkStack(requireBucketReplication, withoutResource(set, "backups-replication")).map((v) => v.urn)).to.include(set.data.urn);
            expect(
                checkStack(
                    requireBucketReplication,
                    withProps(set, "backups-replication", (p) => (p.rules[0].status = "Disabled")),
                ).map((v) => v.urn),
            ).to.deep.equal([set.data.urn]);
        });
    });
});

const iam = (type: string, policy: unknown) => ({
    type,
    urn: urnOf(type, "backup-writer"),
    name: "backup-writer",
    props: { policy: typeof policy === "string" ? policy : JSON.stringify(policy) },
});
const LEAST = {
    Version: "2012-10-17",
    Statement: [
        { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: ["arn:aws:s3:::sophia-backups/*"] },
        { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::sophia-backups" },
        { Effect: "Deny", Action: "*", Resource: "*" },
    ],
};

describe(disallowIamWildcards.id, () => {
    for (const type of [AWS.iamPolicy, AWS.iamUserPolicy, AWS.iamRolePolicy, AWS.iamGroupPolicy]) {
        it(`passes a least-privilege ${type}`, () => expect(checkResource(disallowIamWildcards, iam(type, LEAST))).to.deep.equal([]));
        it(`fails a ${type} with a wildcard action or resource`, () => {
            expect(
                checkResource(disallowIamWildcards, iam(type, { Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }] })),
            ).to.deep.equal(["statement 0 allows wildcard action s3:*"]);
            expect(
                checkResource(disallowIamWildcards, iam(type, { Statement: [{ Sid: "All", Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }] })),
            ).to.deep.equal(['statement "All" allows wildcard resource *']);
            expect(
                checkResource(disallowIamWildcards, iam(type, { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*" }] })),
            ).to.have.length(1);
            expect(
                checkResource(disallowIamWildcards, iam(type, { Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }] })),
            ).to.have.length(1);
        });
    }
    it("reads structured documents and leaves unknown ones for the real preview", () => {
        expect(
            checkResource(disallowIamWildcards, {
                ...iam(AWS.iamPolicy, ""),
                props: { policy: { Statement: { Effect: "Allow", Action: "*", Resource: "*" } } },
            }),
        ).to.have.length(2);
        expect(checkResource(disallowIamWildcards, { ...iam(AWS.iamPolicy, ""), props: { policy: "[unknown]" } })).to.deep.equal([]);
    });
    it("checks the statements a preview knows, skipping unknown parts", () => {
        const document = {
            Statement: [
                { Sid: "Writes", Effect: "Allow", Action: ["s3:PutObject"], Resource: UNKNOWN },
                { Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: UNKNOWN },
                UNKNOWN,
                { Effect: UNKNOWN, Action: "*", Resource: "*" },
            ],
        };
        expect(checkResource(disallowIamWildcards, { ...iam(AWS.iamPolicy, ""), props: { policy: document } })).to.deep.equal([
            'statement "Everything" allows wildcard action s3:*',
        ]);
        expect(checkResource(disallowIamWildcards, { ...iam(AWS.iamPolicy, ""), props: { policy: { Statement: UNKNOWN } } })).to.deep.equal([]);
    });
});

describe(enforceKmsKeyRotation.id, () => {
    const key = (props: Obj) => ({ type: AWS.kmsKey, urn: urnOf(AWS.kmsKey, "k"), name: "k", props });
    it("passes a rotating key, fails one without rotation", () => {
        expect(checkResource(enforceKmsKeyRotation, key({ enableKeyRotation: true }))).to.deep.equal([]);
        expect(checkResource(enforceKmsKeyRotation, key({}))).to.deep.equal(["the key does not set enableKeyRotation: true"]);
        expect(checkResource(enforceKmsKeyRotation, key({ enableKeyRotation: false }))).to.have.length(1);
    });
    it("does not ask asymmetric keys to rotate (AWS cannot)", () => {
        expect(checkResource(enforceKmsKeyRotation, key({ customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }))).to.deep.equal([]);
    });
});
