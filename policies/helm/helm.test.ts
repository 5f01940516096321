import { expect } from "chai";
import { certManagerValues, ingressNginxValues } from "../../components/edge/chartValues";
import { kubePrometheusStackValues, prometheusAdapterValues } from "../../components/monitoring/kubernetes";
import { checkResource, clone, urnOf, type Fixture } from "../../test/policies/fixtures";
import { requireApprovedRegistry } from "../workloads/requireApprovedRegistry";
import { CHART_IMAGE_KEYS } from "./chartImages";
import { requireHelmImageOverrides } from "./requireHelmImageOverrides";
import { helmImagesOf, HELM_RELEASE, valueAt } from "./values";

type Obj = Record<string, any>;
const REGISTRY = "registry.sophia-ai.com";
const config = { approvedRegistries: [REGISTRY] };

const release = (chart: string, values: Obj): Fixture => ({
    type: HELM_RELEASE,
    urn: urnOf(HELM_RELEASE, chart),
    name: chart,
    props: { chart, version: "1.0.0", repositoryOpts: { repo: "https://charts.example.com" }, namespace: "x", values },
});

/** The values the platform's components give each chart, for the stack registry. */
const COMPONENT_VALUES: Record<string, Obj> = {
    "kube-prometheus-stack": kubePrometheusStackValues({
        stack: "prod",
        namespace: "sophia-monitoring",
        settings: {
            replicas: { prometheus: 2, alertmanager: 2, grafana: 1 },
            retention: "15d",
            scrapeInterval: "30s",
            storage: "50Gi",
        },
        storageClass: "standard",
        alertmanagerConfig: {},
        alertmanagerSecret: "alertmanager-receivers",
        grafanaAdminSecret: { name: "grafana-admin", userKey: "user", passwordKey: "password" },
        additionalScrapeConfigs: [],
        jaegerUrl: "http://jaeger:16686",
        registry: REGISTRY,
    }),
    "prometheus-adapter": prometheusAdapterValues("sophia-monitoring", REGISTRY),
    "ingress-nginx": ingressNginxValues(REGISTRY, "nginx"),
    "cert-manager": certManagerValues(REGISTRY),
};

describe("Helm release image references", () => {
    it("reads registry + repository, registry + image, a whole repository and a whole image string", () => {
        const images = helmImagesOf(
            release("x", {
                a: { image: { registry: "quay.io", repository: "prometheus/prometheus", tag: "v3" } },
                b: { image: { registry: "registry.k8s.io", image: "ingress-nginx/controller" } },
                c: { image: { repository: "quay.io/jetstack/cert-manager-controller" } },
                d: { sidecars: [{ image: "ghcr.io/x/y:1" }] },
                global: { imageRegistry: "docker.io" },
            }),
        ).map((i) => `${i.where} ${i.image}`);
        expect(images).to.deep.equal([
            "values.a.image quay.io/prometheus/prometheus",
            "values.b.image registry.k8s.io/ingress-nginx/controller",
            "values.c.image quay.io/jetstack/cert-manager-controller",
            "values.d.sidecars[0] ghcr.io/x/y:1",
            "values.global docker.io/",
        ]);
    });
    it("finds nothing in other resources", () => {
        expect(helmImagesOf({ type: "kubernetes:core/v1:ConfigMap", props: { data: { image: "x" } } })).to.deep.equal([]);
    });
});

describe(`${requireApprovedRegistry.id} on Helm releases`, () => {
    it("passes registries and repositories under the approved registry's mirror", () => {
        const values = { image: { registry: `${REGISTRY}/mirror/quay.io`, repository: "a/b" }, w: { image: { repository: `${REGISTRY}/mirror/quay.io/c/d` } } };
        expect(checkResource(requireApprovedRegistry, release("x", values), config)).to.deep.equal([]);
    });
    for (const [what, values] of Object.entries<Obj>({
        "an upstream registry key": { image: { registry: "quay.io", repository: "a/b" } },
        "an upstream full repository": { image: { repository: "quay.io/jetstack/cert-manager-controller" } },
        "an upstream image string": { extraContainers: [{ name: "x", image: "docker.io/busybox:1" }] },
        "a registry that only starts like the approved one": { image: { registry: `${REGISTRY}.evil.io`, repository: "a" } },
        "an upstream global.imageRegistry": { global: { imageRegistry: "docker.io" } },
    })) {
        it(`fails ${what}`, () => {
            const messages = checkResource(requireApprovedRegistry, release("x", values), config);
            expect(messages).to.have.length(1);
            expect(messages[0]).to.match(/^values\..* runs .*, which is not from an approved registry/);
        });
    }
});

describe(requireHelmImageOverrides.id, () => {
    for (const [chart, keys] of Object.entries(CHART_IMAGE_KEYS)) {
        describe(chart, () => {
            const values = COMPONENT_VALUES[chart];
            it("the component's values override every image key and point each at the approved registry", () => {
                expect(checkResource(requireHelmImageOverrides, release(chart, values))).to.deep.equal([]);
                expect(checkResource(requireApprovedRegistry, release(chart, values), config)).to.deep.equal([]);
                for (const key of keys) {
                    const found = helmImagesOf(release(chart, values)).find((i) => i.where === `values.${key}`);
                    expect(found?.image, key).to.match(new RegExp(`^${REGISTRY.replace(/\./g, "\\.")}/mirror/`));
                }
            });
            for (const key of keys) {
                it(`fails without values.${key}`, () => {
                    const broken = clone(values);
                    const parent = key.split(".").slice(0, -1).join(".");
                    const holder = (parent ? valueAt(broken, parent) : broken) as Obj;
                    delete holder[key.split(".").pop()!];
                    expect(checkResource(requireHelmImageOverrides, release(chart, broken))).to.deep.equal([
                        `values.${key} leaves the image at the chart's default registry`,
                    ]);
                });
            }
        });
    }
    it("reports a chart it has no image keys for", () => {
        expect(checkResource(requireHelmImageOverrides, release("bitnami/redis", {}))[0]).to.match(/^chart redis has no list of image keys/);
    });
    it("accepts a chart name with its repository prefix", () => {
        expect(checkResource(requireHelmImageOverrides, release("jetstack/cert-manager", COMPONENT_VALUES["cert-manager"]))).to.deep.equal([]);
    });
});
