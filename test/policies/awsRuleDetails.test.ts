// The AWS rules' finer points: the exact messages a user reads, the settings each rule accepts, and
// the shapes of real inputs (null entries in lists, principals and actions written as lists).
import { expect } from "chai";
import { AWS } from "../../policies/aws/buckets";
import { disallowIamWildcards } from "../../policies/aws/disallowIamWildcards";
import { enforceBucketOwnerEnforced } from "../../policies/aws/enforceBucketOwnerEnforced";
import { enforceKmsKeyRotation } from "../../policies/aws/enforceKmsKeyRotation";
import { requireBucketLifecycle } from "../../policies/aws/requireBucketLifecycle";
import { requireBucketPublicAccessBlock } from "../../policies/aws/requireBucketPublicAccessBlock";
import { requireBucketReplication } from "../../policies/aws/requireBucketReplication";
import { requireBucketSseKms } from "../../policies/aws/requireBucketSseKms";
import { requireBucketTlsOnlyPolicy } from "../../policies/aws/requireBucketTlsOnlyPolicy";
import { compliantBuckets, withoutResource, withProps } from "./awsFixtures";
import { checkResource, checkStack, urnOf } from "./fixtures";

type Obj = Record<string, any>;

describe(`${disallowIamWildcards.id}: which resources and statements it flags`, () => {
    /** An IAM policy whose document is `document`, as JSON text (JSON.stringify writes an omitted statement as null). */
    const policy = (document: unknown) => ({
        type: AWS.iamPolicy,
        urn: urnOf(AWS.iamPolicy, "backup-writer"),
        name: "backup-writer",
        props: { policy: JSON.stringify(document) },
    });
    const allowing = (statement: Obj) => policy({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", ...statement }] });

    it("flags every resource of a regional service, with the region and account written out", () => {
        const arn = "arn:aws:sqs:eu-west-1:123456789012:*";
        expect(checkResource(disallowIamWildcards, allowing({ Resource: arn }))).to.deep.equal([`statement 0 allows wildcard resource ${arn}`]);
    });

    it("flags every bucket's objects, arn:aws:s3:::*/*", () => {
        expect(checkResource(disallowIamWildcards, allowing({ Resource: "arn:aws:s3:::*/*" }))).to.deep.equal([
            "statement 0 allows wildcard resource arn:aws:s3:::*/*",
        ]);
    });

    it("passes narrower patterns: a prefix inside one bucket that quotes an ARN, a name pattern in one account", () => {
        const resources = ["arn:aws:s3:::sophia-backups/exports/arn:aws:rds:eu-west-1:123456789012:*", "arn:aws:sqs:eu-west-1:123456789012:*-backup-jobs"];
        expect(checkResource(disallowIamWildcards, allowing({ Resource: resources }))).to.deep.equal([]);
    });

    it("says what NotAction and NotResource allow", () => {
        expect(checkResource(disallowIamWildcards, policy({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }] }))).to.deep.equal(
            ["statement 0 allows everything but NotAction"],
        );
        expect(checkResource(disallowIamWildcards, allowing({ Sid: "Rest", NotResource: "arn:aws:s3:::b" }))).to.deep.equal([
            'statement "Rest" applies to everything but NotResource',
        ]);
    });

    it("skips null statements and checks the others", () => {
        // `Statement: [base, extra ? grant : undefined]` serialises the omitted statement as null.
        const document = { Statement: [undefined, { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" }] };
        expect(checkResource(disallowIamWildcards, policy(document))).to.deep.equal(["statement 1 allows wildcard action s3:*"]);
        expect(checkResource(disallowIamWildcards, policy({ Statement: null }))).to.deep.equal([]);
    });
});

describe(`${enforceKmsKeyRotation.id}: key specs`, () => {
    const key = (props: Obj) => ({ type: AWS.kmsKey, urn: urnOf(AWS.kmsKey, "k"), name: "k", props });

    it("asks a key that names the symmetric spec explicitly to rotate", () => {
        expect(checkResource(enforceKmsKeyRotation, key({ customerMasterKeySpec: "SYMMETRIC_DEFAULT" }))).to.deep.equal([
            "the key does not set enableKeyRotation: true",
        ]);
        expect(checkResource(enforceKmsKeyRotation, key({ customerMasterKeySpec: "SYMMETRIC_DEFAULT", enableKeyRotation: true }))).to.deep.equal([]);
    });
});

describe(`${enforceBucketOwnerEnforced.id}: canned ACLs`, () => {
    it("accepts the canned ACL private, the one ACL a bucket with BucketOwnerEnforced keeps", () => {
        expect(
            checkStack(
                enforceBucketOwnerEnforced,
                withProps(compliantBuckets(), "backups", (p) => (p.acl = "private")),
            ),
        ).to.deep.equal([]);
    });
});

describe(`${requireBucketPublicAccessBlock.id}: its messages`, () => {
    it("says the bucket has no block when it has none", () => {
        const set = compliantBuckets();
        expect(checkStack(requireBucketPublicAccessBlock, withoutResource(set, "backups-public-access"))).to.deep.equal([
            { urn: set.data.urn, message: "the bucket has no BucketPublicAccessBlock" },
        ]);
    });

    it("lists every setting the block leaves off", () => {
        const set = compliantBuckets();
        const resources = withProps(set, "backups-public-access", (p) => {
            p.blockPublicAcls = false;
            delete p.restrictPublicBuckets;
        });
        expect(checkStack(requireBucketPublicAccessBlock, resources)).to.deep.equal([
            { urn: set.data.urn, message: "the bucket's public access block leaves blockPublicAcls, restrictPublicBuckets off" },
        ]);
    });

    it("fails a bucket with a second, partial block: AWS keeps whichever block is applied last", () => {
        const set = compliantBuckets();
        const full = set.resources.find((r) => r.name === "backups-public-access")!;
        const partial = {
            ...full,
            name: "backups-public-access-2",
            urn: urnOf(full.type, "backups-public-access-2"),
            props: { ...full.props, ignorePublicAcls: false },
        };
        expect(checkStack(requireBucketPublicAccessBlock, [...set.resources, partial])).to.deep.equal([
            { urn: set.data.urn, message: "the bucket's public access block leaves ignorePublicAcls off" },
        ]);
    });
});

describe("S3 companion rules: one enabled rule among several, and null entries", () => {
    const CASES = [
        { rule: requireBucketLifecycle, companion: "backups-lifecycle" },
        { rule: requireBucketReplication, companion: "backups-replication" },
    ];
    for (const { rule, companion } of CASES) {
        it(`${rule.id} passes a bucket whose ${companion} has a disabled rule next to an enabled one`, () => {
            const resources = withProps(compliantBuckets(), companion, (p) => (p.rules = [{ ...p.rules[0], id: "old", status: "Disabled" }, ...p.rules]));
            expect(checkStack(rule, resources)).to.deep.equal([]);
        });
        it(`${rule.id} reads past a null entry in ${companion}'s rules`, () => {
            expect(
                checkStack(
                    rule,
                    withProps(compliantBuckets(), companion, (p) => (p.rules = [null, ...p.rules])),
                ),
            ).to.deep.equal([]);
        });
    }
    it(`${requireBucketSseKms.id} reads past a null entry in the encryption rules`, () => {
        expect(
            checkStack(
                requireBucketSseKms,
                withProps(compliantBuckets(), "backups-encryption", (p) => (p.rules = [null, ...p.rules])),
            ),
        ).to.deep.equal([]);
    });
});

describe(`${requireBucketSseKms.id}: algorithms`, () => {
    const algorithm = (sseAlgorithm: string) => (p: Obj) => (p.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm, kmsMasterKeyId: "k" });

    it("accepts dual-layer SSE-KMS (aws:kms:dsse) on a data bucket", () => {
        expect(checkStack(requireBucketSseKms, withProps(compliantBuckets(), "backups-encryption", algorithm("aws:kms:dsse")))).to.deep.equal([]);
    });

    it("fails a log bucket under SSE-KMS, to which S3 cannot deliver access logs", () => {
        for (const sseAlgorithm of ["aws:kms", "aws:kms:dsse"]) {
            const set = compliantBuckets();
            expect(checkStack(requireBucketSseKms, withProps(set, "backups-logs-encryption", algorithm(sseAlgorithm))), sseAlgorithm).to.deep.equal([
                { urn: set.logs.urn, message: "the log bucket encrypts with SSE-KMS, under which S3 cannot deliver access logs: use SSE-S3 (AES256)" },
            ]);
        }
    });
});

describe(`${requireBucketTlsOnlyPolicy.id}: principals and actions of the deny`, () => {
    const NO_TLS_DENY = "the bucket has no policy denying requests without TLS";
    /** The data bucket's policy holding the TLS deny with `change` applied. */
    const denying = (change: Obj) =>
        withProps(compliantBuckets(), "backups-policy", (p) => {
            const statement = { ...JSON.parse(p.policy).Statement[0], ...change };
            p.policy = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
        });
    const dataUrn = compliantBuckets().data.urn;

    it("counts a deny for every AWS principal, written {AWS: '*'} or {AWS: ['*']}", () => {
        for (const Principal of [{ AWS: "*" }, { AWS: ["*"] }])
            expect(checkStack(requireBucketTlsOnlyPolicy, denying({ Principal })), JSON.stringify(Principal)).to.deep.equal([]);
    });

    it("does not count a deny for one account only", () => {
        expect(checkStack(requireBucketTlsOnlyPolicy, denying({ Principal: { AWS: "arn:aws:iam::123456789012:root" } }))).to.deep.equal([
            { urn: dataUrn, message: NO_TLS_DENY },
        ]);
    });

    it("counts a deny of every action: * or s3:* alone or among others", () => {
        for (const Action of ["*", ["s3:GetObject", "s3:*"]])
            expect(checkStack(requireBucketTlsOnlyPolicy, denying({ Action })), JSON.stringify(Action)).to.deep.equal([]);
    });

    it("does not count a deny of some actions only", () => {
        for (const Action of ["s3:PutObject", ["s3:PutObject", "s3:GetObject"]])
            expect(checkStack(requireBucketTlsOnlyPolicy, denying({ Action })), JSON.stringify(Action)).to.deep.equal([{ urn: dataUrn, message: NO_TLS_DENY }]);
    });
});
