import * as YAML from "yaml";
import { TARGET_LABELS } from "../metricsContract";

/**
 * Prometheus' configuration. Every workload that declares `metrics` is scraped: on Swarm through
 * dockerswarm service discovery of the prometheus.io/* service labels, on Kubernetes through one
 * ServiceMonitor per MCP server plus endpoint discovery of the same prometheus.io/* annotations
 * for everything else (databases' exporters, Jaeger). Either way each series carries `service`
 * (the workload's name), `tier` (MCP servers) and `group`.
 */

type RelabelConfig = Record<string, unknown>;

export interface PrometheusConfigInputs {
    /** Stack name, attached to every alert as `stack`. */
    readonly stack: string;
    readonly scrapeInterval: string;
    /** Prefix of the platform's names (networks on Swarm, namespaces on Kubernetes). */
    readonly prefix: string;
    /** How Alertmanager is found; a DNS name resolving to every replica. */
    readonly alertmanagers: { readonly dnsName: string; readonly port: number };
}

/** Label a service label becomes in service discovery's meta labels (prometheus.io/scrape → prometheus_io_scrape). */
const meta = (prefix: string, label: string): string => `${prefix}${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;

/** Relabeling shared by both targets: honour the prometheus.io/* labels and name the workload. */
function scrapeRelabeling(prefixes: { scrape: string; labels: string }, serviceName: { source: string; regex: string }): RelabelConfig[] {
    const scrape = (name: string) => meta(prefixes.scrape, name);
    const label = (name: string) => meta(prefixes.labels, name);
    return [
        { source_labels: [scrape("prometheus.io/scrape")], regex: "true", action: "keep" },
        { source_labels: ["__address__", scrape("prometheus.io/port")], regex: "([^:]+)(?::\\d+)?;(\\d+)", replacement: "$1:$2", target_label: "__address__" },
        { source_labels: [scrape("prometheus.io/path")], regex: "(.+)", target_label: "__metrics_path__" },
        { source_labels: [serviceName.source], regex: serviceName.regex, target_label: TARGET_LABELS.service },
        { source_labels: [label("sophia.ai/tier")], regex: "(.+)", target_label: TARGET_LABELS.tier },
        { source_labels: [label("sophia.ai/group")], regex: "(.+)", target_label: TARGET_LABELS.group },
    ];
}

/** The Docker engine API Prometheus discovers Swarm tasks through (a read-only socket proxy). */
export const SWARM_DISCOVERY_PORT = 2375;

export function swarmScrapeConfigs(prefix: string, dockerApi: string): Record<string, unknown>[] {
    const labels = "__meta_dockerswarm_service_label_";
    return [
        {
            job_name: "swarm-workloads",
            dockerswarm_sd_configs: [{ host: dockerApi, role: "tasks", refresh_interval: "30s" }],
            relabel_configs: [
                // A task has an address on each network it joins; monitoring reaches it on this one.
                { source_labels: ["__meta_dockerswarm_network_name"], regex: `${prefix}-monitoring`, action: "keep" },
                { source_labels: ["__meta_dockerswarm_task_desired_state"], regex: "running", action: "keep" },
                ...scrapeRelabeling({ scrape: labels, labels }, { source: "__meta_dockerswarm_service_name", regex: `${prefix}-(.+)` }),
                { source_labels: ["__meta_dockerswarm_task_slot"], target_label: "slot" },
            ],
        },
    ];
}

/** Kubernetes workloads other than MCP servers (those have ServiceMonitors), by Service annotations. */
export function kubernetesScrapeConfigs(prefix: string): Record<string, unknown>[] {
    return [
        {
            job_name: "sophia-workloads",
            kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: ["data", "monitoring", "edge", "backup"].map((g) => `${prefix}-${g}`) } }],
            relabel_configs: [
                { source_labels: ["__meta_kubernetes_service_label_sophia_ai_mcp_server"], regex: ".+", action: "drop" },
                // prometheus.io/* are the Service's annotations; tier and group are its labels.
                ...scrapeRelabeling(
                    { scrape: "__meta_kubernetes_service_annotation_", labels: "__meta_kubernetes_service_label_" },
                    { source: "__meta_kubernetes_service_name", regex: "(.+)" },
                ),
                { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
                { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
            ],
        },
    ];
}

/** The whole prometheus.yml: rules next to it under rules/, Alertmanager by DNS, the given jobs. */
export function prometheusConfig(inputs: PrometheusConfigInputs, scrapeConfigs: readonly Record<string, unknown>[]): Record<string, unknown> {
    return {
        global: { scrape_interval: inputs.scrapeInterval, evaluation_interval: inputs.scrapeInterval, external_labels: { stack: inputs.stack } },
        rule_files: ["rules/*.yml"],
        alerting: {
            alertmanagers: [{ api_version: "v2", dns_sd_configs: [{ names: [inputs.alertmanagers.dnsName], type: "A", port: inputs.alertmanagers.port }] }],
        },
        scrape_configs: scrapeConfigs,
    };
}

export function prometheusYaml(config: Record<string, unknown>, header: string): string {
    return `# ${header}\n# Generated from the catalog and the stack settings; do not edit.\n${YAML.stringify(config, { lineWidth: 0 })}`;
}

/** A ServiceMonitor's spec for one MCP server: its Service in the mcp namespace, its metrics path. */
export function serviceMonitorSpec(server: { name: string; metricsPath: string }, namespace: string, port: string): Record<string, unknown> {
    return {
        selector: { matchLabels: { "app.kubernetes.io/name": server.name } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [
            {
                port,
                path: server.metricsPath,
                relabelings: [
                    { sourceLabels: ["__meta_kubernetes_service_name"], targetLabel: TARGET_LABELS.service },
                    { sourceLabels: ["__meta_kubernetes_service_label_sophia_ai_tier"], targetLabel: TARGET_LABELS.tier },
                    { sourceLabels: ["__meta_kubernetes_service_label_sophia_ai_group"], targetLabel: TARGET_LABELS.group },
                ],
            },
        ],
    };
}
