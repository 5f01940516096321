import type { MonitoringSettings } from "../../stacks/settings";
import { mirroredRegistry } from "../platform/images";
import { LATENCY_P95_METRIC, REQUEST_DURATION } from "./metricsContract";
import { ALERTMANAGER_RETENTION } from "./render/alertmanager";
import { DATASOURCES } from "./render/grafana";

/** The charts, pinned. */
export const CHARTS = {
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    prometheusAdapter: { chart: "prometheus-adapter", version: "4.11.0", repo: "https://prometheus-community.github.io/helm-charts" },
} as const;

/** Short, stable object names: the chart names its Prometheus service <fullname>-prometheus. */
export const STACK_FULLNAME = "kps";
export const PROMETHEUS_SERVICE = `${STACK_FULLNAME}-prometheus`;
/** Where the operator mounts the secrets listed in alertmanagerSpec.secrets. */
export const alertmanagerSecretFile = (secretName: string) => (key: string) => `/etc/alertmanager/secrets/${secretName}/${key}`;

/** Labels that make Grafana's sidecar load a ConfigMap as a dashboard. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

export interface StackValuesInputs {
    readonly stack: string;
    readonly namespace: string;
    readonly settings: MonitoringSettings;
    readonly storageClass: string;
    readonly alertmanagerConfig: Record<string, unknown>;
    readonly alertmanagerSecret: string;
    readonly grafanaAdminSecret: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
    readonly additionalScrapeConfigs: readonly Record<string, unknown>[];
    readonly jaegerUrl: string;
    /** The stack's registry: every image of the chart and its subcharts is pulled through its mirror. */
    readonly registry: string;
}

const storage = (storageClass: string, size: string) => ({
    volumeClaimTemplate: { spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } },
});

/** Selects objects in the platform's namespaces only, whatever their other labels. */
const sophiaNamespaces = { matchLabels: { "app.kubernetes.io/part-of": "sophia" } };

/**
 * The image keys of kube-prometheus-stack and its subcharts, each pointed at the stack registry's
 * mirror (keys as in the charts' values.yaml at the pinned version). Disabled parts (node-exporter,
 * the Windows exporter, Thanos Ruler, the CRD upgrade job) are covered too, so enabling one later
 * cannot bypass the approved registry.
 */
export function kubePrometheusStackImages(registry: string) {
    const quay = mirroredRegistry(registry, "quay.io");
    const dockerHub = mirroredRegistry(registry, "docker.io");
    const k8sRegistry = mirroredRegistry(registry, "registry.k8s.io");
    const ghcr = mirroredRegistry(registry, "ghcr.io");
    return {
        crds: { upgradeJob: { image: { busybox: dockerHub, kubectl: k8sRegistry } } },
        alertmanager: { alertmanagerSpec: { image: quay } },
        grafana: {
            image: dockerHub,
            sidecar: { image: quay },
            initChownData: { image: dockerHub },
            downloadDashboardsImage: dockerHub,
            imageRenderer: { image: dockerHub },
            testFramework: { image: dockerHub },
        },
        "kube-state-metrics": { image: k8sRegistry, kubeRBACProxy: { image: quay } },
        "prometheus-node-exporter": { image: quay, kubeRBACProxy: { image: quay } },
        "prometheus-windows-exporter": { image: ghcr },
        prometheusOperator: {
            image: quay,
            prometheusConfigReloader: { image: quay },
            thanosImage: quay,
            admissionWebhooks: { deployment: { image: quay }, patch: { image: ghcr } },
        },
        prometheus: { prometheusSpec: { image: quay } },
        thanosRuler: { thanosRulerSpec: { image: quay } },
    };
}

