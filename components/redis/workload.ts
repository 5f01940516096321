import type { Resources } from "../../catalog/schema";
import { memoryBytes } from "../platform/quantity";
import { secretPath } from "../platform/swarm/service";
import type { SecretHandle, WorkloadSpec } from "../platform/types";
import { PLATFORM_USERS } from "./acl";

export const REDIS_PORT = 6379;
export const REDIS_IMAGE = "docker.io/library/redis:7.2.5-bookworm";
export const REDIS_EXPORTER_IMAGE = "docker.io/oliver006/redis_exporter:v1.62.0";
const REDIS_UID = 999;

export interface RedisSettings {
    readonly name: string;
    readonly storageSize: string;
    readonly resources: Resources;
}

export const DEFAULT_REDIS: RedisSettings = {
    name: "redis",
    storageSize: "5Gi",
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
};

/** Redis evicts before the container's memory limit kills it: 80% of the limit for data. */
export function maxMemoryBytes(resources: Resources): number {
    return Math.floor(memoryBytes(resources.limits.memory) * 0.8);
}

/** The keys of the Redis component's secret (the data group's), each handed over as a file. */
export const REDIS_SECRET_KEYS = {
    /** The ACL file Redis loads at start (`aclfile`). */
    acl: "REDIS_ACL",
    /** The admin user's password, for the health check. */
    adminPassword: "REDIS_ADMIN_PASSWORD",
    /** redis_exporter's password file: JSON, the Redis address → the exporter user's password. */
    exporterPasswords: "REDIS_EXPORTER_PASSWORDS",
} as const;

/**
 * The health check: PING as the admin user, its password read from the file the workload's
 * REDIS_ADMIN_PASSWORD_FILE names (REDISCLI_AUTH keeps it out of the command line). Anonymous
 * clients are refused, so a plain `redis-cli ping` would only prove that Redis answers.
 */
export function redisHealthCommand(port: number): string[] {
    const passwordFile = `$${REDIS_SECRET_KEYS.adminPassword}_FILE`;
    return [
        "sh",
        "-c",
        `REDISCLI_AUTH="$(cat "${passwordFile}")" redis-cli --no-auth-warning --user ${PLATFORM_USERS.admin} -h 127.0.0.1 -p ${port} ping | grep -qx PONG`,
    ];
}

/**
 * The servers' cache: Redis with RDB snapshots and an append-only file on a persistent volume.
 * Who may log in is the ACL file of `auth` (no `default` user); `aclUsers` lists those users'
 * names in the environment, so that a change of users restarts Redis, which reads its ACL file only
 * at start (a Kubernetes Secret changes in place; a docker secret is replaced and restarts it anyway).
 */
export function redisWorkload(s: RedisSettings, auth: SecretHandle, aclUsers: readonly string[]): WorkloadSpec {
    return {
        name: s.name,
        group: "data",
        image: REDIS_IMAGE,
        command: ["redis-server"],
        args: [
            "--aclfile",
            secretPath(REDIS_SECRET_KEYS.acl),
            "--dir",
            "/data",
            "--appendonly",
            "yes",
            "--save",
            "3600 1 300 100 60 10000",
            "--maxmemory",
            String(maxMemoryBytes(s.resources)),
            "--maxmemory-policy",
            "allkeys-lru",
        ],
        env: { REDIS_ACL_USERS: aclUsers.join(",") },
        secretEnv: [
            { env: REDIS_SECRET_KEYS.acl, secret: auth, key: REDIS_SECRET_KEYS.acl },
            { env: REDIS_SECRET_KEYS.adminPassword, secret: auth, key: REDIS_SECRET_KEYS.adminPassword },
        ],
        secretsAsFiles: true,
        ports: [{ name: "redis", port: REDIS_PORT }],
        volumes: [{ name: "data", mountPath: "/data", persistent: true, size: s.storageSize }],
        resources: s.resources,
        replicas: 1,
        healthCommand: redisHealthCommand(REDIS_PORT),
        labels: { "app.kubernetes.io/component": "cache", "app.kubernetes.io/version": REDIS_IMAGE.split(":")[1] },
        ingress: [
            { from: "mcp", ports: ["redis"] },
            { from: "data", ports: ["redis"] },
            { from: "backup", ports: ["redis"] },
        ],
        runAsUser: REDIS_UID,
    };
}

/** The Redis address the exporter scrapes, which is also the key of its password file. */
export const redisExporterAddress = (address: string, port = REDIS_PORT): string => `redis://${address}:${port}`;

/** redis_exporter's password file (`--redis.password-file`): the address it scrapes (REDIS_ADDR) → the password. */
export const exporterPasswordFile = (redisAddress: string, password: string): string => JSON.stringify({ [redisAddress]: password });

/** redis_exporter, logged in as the exporter user; its password file comes from `auth`. */
export function redisExporterWorkload(s: RedisSettings, address: string, auth: SecretHandle): WorkloadSpec {
    return {
        name: `${s.name}-exporter`,
        group: "data",
        image: REDIS_EXPORTER_IMAGE,
        ports: [{ name: "metrics", port: 9121 }],
        env: { REDIS_ADDR: redisExporterAddress(address), REDIS_USER: PLATFORM_USERS.exporter },
        // REDIS_PASSWORD_FILE names the file.
        secretEnv: [{ env: "REDIS_PASSWORD", secret: auth, key: REDIS_SECRET_KEYS.exporterPasswords }],
        secretsAsFiles: true,
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        replicas: 1,
        health: { path: "/health", port: "metrics" },
        metrics: { path: "/metrics", port: "metrics" },
        labels: { "app.kubernetes.io/component": "exporter", "sophia.ai/exports": s.name },
        ingress: [{ from: "monitoring", ports: ["metrics"] }],
        connectsTo: ["data"],
        runAsUser: 59000,
    };
}
