// How the S3 bucket rules tell which bucket a companion resource configures, which bucket receives
// access logs and which one is a replication destination (policies/aws/buckets.ts), when the link is
// not a plain dependency on the bucket: a literal name or ARN, a parent, another resource's rules.
import { expect } from "chai";
import { AWS } from "../../policies/aws/buckets";
import { requireBucketReplication } from "../../policies/aws/requireBucketReplication";
import { requireBucketSseKms } from "../../policies/aws/requireBucketSseKms";
import { requireBucketVersioning } from "../../policies/aws/requireBucketVersioning";
import { UNKNOWN, type PolicyResource } from "../../policies/rule";
import { compliantBuckets, withProps, type BucketSet } from "./awsFixtures";
import { checkStack, urnOf } from "./fixtures";

type Obj = Record<string, any>;

const NO_VERSIONING = "the bucket has no BucketVersioning with status Enabled";
const NO_SSE_KMS = "the bucket has no default SSE-KMS encryption (BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms)";
const NO_REPLICATION = "the bucket has no enabled cross-region replication (BucketReplicationConfig)";

/** `resources` with the one named `name` replaced by what `change` makes of it. */
const changed = (resources: readonly PolicyResource[], name: string, change: (r: PolicyResource) => PolicyResource): PolicyResource[] =>
    resources.map((r) => (r.name === name ? change(r) : r));

