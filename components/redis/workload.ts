import type { Resources } from "../../catalog/schema";
import { memoryBytes } from "../platform/quantity";
import type { WorkloadSpec } from "../platform/types";

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

/** The servers' cache: Redis with RDB snapshots and an append-only file on a persistent volume. */
export function redisWorkload(s: RedisSettings): WorkloadSpec {
    return {
        name: s.name,
        group: "data",
        image: REDIS_IMAGE,
        command: ["redis-server"],
        args: [
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
        ports: [{ name: "redis", port: REDIS_PORT }],
        volumes: [{ name: "data", mountPath: "/data", persistent: true, size: s.storageSize }],
        resources: s.resources,
        replicas: 1,
        healthCommand: ["redis-cli", "-h", "127.0.0.1", "-p", String(REDIS_PORT), "ping"],
        labels: { "app.kubernetes.io/component": "cache", "app.kubernetes.io/version": REDIS_IMAGE.split(":")[1] },
        ingress: [
            { from: "mcp", ports: ["redis"] },
            { from: "data", ports: ["redis"] },
            { from: "backup", ports: ["redis"] },
        ],
        runAsUser: REDIS_UID,
    };
}

export function redisExporterWorkload(s: RedisSettings, address: string): WorkloadSpec {
    return {
        name: `${s.name}-exporter`,
        group: "data",
        image: REDIS_EXPORTER_IMAGE,
        ports: [{ name: "metrics", port: 9121 }],
        env: { REDIS_ADDR: `redis://${address}:${REDIS_PORT}` },
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
