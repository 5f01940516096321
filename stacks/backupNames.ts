/** What a bucket is for: its `sophia.ai/role` tag (docs/03-architecture/backups.md), which tells the buckets apart in the console and in plans. */
export type BucketRole = "backups" | "backup-replica" | "access-logs";

export const ROLE_TAG = "sophia.ai/role";

export interface BackupNames {
    readonly primaryBucket: string;
    readonly replicaBucket: string;
    /** Access logs land in the source bucket's region: S3 requires it. */
    readonly primaryLogBucket: string;
    readonly replicaLogBucket: string;
    /** The IAM user the backup jobs' access key belongs to (rotated through ESC). */
    readonly writerUser: string;
    /** The IAM group operators join to read backups during a restore. */
    readonly restorerGroup: string;
    /** The group the writer user belongs to; the write grant is attached to it, not to the user. */
    readonly writerGroup: string;
    /** The IAM user a failover's restore job reads another stack's replica with (rotated through ESC). */
    readonly restoreReaderUser: string;
    /** Its group, which holds its read-only grant. */
    readonly restoreReaderGroup: string;
    /** The role that administers the backup keys (and cannot use them). */
    readonly keyAdminRole: string;
    readonly replicationRole: string;
    readonly keyAlias: string;
}

/**
 * Deterministic names: the runbook, the ESC key rotator and the IAM policies refer to them, and S3
 * bucket ARNs hold neither account nor region (arn:aws:s3:::<name>), so policies need no lookups.
 */
export function backupNames(environment: string, backup: { readonly region: string; readonly replicaRegion: string }): BackupNames {
    const base = `sophia-${environment}`;
    return {
        primaryBucket: `${base}-backups-${backup.region}`,
        replicaBucket: `${base}-backups-replica-${backup.replicaRegion}`,
        primaryLogBucket: `${base}-access-logs-${backup.region}`,
        replicaLogBucket: `${base}-access-logs-${backup.replicaRegion}`,
        writerUser: `${base}-backup-writer`,
        restorerGroup: `${base}-backup-restorers`,
        writerGroup: `${base}-backup-writers`,
        restoreReaderUser: `${base}-restore-reader`,
        restoreReaderGroup: `${base}-restore-readers`,
        keyAdminRole: `${base}-backup-key-admin`,
        replicationRole: `${base}-backup-replication`,
        keyAlias: `alias/${base}-backups`,
    };
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectsArn = (bucket: string, prefix = ""): string => `arn:aws:s3:::${bucket}/${prefix}*`;
