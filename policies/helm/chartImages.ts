/**
 * Every image key of the Helm charts the platform installs, at the pinned chart versions (read from
 * each chart's values.yaml): the values object at each path must name the registry, or the whole
 * repository, so that no image falls back to the chart's upstream default. A chart not listed here
 * cannot be checked and is reported until its keys are added.
 */
export const CHART_IMAGE_KEYS: Readonly<Record<string, readonly string[]>> = {
    "kube-prometheus-stack": [
        "crds.upgradeJob.image.busybox",
        "crds.upgradeJob.image.kubectl",
        "alertmanager.alertmanagerSpec.image",
        "grafana.image",
        "grafana.sidecar.image",
        "grafana.initChownData.image",
        "grafana.downloadDashboardsImage",
        "grafana.imageRenderer.image",
        "grafana.testFramework.image",
        "kube-state-metrics.image",
        "kube-state-metrics.kubeRBACProxy.image",
        "prometheus-node-exporter.image",
        "prometheus-node-exporter.kubeRBACProxy.image",
        "prometheus-windows-exporter.image",
        "prometheusOperator.image",
        "prometheusOperator.prometheusConfigReloader.image",
        "prometheusOperator.thanosImage",
        "prometheusOperator.admissionWebhooks.deployment.image",
        "prometheusOperator.admissionWebhooks.patch.image",
        "prometheus.prometheusSpec.image",
        "thanosRuler.thanosRulerSpec.image",
    ],
    "prometheus-adapter": ["image"],
    "ingress-nginx": ["controller.image", "controller.admissionWebhooks.patch.image", "controller.opentelemetry.image", "defaultBackend.image"],
    "cert-manager": ["image", "webhook.image", "cainjector.image", "startupapicheck.image", "acmesolver.image"],
};
