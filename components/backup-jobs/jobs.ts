import type { BackupKind, BackupTarget } from "../../images/backup/src/layout";
import { version as BACKUP_IMAGE_VERSION } from "../../images/backup/package.json";
import type { Resources } from "../../catalog/schema";
import type { ScheduledJobSpec, SecretHandle, WorkloadSpec } from "../platform/types";

export { BACKUP_IMAGE_VERSION };

/** The backup image (images/backup) in a stack's registry: the backup jobs and a failover's restore run it. */
export const backupImage = (registry: string): string => `${registry}/sophia-backup:${BACKUP_IMAGE_VERSION}`;

/** Label every backup job carries: the workload it backs up (policies check every stateful one has one). */
export const BACKUP_OF_LABEL = "sophia.ai/backup-of";
export const PUSHGATEWAY_PORT = 9091;
export const PUSHGATEWAY_IMAGE = "docker.io/prom/pushgateway:v1.9.0";

const JOB_RESOURCES: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/** A service to back up: which program path handles it, the workload it is, and how to reach it. */
export interface BackupSubject {
    readonly target: BackupTarget;
    /** The stateful workload's name. */
    readonly workload: string;
    readonly env: Readonly<Record<string, string>>;
    readonly secretEnv?: ScheduledJobSpec["secretEnv"];
}

export interface BackupJobSettings {
    readonly image: string;
    readonly bucket: string;
    readonly region: string;
    readonly fullBackupHour: number;
    readonly pushgatewayUrl: string;
    readonly credentials: SecretHandle;
}

/** Daily full at the configured hour, hourly on the half hour (never together with the full). */
export function backupSchedule(kind: BackupKind, fullBackupHour: number): string {
    return kind === "full" ? `0 ${fullBackupHour} * * *` : "30 * * * *";
}

export function backupJobName(subject: BackupSubject, kind: BackupKind): string {
    return `backup-${subject.workload}-${kind}`;
}

/** One scheduled backup of one service: the job image's backup program, configured by environment. */
export function backupJob(subject: BackupSubject, kind: BackupKind, s: BackupJobSettings): ScheduledJobSpec {
    return {
        name: backupJobName(subject, kind),
        group: "backup",
        image: s.image,
        schedule: backupSchedule(kind, s.fullBackupHour),
        command: ["node", "/app/backup.js"],
        env: {
            ...subject.env,
            BACKUP_TARGET: subject.target,
            BACKUP_KIND: kind,
            BACKUP_BUCKET: s.bucket,
            AWS_REGION: s.region,
            PUSHGATEWAY_URL: s.pushgatewayUrl,
        },
        secretEnv: [
            { env: "AWS_ACCESS_KEY_ID", secret: s.credentials, key: "BACKUP_AWS_ACCESS_KEY_ID" },
            { env: "AWS_SECRET_ACCESS_KEY", secret: s.credentials, key: "BACKUP_AWS_SECRET_ACCESS_KEY" },
            ...(subject.secretEnv ?? []),
        ],
        // The backup program reads every secret from <NAME>_FILE (images/backup/src/environment.ts).
        secretsAsFiles: true,
        resources: JOB_RESOURCES,
        connectsTo: ["data", "backup"],
        // The S3 endpoints of the bucket's region (virtual-hosted and path style).
        outbound: [`${s.bucket}.s3.${s.region}.amazonaws.com`, `s3.${s.region}.amazonaws.com`],
        labels: { [BACKUP_OF_LABEL]: subject.workload, "sophia.ai/backup-kind": kind, "app.kubernetes.io/component": "backup" },
    };
}

/**
 * Where jobs report their successes. Prometheus scrapes it as any workload, without honor_labels:
 * the job and instance a job pushed become exported_job and exported_instance, and the freshness
 * rules read only the `target` label each push carries (freshnessRule.ts).
 */
export function pushgatewayWorkload(): WorkloadSpec {
    return {
        name: "pushgateway",
        group: "backup",
        image: PUSHGATEWAY_IMAGE,
        ports: [{ name: "http", port: PUSHGATEWAY_PORT }],
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        replicas: 1,
        // Stryker disable next-line StringLiteral: the Pushgateway's page at / answers 200 too while it serves; /-/healthy is its documented health endpoint
        health: { path: "/-/healthy", port: "http" },
        // Stryker disable next-line StringLiteral: Prometheus takes the path label only when it is not empty (scrape.ts), and /metrics is its default
        metrics: { path: "/metrics", port: "http" },
        labels: { "app.kubernetes.io/component": "pushgateway" },
        ingress: [
            { from: "backup", ports: ["http"] },
            { from: "monitoring", ports: ["http"] },
        ],
        runAsUser: 65534,
    };
}
