import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as helmV3 from "@pulumi/kubernetes/helm/v3";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringSettings } from "../../stacks/settings";
import type { ServerSpec } from "../../stacks/specs";
import { contributeArtifact } from "../artifacts";
import { HTTP_PORT_NAME } from "../mcp-server/workload";
import { PRIVATE_RANGES } from "../platform/kubernetes/network";
import { secretPath } from "../platform/swarm/service";
import type { ConfigHandle, KubernetesTarget, Platform, SecretHandle } from "../platform/types";
import { renderMonitoringFiles } from "./files";
import { JAEGER_PORTS, jaegerConfigYaml, jaegerWorkload, otlpEndpoint } from "./jaeger";
import {
    alertmanagerSecretFile,
    CHARTS,
    DASHBOARD_LABEL,
    kubePrometheusStackValues,
    prometheusAdapterValues,
    PROMETHEUS_SERVICE,
    STACK_FULLNAME,
} from "./kubernetes";
import { ALERT_SECRETS, alertmanagerConfig } from "./render/alertmanager";
import { platformRuleGroups, RuleGroup, serverRuleGroups } from "./render/rules";
import { kubernetesScrapeConfigs, serviceMonitorSpec, SWARM_DISCOVERY_PORT, swarmScrapeConfigs } from "./render/scrape";
import { alertmanagerWorkload, grafanaWorkload, prometheusWorkload, SOCKET_PROXY, socketProxyWorkload } from "./swarm";
import * as YAML from "yaml";

export const GRAFANA_SECRETS = { user: "GRAFANA_ADMIN_USER", password: "GRAFANA_ADMIN_PASSWORD" } as const;

export interface MonitoringArgs {
    readonly platform: Platform;
    readonly stack: string;
    /** The platform's name prefix (settings.namespace). */
    readonly prefix: string;
    readonly settings: MonitoringSettings;
    readonly servers: readonly ServerSpec[];
    /** Secret values by name: the alert receivers' and Grafana's. */
    readonly secretValues: ReadonlyMap<string, pulumi.Input<string>>;
    /** Rule groups other components add (they appear in rules/platform.yml). */
    readonly extraRuleGroups?: readonly RuleGroup[];
}

interface Shared {
    readonly name: string;
    readonly args: MonitoringArgs;
    readonly receivers: SecretHandle;
    readonly grafanaAdmin: SecretHandle;
    readonly jaegerAddress: string;
}

/**
 * Metrics, alerts, dashboards and traces for the whole platform. Jaeger is a workload on every
 * target; Prometheus, Alertmanager and Grafana are docker services on Swarm and the
 * kube-prometheus-stack chart on Kubernetes, configured from the same renderers.
 */
/** A human UI of the monitoring stack, for the edge to put behind sign-in. */
export interface MonitoringUi {
    readonly name: "grafana" | "alertmanager" | "jaeger";
    readonly upstream: { readonly address: string; readonly port: number };
}

export class Monitoring extends pulumi.ComponentResource {
    /** Where MCP servers send traces. */
    readonly otlpEndpoint: string;
    /** Grafana, Alertmanager and Jaeger's UI, which the edge serves only after an OIDC sign-in. */
    readonly uis: readonly MonitoringUi[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:Monitoring", name, {}, opts);
        const { platform } = args;
        const value = (key: string) => {
            const v = args.secretValues.get(key);
            if (v === undefined) throw new Error(`monitoring: no value for secret ${key}`);
            return v;
        };
        const receivers = platform.secret(
            `${name}-alert-receivers`,
            "monitoring",
            Object.fromEntries(Object.values(ALERT_SECRETS).map((key) => [key, value(key)])),
            this,
        );
        const grafanaAdmin = platform.secret(
            `${name}-grafana-admin`,
            "monitoring",
            { [GRAFANA_SECRETS.user]: "admin", [GRAFANA_SECRETS.password]: value(GRAFANA_SECRETS.password) },
            this,
        );
        const jaegerConfig = platform.configFiles(`${name}-jaeger`, "monitoring", { "jaeger.yaml": jaegerConfigYaml() }, this);
        const jaeger = platform.workload(jaegerWorkload(jaegerConfig), this);
        const shared: Shared = { name, args, receivers, grafanaAdmin, jaegerAddress: jaeger.address };
        const files = platform.pick({ swarm: () => this.deploySwarm(shared), kubernetes: (cluster) => this.deployKubernetes(shared, cluster) });
        const jaegerUi = { name: "jaeger" as const, upstream: { address: jaeger.address, port: JAEGER_PORTS.ui } };
        this.uis = [
            ...platform.pick({
                swarm: (): MonitoringUi[] => [
                    { name: "grafana", upstream: { address: "grafana", port: 3000 } },
                    { name: "alertmanager", upstream: { address: "alertmanager", port: 9093 } },
                ],
                // The chart's services: Grafana is named after the release, the rest after fullnameOverride.
                kubernetes: (cluster): MonitoringUi[] => {
                    const namespace = cluster.namespaceName("monitoring");
                    return [
                        { name: "grafana", upstream: { address: `kube-prometheus-stack-grafana.${namespace}.svc.cluster.local`, port: 80 } },
                        { name: "alertmanager", upstream: { address: `${STACK_FULLNAME}-alertmanager.${namespace}.svc.cluster.local`, port: 9093 } },
                    ];
                },
            }),
            jaegerUi,
        ];
        for (const [file, text] of Object.entries(files)) contributeArtifact(`monitoring/${file}`, text);
        this.otlpEndpoint = otlpEndpoint(jaeger.address);
        this.registerOutputs({ otlpEndpoint: this.otlpEndpoint, jaeger: jaeger.address, jaegerUi: `http://${jaeger.address}:${JAEGER_PORTS.ui}` });
    }

