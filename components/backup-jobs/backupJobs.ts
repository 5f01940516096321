import * as pulumi from "@pulumi/pulumi";
import { BACKUP_KINDS } from "../../images/backup/src/layout";
import type { PostgresConnection } from "../postgres";
import type { Platform, ScheduledJobSpec } from "../platform/types";
import type { RedisCredentials } from "../redis";
import { backupImage, backupJob, BackupSubject, PUSHGATEWAY_PORT, pushgatewayWorkload } from "./jobs";

export interface BackupJobsArgs {
    readonly platform: Platform;
    /** Registry the backup image is pulled from: <registry>/sophia-backup:<version>. */
    readonly registry: string;
    readonly bucket: string;
    readonly region: string;
    readonly fullBackupHour: number;
    /** The writer's access key (ESC-rotated), as secrets. */
    readonly accessKeyId: pulumi.Input<string>;
    readonly secretAccessKey: pulumi.Input<string>;
    readonly postgres: PostgresConnection;
    /** The Redis workload and its backup user. */
    readonly redis: { readonly workload: string; readonly credentials: RedisCredentials };
    /** What must be ready before the jobs are scheduled: a failover's restore, so no backup races it. */
    readonly after?: readonly pulumi.Resource[];
}

/** A daily full and an hourly backup of every stateful service, and the Pushgateway they report to. */
export class BackupJobs extends pulumi.ComponentResource {
    readonly jobs: readonly ScheduledJobSpec[];

    constructor(name: string, args: BackupJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:BackupJobs", name, {}, opts);
        const { platform } = args;
        // Secrets are per group (a namespace on Kubernetes): the jobs get their own copies.
        const credentials = platform.secret(
            `${name}-aws`,
            "backup",
            { BACKUP_AWS_ACCESS_KEY_ID: args.accessKeyId, BACKUP_AWS_SECRET_ACCESS_KEY: args.secretAccessKey },
            this,
        );
        const pg = platform.secret(`${name}-postgres`, "backup", { PGPASSWORD: args.postgres.password }, this);
        const redis = args.redis.credentials;
        const redisAuth = platform.secret(`${name}-redis`, "backup", { REDIS_PASSWORD: redis.password }, this);
        const pushgateway = platform.workload(pushgatewayWorkload(), this);
        const subjects: BackupSubject[] = [
            {
                target: "postgres",
                workload: args.postgres.workload,
                env: { PGHOST: args.postgres.address, PGPORT: String(args.postgres.port), PGUSER: args.postgres.user },
                secretEnv: [{ env: "PGPASSWORD", secret: pg, key: "PGPASSWORD" }],
            },
            {
                target: "redis",
                workload: args.redis.workload,
                // The backup program logs in as REDIS_USERNAME with the password REDIS_PASSWORD_FILE names.
                env: { REDIS_URL: `redis://${redis.address}:${redis.port}`, REDIS_USERNAME: redis.username },
                secretEnv: [{ env: "REDIS_PASSWORD", secret: redisAuth, key: "REDIS_PASSWORD" }],
            },
        ];
        const settings = {
            image: backupImage(args.registry),
            bucket: args.bucket,
            region: args.region,
            fullBackupHour: args.fullBackupHour,
            pushgatewayUrl: `http://${pushgateway.address}:${PUSHGATEWAY_PORT}`,
            credentials,
        };
        this.jobs = subjects.flatMap((subject) => BACKUP_KINDS.map((kind) => backupJob(subject, kind, settings)));
        for (const job of this.jobs) platform.scheduledJob({ ...job, after: args.after }, this);
        this.registerOutputs({ jobs: this.jobs.map((j) => ({ name: j.name, schedule: j.schedule })) });
    }
}
