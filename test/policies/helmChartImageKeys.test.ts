// The image keys of each Helm chart the platform installs, as the charts' own values.yaml name them at
// the versions the components pin (components/monitoring/kubernetes.ts, components/edge/edge.ts): a
// release of the chart that leaves any of them at the chart's default, or points it at an upstream
// registry, is refused. The lists below are written from the charts, not from the pack.
import { expect } from "chai";
import { requireHelmImageOverrides } from "../../policies/helm/requireHelmImageOverrides";
import { HELM_RELEASE } from "../../policies/helm/values";
import { requireApprovedRegistry } from "../../policies/workloads/requireApprovedRegistry";
import { checkResource, urnOf, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const REGISTRY = "registry.sophia-ai.com";
const config = { approvedRegistries: [REGISTRY] };

const CHART_VALUES_IMAGES: Record<string, { repo: string; keys: string[] }> = {
    // prometheus-community/kube-prometheus-stack values.yaml, with its grafana, kube-state-metrics,
    // prometheus-node-exporter and prometheus-windows-exporter subcharts.
    "kube-prometheus-stack": {
        repo: "prometheus-community/kube-prometheus-stack",
        keys: [
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
    },
    // prometheus-community/prometheus-adapter values.yaml.
    "prometheus-adapter": { repo: "prometheus-community/prometheus-adapter", keys: ["image"] },
    // kubernetes/ingress-nginx charts/ingress-nginx/values.yaml.
    "ingress-nginx": {
        repo: "ingress-nginx/ingress-nginx",
        keys: ["controller.image", "controller.admissionWebhooks.patch.image", "controller.opentelemetry.image", "defaultBackend.image"],
    },
    // cert-manager deploy/charts/cert-manager/values.yaml: the controller's image is the top-level one.
    "cert-manager": { repo: "jetstack/cert-manager", keys: ["image", "webhook.image", "cainjector.image", "startupapicheck.image", "acmesolver.image"] },
};

const release = (chart: string, values: Obj): Fixture => ({
    type: HELM_RELEASE,
    urn: urnOf(HELM_RELEASE, chart.replace(/^.*\//, "")),
    name: chart.replace(/^.*\//, ""),
    props: { chart, version: "1.0.0", namespace: "x", values },
});

/** `values` with the object at the dotted `path` set to `node`. */
function setAt(values: Obj, path: string, node: Obj): Obj {
    const keys = path.split(".");
    let at = values;
    for (const key of keys.slice(0, -1)) at = at[key] ??= {};
    at[keys[keys.length - 1]] = node;
    return values;
}

/** Values pointing every key of `keys` but `except` at the approved registry's mirror. */
const mirrored = (keys: string[], except?: string): Obj =>
    keys.filter((k) => k !== except).reduce((values, key) => setAt(values, key, { registry: `${REGISTRY}/mirror/quay.io`, repository: "x/y" }), {});

const leftAtDefault = (key: string) => `values.${key} leaves the image at the chart's default registry`;

for (const [chart, { repo, keys }] of Object.entries(CHART_VALUES_IMAGES)) {
    describe(`Helm release of ${chart}`, () => {
        it("is refused once per image key when its values override none", () => {
            expect(checkResource(requireHelmImageOverrides, release(repo, {}))).to.have.members(keys.map(leftAtDefault));
        });

        it("passes both image rules when every key points at the approved registry's mirror", () => {
            const values = mirrored(keys);
            expect(checkResource(requireHelmImageOverrides, release(repo, values))).to.deep.equal([]);
            expect(checkResource(requireApprovedRegistry, release(repo, values), config)).to.deep.equal([]);
        });

        for (const key of keys) {
            it(`is refused when values.${key} is left at the default or set to an upstream registry`, () => {
                const left = mirrored(keys, key);
                expect(checkResource(requireHelmImageOverrides, release(repo, left))).to.deep.equal([leftAtDefault(key)]);
                const upstream = setAt(mirrored(keys, key), key, { registry: "quay.io", repository: "x/y" });
                expect(checkResource(requireHelmImageOverrides, release(repo, upstream))).to.deep.equal([]);
                expect(checkResource(requireApprovedRegistry, release(repo, upstream), config)).to.deep.equal([
                    `values.${key} runs quay.io/x/y, which is not from an approved registry (${REGISTRY})`,
                ]);
            });
        }
    });
}
