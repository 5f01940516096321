import { JOBS_PREFIX } from "../../images/backup/src/layout";
import { bucketArn, objectsArn } from "../../stacks/backupNames";

/** An IAM policy document, as plain data. */
export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: string | Readonly<Record<string, string | readonly string[]>>;
    readonly Action: string | readonly string[];
    /** Absent only in a role's trust policy, where IAM forbids it. */
    readonly Resource?: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

const document = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/**
 * Refuses every request to the bucket that does not come over TLS. A bucket policy's Deny with
 * s3:* only ever takes rights away; identity policies never use wildcards.
 */
export function tlsOnlyStatement(bucket: string): Statement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn(bucket), objectsArn(bucket)],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

export function tlsOnlyPolicy(bucket: string): PolicyDocument {
    return document(tlsOnlyStatement(bucket));
}

/** A log bucket: TLS only, and S3's log delivery may write the logs of the named source buckets. */
export function logBucketPolicy(logBucket: string, sources: readonly { readonly bucket: string; readonly prefix: string }[]): PolicyDocument {
    return document(
        tlsOnlyStatement(logBucket),
        ...sources.map((s, i) => ({
            Sid: `AllowAccessLogDelivery${i}`,
            Effect: "Allow" as const,
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: objectsArn(logBucket, s.prefix),
            Condition: { ArnLike: { "aws:SourceArn": bucketArn(s.bucket) } },
        })),
    );
}

/**
 * The backup jobs: write and list under their own prefix, encrypt with the backup key. No read and
 * no delete: a stolen job key can neither exfiltrate nor destroy backups.
 */
export function writerPolicy(bucket: string, keyArn: string): PolicyDocument {
    return document(
        { Sid: "WriteBackups", Effect: "Allow", Action: "s3:PutObject", Resource: objectsArn(bucket, `${JOBS_PREFIX}/`) },
        {
            Sid: "ListOwnPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucketArn(bucket),
            Condition: { StringLike: { "s3:prefix": [`${JOBS_PREFIX}/`, `${JOBS_PREFIX}/*`] } },
        },
        { Sid: "EncryptWithBackupKey", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: keyArn },
    );
}

/** Operators restoring (members of the restorers group): read backups in either region, never write. */
export function restorerPolicy(buckets: readonly { readonly bucket: string; readonly keyArn: string }[]): PolicyDocument {
    return document(
        {
            Sid: "ReadBackups",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: buckets.map((b) => objectsArn(b.bucket, `${JOBS_PREFIX}/`)),
        },
        { Sid: "ListBackups", Effect: "Allow", Action: "s3:ListBucket", Resource: buckets.map((b) => bucketArn(b.bucket)) },
        { Sid: "DecryptBackups", Effect: "Allow", Action: "kms:Decrypt", Resource: buckets.map((b) => b.keyArn) },
    );
}

export const s3AssumeRolePolicy: PolicyDocument = document({
    Sid: "S3Replication",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sts:AssumeRole",
});

/** What S3 replication needs: read versions from the primary, write replicas, re-encrypt with the replica's key. */
export function replicationPolicy(args: {
    source: string;
    sourceKeyArn: string;
    sourceRegion: string;
    destination: string;
    destinationKeyArn: string;
    destinationRegion: string;
}): PolicyDocument {
    return document(
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: bucketArn(args.source) },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: objectsArn(args.source),
        },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: objectsArn(args.destination) },
        {
            Sid: "DecryptSource",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: args.sourceKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${args.sourceRegion}.amazonaws.com` } },
        },
        {
            Sid: "EncryptReplica",
            Effect: "Allow",
            Action: "kms:Encrypt",
            Resource: args.destinationKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${args.destinationRegion}.amazonaws.com` } },
        },
    );
}

/** What a key administrator may do: manage, rotate, tag and schedule deletion, never use the key. */
export const KEY_ADMIN_ACTIONS = [
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:ListGrants",
    "kms:RevokeGrant",
] as const;

/** What using the key for S3 server-side encryption takes. */
export const KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
] as const;

/**
 * An explicit key policy instead of AWS's default (the account root with kms:*): administrators
 * (the key-admin role) manage the key but cannot encrypt or decrypt with it; use is open only
 * through S3 in the key's region and only to principals of the account whose IAM policies grant it
 * (the writer role, the restorers group, the replication role). In a key policy "*" as Resource
 * means this key; IAM rejects any other value there.
 */
export function keyPolicy(args: { accountId: string; region: string; administrators: readonly string[] }): PolicyDocument {
    return document(
        { Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: [...args.administrators] }, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" },
        {
            Sid: "KeyUseThroughS3ForIamGrantedPrincipals",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${args.accountId}:root` },
            Action: [...KEY_USE_ACTIONS],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com`, "kms:CallerAccount": args.accountId } },
        },
    );
}

/** Who may assume the key-admin role: principals of the account that IAM lets (operators, the deploying CI role). */
export function accountTrustPolicy(accountId: string): PolicyDocument {
    return document({ Sid: "AccountPrincipalsGrantedByIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sts:AssumeRole" });
}

/** The account of an ARN (arn:aws:kms:<region>:<account>:key/<id>): the key's own ARN names it, so no live lookup is needed. */
export const accountOf = (arn: string): string => arn.split(":")[4] ?? "";
