import type { Resources } from "../../catalog/schema";
import type { SecretHandle, WorkloadSpec } from "../platform/types";

export const POSTGRES_PORT = 5432;
export const POSTGRES_IMAGE = "docker.io/library/postgres:15.10-bookworm";
export const POSTGRES_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.16.0";
/** The postgres user of the official image; its data directory must belong to it. */
const POSTGRES_UID = 999;

export interface PostgresSettings {
    readonly name: string;
    readonly user: string;
    readonly database: string;
    /**
     * Whether the server creates `database` on its first start. A stack that restores leaves it to
     * the restore, which loads every database of the backup and refuses one that exists.
     */
    readonly createDatabase: boolean;
    readonly storageSize: string;
    readonly resources: Resources;
}

export const DEFAULT_POSTGRES: PostgresSettings = {
    name: "postgres",
    user: "sophia",
    database: "sophia",
    createDatabase: true,
    storageSize: "20Gi",
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
};

/** PostgreSQL for the platform's metadata: one replica on a persistent volume, reachable from its clients only. */
export function postgresWorkload(s: PostgresSettings, credentials: SecretHandle): WorkloadSpec {
    return {
        name: s.name,
        group: "data",
        image: POSTGRES_IMAGE,
        ports: [{ name: "postgres", port: POSTGRES_PORT }],
        // The image creates POSTGRES_DB unless it is "postgres", which always exists.
        env: { POSTGRES_USER: s.user, POSTGRES_DB: s.createDatabase ? s.database : "postgres", PGDATA: "/var/lib/postgresql/data/pgdata" },
        secretEnv: [{ env: "POSTGRES_PASSWORD", secret: credentials, key: "POSTGRES_PASSWORD" }],
        // The image reads POSTGRES_PASSWORD_FILE.
        secretsAsFiles: true,
        volumes: [
            { name: "data", mountPath: "/var/lib/postgresql/data", persistent: true, size: s.storageSize },
            // The socket directory; the root filesystem is read-only.
            { name: "run", mountPath: "/var/run/postgresql", persistent: false },
        ],
        resources: s.resources,
        replicas: 1,
        healthCommand: ["pg_isready", "--host=127.0.0.1", `--port=${POSTGRES_PORT}`, `--username=${s.user}`],
        labels: { "app.kubernetes.io/component": "database", "app.kubernetes.io/version": POSTGRES_IMAGE.split(":")[1] },
        ingress: [
            { from: "data", ports: ["postgres"] },
            { from: "backup", ports: ["postgres"] },
            { from: "mcp", ports: ["postgres"] },
        ],
        runAsUser: POSTGRES_UID,
    };
}

/** postgres_exporter, its own workload (a workload has one container), scraped by Prometheus. */
export function postgresExporterWorkload(s: PostgresSettings, address: string, credentials: SecretHandle): WorkloadSpec {
    return {
        name: `${s.name}-exporter`,
        group: "data",
        image: POSTGRES_EXPORTER_IMAGE,
        ports: [{ name: "metrics", port: 9187 }],
        env: { DATA_SOURCE_URI: `${address}:${POSTGRES_PORT}/${s.database}?sslmode=disable`, DATA_SOURCE_USER: s.user },
        secretEnv: [{ env: "DATA_SOURCE_PASS", secret: credentials, key: "POSTGRES_PASSWORD" }],
        // The exporter reads DATA_SOURCE_PASS_FILE.
        secretsAsFiles: true,
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        replicas: 1,
        // Stryker disable next-line StringLiteral: an empty path asks for / too (the probe's and the Swarm check's URL end at the port)
        health: { path: "/", port: "metrics" },
        // Stryker disable next-line StringLiteral: Prometheus takes the path label only when it is not empty (scrape.ts), and /metrics is its default
        metrics: { path: "/metrics", port: "metrics" },
        labels: { "app.kubernetes.io/component": "exporter", "sophia.ai/exports": s.name },
        ingress: [{ from: "monitoring", ports: ["metrics"] }],
        connectsTo: ["data"],
        runAsUser: 65534,
    };
}
