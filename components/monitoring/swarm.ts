import type { ConfigHandle, SecretHandle, WorkloadSpec } from "../platform/types";
import type { MonitoringSettings } from "../../stacks/settings";
import { ALERTMANAGER_RETENTION } from "./render/alertmanager";
import { SWARM_DISCOVERY_PORT } from "./render/scrape";

/** Images of the Swarm monitoring stack, pinned. */
export const SWARM_IMAGES = {
    prometheus: "prom/prometheus:v3.5.0",
    alertmanager: "prom/alertmanager:v0.28.1",
    grafana: "grafana/grafana:12.1.1",
    socketProxy: "tecnativa/docker-socket-proxy:v0.4.1",
} as const;

const DOCKER_SOCKET = "/var/run/docker.sock";
export const SOCKET_PROXY = "docker-api";

type Files = readonly { config: ConfigHandle; file: string; mountPath: string }[];

/** Monitoring workloads scrape themselves like any other: they declare `metrics` too. */
const monitoringIngress = (...ports: string[]) => [{ from: "monitoring" as const, ports }];

/**
 * Read-only Docker API for service discovery: only the task, service, node and network listings,
 * so Prometheus never holds the Docker socket itself.
 */
export function socketProxyWorkload(): WorkloadSpec {
    return {
        name: SOCKET_PROXY,
        group: "monitoring",
        image: SWARM_IMAGES.socketProxy,
        ports: [{ name: "api", port: SWARM_DISCOVERY_PORT }],
        env: { TASKS: "1", SERVICES: "1", NODES: "1", NETWORKS: "1", POST: "0" },
        resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
        replicas: 1,
        // The Docker API's own liveness endpoint, which the proxy always passes through.
        health: { path: "/_ping", port: "api" },
        ingress: monitoringIngress("api"),
        hostMounts: [DOCKER_SOCKET],
        // The socket belongs to root on the node; the proxy is what confines that access.
        runAsUser: 0,
    };
}

export function prometheusWorkload(settings: MonitoringSettings, files: Files): WorkloadSpec {
    return {
        name: "prometheus",
        group: "monitoring",
        image: SWARM_IMAGES.prometheus,
        args: [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            `--storage.tsdb.retention.time=${settings.retention}`,
            "--web.listen-address=:9090",
        ],
        ports: [{ name: "http", port: 9090 }],
        configFiles: files,
        volumes: [{ name: "data", mountPath: "/prometheus", persistent: true, size: settings.storage }],
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        replicas: settings.replicas.prometheus,
        health: { path: "/-/healthy", port: "http" },
        metrics: { path: "/metrics", port: "http" },
        labels: { "app.kubernetes.io/component": "prometheus" },
        ingress: [...monitoringIngress("http"), { from: "edge", ports: ["http"] }],
        connectsTo: ["mcp", "data", "edge", "backup"],
        runAsUser: 65534,
    };
}

export function alertmanagerWorkload(settings: MonitoringSettings, config: ConfigHandle, secrets: SecretHandle): WorkloadSpec {
    const peers = settings.replicas.alertmanager > 1 ? ["--cluster.peer=tasks.alertmanager:9094"] : ["--cluster.listen-address="];
    return {
        name: "alertmanager",
        group: "monitoring",
        image: SWARM_IMAGES.alertmanager,
        args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", `--data.retention=${ALERTMANAGER_RETENTION}`, ...peers],
        ports: [
            { name: "http", port: 9093 },
            { name: "cluster", port: 9094 },
        ],
        // Mounted as files under /run/secrets; the configuration names the files, never the values.
        secretEnv: secrets.keys.map((key) => ({ env: key, secret: secrets, key })),
        configFiles: [{ config, file: "alertmanager.yml", mountPath: "/etc/alertmanager/alertmanager.yml" }],
        volumes: [{ name: "data", mountPath: "/alertmanager", persistent: true, size: "2Gi" }],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
        replicas: settings.replicas.alertmanager,
        health: { path: "/-/healthy", port: "http" },
        metrics: { path: "/metrics", port: "http" },
        labels: { "app.kubernetes.io/component": "alertmanager" },
        ingress: [...monitoringIngress("http", "cluster"), { from: "edge", ports: ["http"] }],
        outbound: ["hooks.slack.com", "events.pagerduty.com"],
        runAsUser: 65534,
    };
}

export function grafanaWorkload(settings: MonitoringSettings, files: Files, admin: SecretHandle, adminPasswordFile: string): WorkloadSpec {
    return {
        name: "grafana",
        group: "monitoring",
        image: SWARM_IMAGES.grafana,
        ports: [{ name: "http", port: 3000 }],
        env: {
            GF_SECURITY_ADMIN_USER: "admin",
            // Grafana reads any setting from a file when its variable ends in __FILE.
            GF_SECURITY_ADMIN_PASSWORD__FILE: adminPasswordFile,
            GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
            GF_USERS_ALLOW_SIGN_UP: "false",
            GF_ANALYTICS_REPORTING_ENABLED: "false",
        },
        secretEnv: admin.keys.map((key) => ({ env: key, secret: admin, key })),
        configFiles: files,
        volumes: [{ name: "data", mountPath: "/var/lib/grafana", persistent: true, size: "5Gi" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        replicas: settings.replicas.grafana,
        health: { path: "/api/health", port: "http" },
        metrics: { path: "/metrics", port: "http" },
        labels: { "app.kubernetes.io/component": "grafana" },
        ingress: [...monitoringIngress("http"), { from: "edge", ports: ["http"] }],
        runAsUser: 472,
    };
}