/** Values of the kube-prometheus-stack chart (keys as in the chart's values.yaml at the pinned version). */
export function kubePrometheusStackValues(inputs: StackValuesInputs): Record<string, unknown> {
    const { settings } = inputs;
    const images = kubePrometheusStackImages(inputs.registry);
    return {
        fullnameOverride: STACK_FULLNAME,
        crds: { enabled: true, ...images.crds },
        // The node exporter needs the host's namespaces, which the restricted Pod Security profile forbids;
        // saturation comes from the servers' own process metrics (the metrics contract).
        nodeExporter: { enabled: false },
        "prometheus-node-exporter": images["prometheus-node-exporter"],
        "prometheus-windows-exporter": images["prometheus-windows-exporter"],
        "kube-state-metrics": images["kube-state-metrics"],
        prometheusOperator: images.prometheusOperator,
        thanosRuler: images.thanosRuler,
        alertmanager: {
            config: inputs.alertmanagerConfig,
            alertmanagerSpec: {
                ...images.alertmanager.alertmanagerSpec,
                replicas: settings.replicas.alertmanager,
                retention: ALERTMANAGER_RETENTION,
                secrets: [inputs.alertmanagerSecret],
                storage: storage(inputs.storageClass, "2Gi"),
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
            },
        },
        grafana: {
            ...images.grafana,
            replicas: settings.replicas.grafana,
            admin: {
                existingSecret: inputs.grafanaAdminSecret.name,
                userKey: inputs.grafanaAdminSecret.userKey,
                passwordKey: inputs.grafanaAdminSecret.passwordKey,
            },
            initChownData: { ...images.grafana.initChownData, enabled: false },
            sidecar: {
                ...images.grafana.sidecar,
                dashboards: {
                    enabled: true,
                    label: Object.keys(DASHBOARD_LABEL)[0],
                    labelValue: Object.values(DASHBOARD_LABEL)[0],
                    searchNamespace: inputs.namespace,
                },
                datasources: { enabled: true, defaultDatasourceEnabled: true, uid: DATASOURCES.prometheus.uid },
            },
            additionalDataSources: [
                { name: "Jaeger", type: DATASOURCES.jaeger.type, uid: DATASOURCES.jaeger.uid, access: "proxy", url: inputs.jaegerUrl, editable: false },
            ],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        },
        prometheus: {
            prometheusSpec: {
                ...images.prometheus.prometheusSpec,
                replicas: settings.replicas.prometheus,
                retention: settings.retention,
                scrapeInterval: settings.scrapeInterval,
                evaluationInterval: settings.scrapeInterval,
                externalLabels: { stack: inputs.stack },
                // Pick up every ServiceMonitor and PrometheusRule in the platform's namespaces.
                serviceMonitorSelectorNilUsesHelmValues: false,
                serviceMonitorSelector: {},
                serviceMonitorNamespaceSelector: sophiaNamespaces,
                ruleSelectorNilUsesHelmValues: false,
                ruleSelector: {},
                ruleNamespaceSelector: sophiaNamespaces,
                additionalScrapeConfigs: inputs.additionalScrapeConfigs,
                storageSpec: storage(inputs.storageClass, settings.storage),
                resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
            },
        },
    };
}

/**
 * prometheus-adapter serves each pod's p95 latency (from the contract's histogram) on the custom
 * metrics API, so the servers' HorizontalPodAutoscaler can scale on it next to CPU and memory.
 */
export function prometheusAdapterValues(namespace: string, registry: string): Record<string, unknown> {
    return {
        image: mirroredRegistry(registry, "registry.k8s.io"),
        prometheus: { url: `http://${PROMETHEUS_SERVICE}.${namespace}.svc`, port: 9090 },
        rules: {
            default: false,
            custom: [
                {
                    seriesQuery: `${REQUEST_DURATION.name}_bucket{namespace!="",pod!=""}`,
                    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
                    name: { matches: `^${REQUEST_DURATION.name}_bucket$`, as: LATENCY_P95_METRIC },
                    metricsQuery: "histogram_quantile(0.95, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m])))",
                },
            ],
        },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
    };
}
