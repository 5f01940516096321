import type { Resources } from "../../catalog/schema";
import type { JobSpec, SecretHandle } from "../platform/types";

/** Label of the restore job: the workload it brings back (as backup jobs carry `sophia.ai/backup-of`). */
export const RESTORE_OF_LABEL = "sophia.ai/restore-of";

const RESTORE_RESOURCES: Resources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } };

export interface RestoreJobSettings {
    /** The backup image, which holds the restore program (images/backup/src/restore.ts). */
    readonly image: string;
    readonly bucket: string;
    readonly region: string;
    /** The restore reader's access key (keys RESTORE_AWS_ACCESS_KEY_ID, RESTORE_AWS_SECRET_ACCESS_KEY). */
    readonly credentials: SecretHandle;
    readonly postgres: {
        readonly workload: string;
        readonly address: string;
        readonly port: number;
        readonly user: string;
        /** Holds PGPASSWORD. */
        readonly password: SecretHandle;
    };
}

/**
 * Restores every database of the newest complete PostgreSQL backup in the bucket (hourly or full):
 * `node restore.js --target postgres`, configured by environment like the backup jobs. The program
 * refuses to overwrite a database that exists, so a second run can never replace live data.
 */
export function restoreJob(s: RestoreJobSettings): JobSpec {
    return {
        name: `restore-${s.postgres.workload}`,
        group: "backup",
        image: s.image,
        command: ["node", "/app/restore.js", "--target", "postgres"],
        env: {
            PGHOST: s.postgres.address,
            PGPORT: String(s.postgres.port),
            PGUSER: s.postgres.user,
            BACKUP_BUCKET: s.bucket,
            AWS_REGION: s.region,
        },
        secretEnv: [
            { env: "AWS_ACCESS_KEY_ID", secret: s.credentials, key: "RESTORE_AWS_ACCESS_KEY_ID" },
            { env: "AWS_SECRET_ACCESS_KEY", secret: s.credentials, key: "RESTORE_AWS_SECRET_ACCESS_KEY" },
            { env: "PGPASSWORD", secret: s.postgres.password, key: "PGPASSWORD" },
        ],
        // The restore program reads every secret from <NAME>_FILE (images/backup/src/environment.ts).
        secretsAsFiles: true,
        resources: RESTORE_RESOURCES,
        connectsTo: ["data"],
        // The source bucket's S3 endpoints (virtual-hosted and path style), nothing else.
        outbound: [`${s.bucket}.s3.${s.region}.amazonaws.com`, `s3.${s.region}.amazonaws.com`],
        labels: { [RESTORE_OF_LABEL]: s.postgres.workload, "app.kubernetes.io/component": "restore" },
    };
}