/** The data bucket's encryption switched to SSE-S3, which only the log bucket may use. */
const sseS3 = (set: BucketSet) => withProps(set, "backups-encryption", (p) => (p.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" }));

describe("S3 companions linked to their bucket by name or ARN", () => {
    /** The data bucket with `bucketProps`, its versioning written as `bucket: value` with the given dependencies. */
    function literalVersioning(value: string, bucketProps: Obj, propertyDependencies: Record<string, string[]> = { bucket: [] }) {
        const set = compliantBuckets();
        const named = changed(set.resources, "backups", (r) => ({ ...r, props: bucketProps }));
        return { set, resources: changed(named, "backups-versioning", (r) => ({ ...r, propertyDependencies, props: { ...r.props, bucket: value } })) };
    }

    it("links a companion whose bucket property depends on nothing (an empty list) by the name or ARN it writes", () => {
        // The engine sends `bucket: []` for a literal; an empty list is no link by dependency, so the value decides.
        for (const value of ["sophia-backups", "arn:aws:s3:::sophia-backups"]) {
            const { resources } = literalVersioning(value, { bucket: "sophia-backups" });
            expect(checkStack(requireBucketVersioning, resources), value).to.deep.equal([]);
        }
    });

    it("does not link a companion written with another bucket's name or ARN", () => {
        for (const value of ["sophia-archive", "arn:aws:s3:::sophia-archive"]) {
            const { set, resources } = literalVersioning(value, { bucket: "sophia-backups" });
            expect(checkStack(requireBucketVersioning, resources), value).to.deep.equal([{ urn: set.data.urn, message: NO_VERSIONING }]);
        }
    });

    it("does not match a bucket without a usable name (auto-named, empty, unknown in a preview) to an ARN spelled from it", () => {
        const cases: [Obj, string][] = [
            [{}, "arn:aws:s3:::undefined"],
            [{ bucket: "" }, "arn:aws:s3:::"],
            [{ bucket: UNKNOWN }, `arn:aws:s3:::${UNKNOWN}`],
        ];
        for (const [bucketProps, value] of cases) {
            const { set, resources } = literalVersioning(value, bucketProps, {});
            expect(checkStack(requireBucketVersioning, resources), value).to.deep.equal([{ urn: set.data.urn, message: NO_VERSIONING }]);
        }
    });
});

describe("S3 log buckets: the targetBucket of a BucketLogging", () => {
    it("is not a bucket that another kind of resource takes as its targetBucket", () => {
        // A component shipping application logs into the data bucket does not make it the access-log bucket.
        const set = compliantBuckets();
        const type = "sophia:logs:Shipper";
        const shipper: PolicyResource = {
            type,
            urn: urnOf(type, "app-logs"),
            name: "app-logs",
            props: { targetBucket: "backups-id" },
            propertyDependencies: { targetBucket: [set.data.urn] },
        };
        expect(checkStack(requireBucketSseKms, [...sseS3(set), shipper])).to.deep.equal([{ urn: set.data.urn, message: NO_SSE_KMS }]);
    });

    it("is the bucket a logging names, not the bucket it is parented to", () => {
        // The logging sits under the bucket it logs (a component) and names the log bucket literally.
        const set = compliantBuckets();
        let resources = sseS3(set).filter((r) => r.name !== "backups-replica-logging");
        resources = changed(resources, "backups-logs", (r) => ({ ...r, props: { bucket: "sophia-logs" } }));
        resources = changed(resources, "backups-logging", (r) => ({
            ...r,
            parent: set.data.urn,
            propertyDependencies: { bucket: [set.data.urn] },
            props: { ...r.props, targetBucket: "sophia-logs" },
        }));
        // The data bucket still needs SSE-KMS; the log bucket, found by its name, keeps SSE-S3.
        expect(checkStack(requireBucketSseKms, resources)).to.deep.equal([{ urn: set.data.urn, message: NO_SSE_KMS }]);
    });
});

describe("S3 replication destinations", () => {
    /** The compliant set with the data bucket's replication rule disabled: the data bucket fails, unless taken for a destination. */
    const disabled = (set: BucketSet) => withProps(set, "backups-replication", (p) => (p.rules[0].status = "Disabled"));

    it("are not buckets another kind of resource depends on in its rules", () => {
        // The log bucket's lifecycle filters on a prefix built from the data bucket's name.
        const set = compliantBuckets();
        const resources = changed(disabled(set), "backups-logs-lifecycle", (r) => ({
            ...r,
            propertyDependencies: { ...r.propertyDependencies, rules: [set.data.urn] },
        }));
        expect(checkStack(requireBucketReplication, resources)).to.deep.equal([{ urn: set.data.urn, message: NO_REPLICATION }]);
    });

    it("are not the source bucket, even when its replication rules depend on it (a rule id built from its name)", () => {
        const set = compliantBuckets();
        const resources = changed(disabled(set), "backups-replication", (r) => ({
            ...r,
            propertyDependencies: { ...r.propertyDependencies, rules: [set.replica.urn, set.data.urn] },
        }));
        expect(checkStack(requireBucketReplication, resources)).to.deep.equal([{ urn: set.data.urn, message: NO_REPLICATION }]);
    });

    /** The replica with `replicaProps`, the replication's destination written as `destination`, its rules depending on nothing. */
    function literalDestination(replicaProps: Obj, destination: string) {
        const set = compliantBuckets();
        const named = changed(set.resources, "backups-replica", (r) => ({ ...r, props: replicaProps }));
        const resources = changed(named, "backups-replication", (r) => ({
            ...r,
            propertyDependencies: { bucket: [set.data.urn] },
            props: { ...r.props, rules: [{ id: "all", status: "Enabled", destination: { bucket: destination } }] },
        }));
        return { set, resources };
    }

    it("are found by the ARN the rules write when the rules depend on nothing", () => {
        const { resources } = literalDestination({ bucket: "sophia-replica", region: "eu-west-1" }, "arn:aws:s3:::sophia-replica");
        expect(checkStack(requireBucketReplication, resources)).to.deep.equal([]);
    });

    it("are not buckets without a usable name (auto-named, unknown in a preview) matched to an ARN spelled from it", () => {
        for (const [replicaProps, destination] of [
            [{ region: "eu-west-1" }, "arn:aws:s3:::undefined"],
            [{ region: "eu-west-1", bucket: UNKNOWN }, `arn:aws:s3:::${UNKNOWN}`],
        ] as [Obj, string][]) {
            const { set, resources } = literalDestination(replicaProps, destination);
            expect(checkStack(requireBucketReplication, resources), destination).to.deep.equal([{ urn: set.replica.urn, message: NO_REPLICATION }]);
        }
    });

    it("are not other named buckets the rules do not name", () => {
        const set = compliantBuckets();
        const archive: PolicyResource = { type: AWS.bucket, urn: urnOf(AWS.bucket, "archive"), name: "archive", props: { bucket: "sophia-archive" } };
        expect(checkStack(requireBucketReplication, [...set.resources, archive])).to.deep.equal([{ urn: archive.urn, message: NO_REPLICATION }]);
    });
});
