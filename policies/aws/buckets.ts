import { UNKNOWN, type PolicyResource, type StackRule } from "../rule";
import { awsProps, type PolicyDocument } from "../shapes";

/** Type tokens as @pulumi/aws 7 registers them. */
export const AWS = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
    replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    kmsKey: "aws:kms/key:Key",
    iamPolicy: "aws:iam/policy:Policy",
    iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
} as const;

/**
 * True when `companion.props[property]` (one bucket's id, name or ARN) designates `bucket`. Decided
 * by URN, as the engine knows it before any value is: the property's dependencies (bucket.id,
 * bucket.arn) when it has them, since its value comes from those; else a companion parented to its
 * bucket; only without either, by the value written out. A value a preview cannot know relates to nothing.
 */
export function refersTo(companion: PolicyResource, property: string, bucket: PolicyResource): boolean {
    const dependencies = companion.propertyDependencies?.[property];
    if (dependencies && dependencies.length > 0) return dependencies.includes(bucket.urn);
    if (property === "bucket" && companion.parent === bucket.urn) return true;
    const value = companion.props?.[property];
    if (typeof value !== "string" || value === "" || value === UNKNOWN) return false;
    const names = [awsProps(bucket).bucket, awsProps(bucket).id].filter((n): n is string => typeof n === "string" && n !== "" && n !== UNKNOWN);
    return names.some((n) => value === n || value === `arn:aws:s3:::${n}`);
}

/** The companion resources of `type` that configure `bucket`. */
export function companionsOf(resources: readonly PolicyResource[], type: string, bucket: PolicyResource): PolicyResource[] {
    return resources.filter((r) => r.type === type && refersTo(r, "bucket", bucket));
}

/** Buckets that receive other buckets' access logs (they cannot log to themselves or use SSE-KMS). */
export function isLogTarget(resources: readonly PolicyResource[], bucket: PolicyResource): boolean {
    return resources.some((r) => r.type === AWS.logging && refersTo(r, "targetBucket", bucket));
}

/** Buckets that are the destination of another bucket's replication (its rules depend on the bucket, or name its ARN). */
export function isReplicaDestination(resources: readonly PolicyResource[], bucket: PolicyResource): boolean {
    return resources.some((r) => r.type === AWS.replication && !refersTo(r, "bucket", bucket) && replicatesTo(r, bucket));
}

/** The rules hold more than the destination (KMS keys, filters): a destination named literally is found by its ARN. */
function replicatesTo(replication: PolicyResource, bucket: PolicyResource): boolean {
    if (replication.propertyDependencies?.rules?.includes(bucket.urn)) return true;
    const name = awsProps(bucket).bucket;
    // Stryker disable next-line ArrayDeclaration: any fallback list without a bucket ARN reads the same: it names no bucket
    return typeof name === "string" && name !== UNKNOWN && JSON.stringify(awsProps(replication).rules ?? []).includes(`"arn:aws:s3:::${name}"`);
}

/** A stack rule checking each bucket against its companions; `problem` returns the message or undefined. */
export function bucketRule(
    meta: Omit<StackRule, "kind" | "check">,
    problem: (bucket: PolicyResource, resources: readonly PolicyResource[], config: Readonly<Record<string, unknown>>) => string | undefined,
): StackRule {
    return {
        ...meta,
        kind: "stack",
        check(resources, context) {
            return resources
                .filter((r) => r.type === AWS.bucket)
                .flatMap((bucket) => {
                    const message = problem(bucket, resources, context.config);
                    return message ? [{ urn: bucket.urn, message }] : [];
                });
        },
    };
}

/** A policy document as an object, whether the input is JSON text or already structured; undefined when unknown. */
export function policyDocument(value: unknown): PolicyDocument | undefined {
    if (value && typeof value === "object") return value;
    if (typeof value !== "string") return undefined;
    try {
        return JSON.parse(value) as PolicyDocument;
    } catch {
        return undefined;
    }
}

/** A value the provider accepts as one item or a list, as a list. */
export const asList = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : isList(value) ? value : [value]);
const isList = <T>(value: T | readonly T[]): value is readonly T[] => Array.isArray(value);