    /** Docker services with their files as docker configs; returns the rendered files. */
    private deploySwarm({ name, args, receivers, grafanaAdmin, jaegerAddress }: Shared): Record<string, string> {
        const { platform } = args;
        const files = renderMonitoringFiles({
            stack: args.stack,
            prefix: args.prefix,
            servers: args.servers,
            settings: args.settings,
            scrapeConfigs: swarmScrapeConfigs(args.prefix, `tcp://${SOCKET_PROXY}:${SWARM_DISCOVERY_PORT}`),
            alertmanagerDns: "tasks.alertmanager",
            secretFile: secretPath,
            urls: { prometheus: "http://prometheus:9090", jaeger: `http://${jaegerAddress}:${JAEGER_PORTS.ui}` },
            extraRuleGroups: args.extraRuleGroups,
        });
        const pick = (prefix: string) => Object.fromEntries(Object.entries(files).filter(([f]) => f === prefix || f.startsWith(`${prefix}/`)));
        const mounts = (config: ConfigHandle, at: (file: string) => string) => config.files.map((file) => ({ config, file, mountPath: at(file) }));
        const prometheusFiles = platform.configFiles(`${name}-prometheus`, "monitoring", { ...pick("prometheus.yml"), ...pick("rules") }, this);
        const alertmanagerFiles = platform.configFiles(`${name}-alertmanager`, "monitoring", pick("alertmanager.yml"), this);
        const grafanaFiles = platform.configFiles(`${name}-grafana`, "monitoring", pick("grafana"), this);
        platform.workload(socketProxyWorkload(), this);
        platform.workload(
            prometheusWorkload(
                args.settings,
                mounts(prometheusFiles, (f) => `/etc/prometheus/${f}`),
            ),
            this,
        );
        platform.workload(alertmanagerWorkload(args.settings, alertmanagerFiles, receivers), this);
        const grafanaPath = (file: string) =>
            file === "grafana/datasources.yml"
                ? "/etc/grafana/provisioning/datasources/sophia.yml"
                : file === "grafana/dashboards.yml"
                  ? "/etc/grafana/provisioning/dashboards/sophia.yml"
                  : `/etc/grafana/dashboards/${file.split("/").pop()}`;
        platform.workload(grafanaWorkload(args.settings, mounts(grafanaFiles, grafanaPath), grafanaAdmin, secretPath(GRAFANA_SECRETS.password)), this);
        return files;
    }

