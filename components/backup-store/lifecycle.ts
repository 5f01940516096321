import type * as aws from "@pulumi/aws";
import { JOBS_PREFIX, kindPrefix } from "../../images/backup/src/layout";
import type { BackupSettings } from "../../stacks/settings";

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

/** Storage class fulls move to: restorable in milliseconds, so an old full still meets the RTO. */
export const COLD_STORAGE_CLASS = "GLACIER_IR";
/** Days a replaced or expired version lingers before it is gone (object lock may hold it longer). */
const NONCURRENT_DAYS = 1;

/**
 * Hourly backups expire after a short window; daily fulls move to cold storage and expire after
 * the stack's retention. The prefixes are the backup program's layout.
 */
export function backupLifecycleRules(b: Pick<BackupSettings, "retentionDays" | "coldStorageAfterDays" | "hourlyRetentionDays">): LifecycleRule[] {
    return [
        {
            id: "hourly-expire",
            status: "Enabled",
            filter: { prefix: kindPrefix(JOBS_PREFIX, "hourly") },
            expiration: { days: b.hourlyRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_DAYS },
        },
        {
            id: "full-cold-then-expire",
            status: "Enabled",
            filter: { prefix: kindPrefix(JOBS_PREFIX, "full") },
            transitions: [{ days: b.coldStorageAfterDays, storageClass: COLD_STORAGE_CLASS }],
            expiration: { days: b.retentionDays },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_DAYS },
        },
        ...housekeepingRules(),
    ];
}

/** Access logs: kept as long as the backups they describe, at least 90 days. */
export function accessLogLifecycleRules(b: Pick<BackupSettings, "retentionDays">): LifecycleRule[] {
    return [
        {
            id: "logs-expire",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: Math.max(90, b.retentionDays) },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_DAYS },
        },
        ...housekeepingRules(),
    ];
}

function housekeepingRules(): LifecycleRule[] {
    return [
        { id: "abort-incomplete-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
        { id: "remove-expired-delete-markers", status: "Enabled", filter: { prefix: "" }, expiration: { expiredObjectDeleteMarker: true } },
    ];
}

/** ECR lifecycle policy: untagged images go after some days, and only the newest tagged ones stay. */
export function imageLifecyclePolicy(retention: NonNullable<BackupSettings["imageRetention"]>): object {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${retention.untaggedDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: retention.untaggedDays },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the newest ${retention.keepTagged} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: retention.keepTagged },
                action: { type: "expire" },
            },
        ],
    };
}