    /** The kube-prometheus-stack and prometheus-adapter charts, one ServiceMonitor and PrometheusRule per server. */
    private deployKubernetes({ name, args, receivers, grafanaAdmin, jaegerAddress }: Shared, platform: KubernetesTarget): Record<string, string> {
        const namespace = platform.namespaceName("monitoring");
        const opts = { ...platform.resourceOptions(this), dependsOn: [platform.namespace("monitoring")] };
        const secretFile = alertmanagerSecretFile(receivers.name);
        const scrapeConfigs = kubernetesScrapeConfigs(args.prefix);
        const jaegerUrl = `http://${jaegerAddress}:${JAEGER_PORTS.ui}`;
        const files = renderMonitoringFiles({
            stack: args.stack,
            prefix: args.prefix,
            servers: args.servers,
            settings: args.settings,
            scrapeConfigs,
            alertmanagerDns: `alertmanager-operated.${namespace}.svc`,
            secretFile,
            urls: { prometheus: `http://${PROMETHEUS_SERVICE}.${namespace}.svc:9090`, jaeger: jaegerUrl },
            extraRuleGroups: args.extraRuleGroups,
        });
        const stackValues = kubePrometheusStackValues({
            stack: args.stack,
            namespace,
            settings: args.settings,
            storageClass: platform.storageClass,
            alertmanagerConfig: alertmanagerConfig({ secretFile }),
            alertmanagerSecret: receivers.name,
            grafanaAdminSecret: { name: grafanaAdmin.name, userKey: GRAFANA_SECRETS.user, passwordKey: GRAFANA_SECRETS.password },
            additionalScrapeConfigs: scrapeConfigs,
            jaegerUrl,
            registry: platform.registry,
        });
        const adapterValues = prometheusAdapterValues(namespace, platform.registry);
        files["helm/kube-prometheus-stack.values.yaml"] = YAML.stringify(stackValues, { lineWidth: 0 });
        files["helm/prometheus-adapter.values.yaml"] = YAML.stringify(adapterValues, { lineWidth: 0 });

        // The charts' pods are not platform workloads, so they get their own allowances in the namespace.
        new networkingV1.NetworkPolicy(
            `${name}-stack-netpol`,
            {
                metadata: { name: "monitoring-stack", namespace, labels: { "app.kubernetes.io/part-of": "sophia" } },
                spec: {
                    podSelector: { matchExpressions: [{ key: "app.kubernetes.io/part-of", operator: "NotIn", values: ["sophia"] }] },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: [{ namespaceSelector: { matchLabels: { "app.kubernetes.io/part-of": "sophia" } } }] },
                        // The operator's admission webhook is called by the API server.
                        { ports: [{ protocol: "TCP", port: 10250 }] },
                    ],
                    egress: [
                        // Scraping, DNS and the kube API inside the cluster; Slack and PagerDuty outside.
                        { to: [{ namespaceSelector: {} }] },
                        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }], ports: [{ protocol: "TCP", port: 443 }] },
                        {
                            ports: [
                                { protocol: "TCP", port: 443 },
                                { protocol: "TCP", port: 6443 },
                            ],
                        },
                    ],
                },
            },
            opts,
        );
        const release = (
            part: string,
            chart: { chart: string; version: string; repo: string },
            values: Record<string, unknown>,
            dependsOn: pulumi.Resource[],
        ) =>
            new helmV3.Release(
                `${name}-${part}`,
                { name: part, chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, namespace, values, atomic: true, timeout: 600 },
                { ...opts, dependsOn: [...opts.dependsOn, ...dependsOn] },
            );
        const stack = release("kube-prometheus-stack", CHARTS.kubePrometheusStack, stackValues, [receivers.resource, grafanaAdmin.resource]);
        release("prometheus-adapter", CHARTS.prometheusAdapter, adapterValues, [stack]);

        const crOpts = { ...opts, dependsOn: [...opts.dependsOn, stack] };
        const metadata = (objectName: string, labels: Record<string, string> = {}) => ({
            name: objectName,
            namespace,
            labels: { "app.kubernetes.io/part-of": "sophia", ...labels },
        });
        const mcpNamespace = platform.namespaceName("mcp");
        for (const server of args.servers) {
            const labels = { "sophia.ai/mcp-server": server.name, "sophia.ai/tier": server.tier };
            new CustomResource(
                `${name}-${server.name}-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata(server.name, labels),
                    spec: serviceMonitorSpec(server, mcpNamespace, HTTP_PORT_NAME),
                },
                crOpts,
            );
            new CustomResource(
                `${name}-${server.name}-rules`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: metadata(server.name, labels),
                    spec: { groups: serverRuleGroups(server) },
                },
                crOpts,
            );
        }
        new CustomResource(
            `${name}-platform-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: metadata("platform"),
                spec: { groups: platformRuleGroups(args.extraRuleGroups) },
            },
            crOpts,
        );
        const dashboards = Object.entries(files).filter(([f]) => f.startsWith("grafana/dashboards/"));
        for (const [file, json] of dashboards) {
            const base = file
                .split("/")
                .pop()!
                .replace(/\.json$/, "");
            new coreV1.ConfigMap(
                `${name}-dashboard-${base}`,
                { metadata: metadata(`dashboard-${base}`, DASHBOARD_LABEL), data: { [`${base}.json`]: json } },
                opts,
            );
        }
        return files;
    }
}
