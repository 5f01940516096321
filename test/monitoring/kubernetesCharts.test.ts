// The monitoring stack on Kubernetes as the prod stack's program registers it, evaluated in process:
// the kube-prometheus-stack and prometheus-adapter releases, read the way the charts read their
// values (the naming and selector rules below are the charts' own templates, written out), the
// objects around them, and the adapter's query judged by promtool.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { RecordedResource } from "../../commands/plan/recorder";
import { artifact, Evaluated, evaluateStack, ofType } from "../support/program";
import { admittedPorts, ALL_PORTS, egressAllowed, matches, namespaceLabels } from "../support/reach";
import { runTool } from "../support/tools";

type Json = Record<string, any>;
const STACK = "prod";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const monitoringOf = (e: Evaluated): RecordedResource[] => e.resources.filter((r) => r.urn.includes("sophia:platform:Monitoring$"));
function releaseOf(e: Evaluated, chart: string): RecordedResource {
    const release = ofType(e, RELEASE).find((r) => r.inputs.chart === chart);
    expect(release, `the ${chart} release`).to.not.equal(undefined);
    return release!;
}
const valuesOf = (e: Evaluated, chart: string): Json => releaseOf(e, chart).inputs.values as Json;
const namespaceOf = (e: Evaluated): string => releaseOf(e, "kube-prometheus-stack").inputs.namespace as string;

/** kube-prometheus-stack's "kube-prometheus-stack.fullname" helper: the prefix of the Prometheus and Alertmanager services. */
function stackFullname(releaseName: string, values: Json): string {
    const trunc = (s: string) => s.slice(0, 26).replace(/-$/, "");
    if (values.fullnameOverride) return trunc(values.fullnameOverride);
    const name = values.nameOverride || "kube-prometheus-stack";
    return trunc(releaseName.includes(name) ? releaseName : `${releaseName}-${name}`);
}

/** The grafana subchart's "grafana.fullname" helper: the name of Grafana's service. */
function grafanaFullname(releaseName: string, grafana: Json): string {
    if (grafana.fullnameOverride) return grafana.fullnameOverride;
    const name = grafana.nameOverride || "grafana";
    return releaseName.includes(name) ? releaseName : `${releaseName}-${name}`.slice(0, 63);
}

/** The Prometheus resource's selector as the chart's prometheus.yaml template writes it from a selector and its NilUsesHelmValues switch. */
function chartSelector(spec: Json, selector: string, releaseName: string): Json {
    if (spec[selector] && Object.keys(spec[selector]).length > 0) return spec[selector];
    return (spec[`${selector}NilUsesHelmValues`] ?? true) ? { matchLabels: { release: releaseName } } : {};
}

/** The files Grafana's dashboard sidecar writes for Grafana: those of the ConfigMaps in its namespace with its label. */
function sidecarDashboards(e: Evaluated, sidecar: Json): Map<string, string> {
    const loaded = new Map<string, string>();
    for (const map of ofType(e, "kubernetes:core/v1:ConfigMap")) {
        const metadata = map.inputs.metadata as Json;
        if (metadata.namespace !== sidecar.searchNamespace || metadata.labels?.[sidecar.label] !== sidecar.labelValue) continue;
        for (const [file, json] of Object.entries(map.inputs.data as Record<string, string>)) loaded.set(file, json);
    }
    return loaded;
}

/** The storage class other stateful workloads of the stack claim their volumes with. */
function stackStorageClasses(e: Evaluated): string[] {
    const claims = ofType(e, "kubernetes:apps/v1:StatefulSet").flatMap((s) => ((s.inputs.spec as Json).volumeClaimTemplates ?? []) as Json[]);
    return [...new Set(claims.map((c) => c.spec.storageClassName as string))];
}

describe(`the monitoring charts on Kubernetes (${STACK}), evaluated in process`, function () {
    this.timeout(120_000);
    let scratch = "";
    beforeEach(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-monitoring-charts-"))));
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("Prometheus keeps the stack's retention, storage, replicas and interval, and labels every series with the stack", async () => {
        const e = await evaluateStack(STACK);
        const settings = e.settings.monitoring;
        // prod's own settings, not the defaults: each value below comes from the stack file.
        expect(settings).to.deep.include({ retention: "30d", storage: "100Gi" });
        const spec = valuesOf(e, "kube-prometheus-stack").prometheus.prometheusSpec;
        expect(spec.retention).to.equal(settings.retention);
        expect(spec.replicas).to.equal(settings.replicas.prometheus);
        expect(spec.scrapeInterval).to.equal(settings.scrapeInterval);
        expect(spec.evaluationInterval).to.equal(settings.scrapeInterval);
        expect(spec.externalLabels).to.deep.equal({ stack: STACK });
        expect(spec.storageSpec.volumeClaimTemplate.spec).to.deep.equal({
            storageClassName: stackStorageClasses(e)[0],
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: settings.storage } },
        });
        expect(stackStorageClasses(e)).to.have.length(1);
    });

    it("the operator picks every ServiceMonitor and PrometheusRule in the platform's namespaces whatever their labels, from CRDs the chart installs, and none elsewhere", async () => {
        const e = await evaluateStack(STACK);
        const release = releaseOf(e, "kube-prometheus-stack");
        const values = release.inputs.values as Json;
        expect(values.crds.enabled, "the CRDs of the ServiceMonitors and PrometheusRules").to.equal(true);
        const spec = values.prometheus.prometheusSpec;
        const releaseName = release.inputs.name as string;
        for (const [kind, selector, namespaceSelector] of [
            ["ServiceMonitor", "serviceMonitorSelector", "serviceMonitorNamespaceSelector"],
            ["PrometheusRule", "ruleSelector", "ruleNamespaceSelector"],
        ]) {
            const objects = ofType(e, `kubernetes:monitoring.coreos.com/v1:${kind}`);
            expect(objects, kind).to.not.be.empty;
            const effective = chartSelector(spec, selector, releaseName);
            for (const object of objects) {
                const metadata = object.inputs.metadata as Json;
                expect(matches(effective, metadata.labels ?? {}), `${kind} ${metadata.name} under ${JSON.stringify(effective)}`).to.equal(true);
            }
            // The chart leaves an empty namespace selector empty: every namespace; ours names the platform's.
            const namespaces = spec[namespaceSelector] as Json;
            expect(Object.keys(namespaces ?? {}), namespaceSelector).to.not.be.empty;
            for (const other of ["kube-system", "default"]) {
                expect(matches(namespaces, namespaceLabels(e.resources, other)), `${namespaceSelector} on ${other}`).to.equal(false);
            }
            const platform = ofType(e, "kubernetes:core/v1:Namespace").map((n) => (n.inputs.metadata as Json).name as string);
            expect(platform).to.not.be.empty;
            for (const namespace of platform) expect(matches(namespaces, namespaceLabels(e.resources, namespace)), namespace).to.equal(true);
        }
    });

    it("each server's ServiceMonitor selects the server's Service on a port it names, and each server's PrometheusRule holds that server's rules", async () => {
        const e = await evaluateStack(STACK);
        const services = ofType(e, "kubernetes:core/v1:Service").map((s) => s.inputs as Json);
        const monitors = ofType(e, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor").map((m) => m.inputs as Json);
        const servers = ofType(e, "sophia:platform:McpServer").map((s) => s.name);
        expect(monitors.map((m) => m.metadata.name).sort()).to.deep.equal([...servers].sort());
        for (const monitor of monitors) {
            const selected = services.filter(
                (s) =>
                    (monitor.spec.namespaceSelector.matchNames as string[]).includes(s.metadata.namespace) &&
                    matches(monitor.spec.selector, s.metadata.labels ?? {}),
            );
            expect(
                selected.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
                `the Services ${monitor.metadata.name}'s ServiceMonitor selects`,
            ).to.have.length(1);
            const ports = (selected[0].spec.ports as Json[]).map((p) => p.name);
            for (const endpoint of monitor.spec.endpoints as Json[]) expect(ports, `${monitor.metadata.name} endpoint`).to.include(endpoint.port);
        }
        const rules = ofType(e, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((r) => r.inputs as Json);
        for (const server of servers) {
            const own = rules.find((r) => r.metadata.name === server);
            expect(own, `${server}'s PrometheusRule`).to.not.equal(undefined);
            const exprs = (own!.spec.groups as Json[]).flatMap((g) => (g.rules as Json[]).map((r) => r.expr as string));
            expect(exprs, server).to.not.be.empty;
            expect(
                exprs.filter((x) => x.includes(`service="${server}"`)),
                server,
            ).to.not.be.empty;
        }
        const platform = rules.find((r) => r.metadata.name === "platform");
        expect((platform?.spec.groups ?? []).length, "the platform's rules").to.be.greaterThan(0);
    });

    it("Alertmanager runs the stack's replicas on claimed storage and reads the receivers' credentials from the Secret the operator mounts; amtool accepts its configuration", async () => {
        const e = await evaluateStack(STACK);
        const namespace = namespaceOf(e);
        const { alertmanager } = valuesOf(e, "kube-prometheus-stack");
        const spec = alertmanager.alertmanagerSpec;
        expect(spec.replicas).to.equal(e.settings.monitoring.replicas.alertmanager).and.be.greaterThan(1);
        expect(spec.retention).to.equal("192h");
        expect(spec.storage.volumeClaimTemplate.spec).to.deep.equal({
            storageClassName: stackStorageClasses(e)[0],
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "2Gi" } },
        });
        const secrets = ofType(e, "kubernetes:core/v1:Secret").map((s) => s.inputs.metadata as Json);
        const text = YAML.stringify(alertmanager.config);
        const files = [...text.matchAll(/_file: (\S+)/g)].map((m) => m[1]);
        expect(files).to.not.be.empty;
        for (const file of files) {
            // The operator mounts each Secret of alertmanagerSpec.secrets at /etc/alertmanager/secrets/<name>/.
            const m = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(file);
            expect(m, file).to.not.equal(null);
            expect(spec.secrets, file).to.include(m![1]);
            expect(secrets.some((s) => s.name === m![1] && s.namespace === namespace)).to.equal(true);
        }
        const file = path.join(scratch, "alertmanager.yml");
        fs.writeFileSync(file, text);
        const run = runTool("amtool", ["check-config", file]);
        expect(run.code, run.output).to.equal(0);
    });

    it("Grafana: the admin from an existing Secret, and no pod the namespace's restricted profile refuses", async () => {
        const e = await evaluateStack(STACK);
        const namespace = namespaceOf(e);
        const values = valuesOf(e, "kube-prometheus-stack");
        const { grafana } = values;
        expect(grafana.replicas).to.equal(e.settings.monitoring.replicas.grafana);
        const secret = ofType(e, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Json).name === grafana.admin.existingSecret);
        expect(secret, `the Secret ${grafana.admin.existingSecret}`).to.not.equal(undefined);
        expect((secret!.inputs.metadata as Json).namespace).to.equal(namespace);
        expect(grafana.admin.userKey).to.be.a("string").and.not.equal("");
        expect(grafana.admin.passwordKey).to.be.a("string").and.not.equal(grafana.admin.userKey);
        // The node exporter (host namespaces) and Grafana's chown init container (root) break the restricted profile.
        expect(namespaceLabels(e.resources, namespace)["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
        expect(values.nodeExporter.enabled).to.equal(false);
        expect(grafana.initChownData.enabled).to.equal(false);
    });

    it("Grafana: every dashboard loaded by the sidecar, each with a datasource Grafana has, and Jaeger's at its query service", async () => {
        const e = await evaluateStack(STACK);
        const { grafana } = valuesOf(e, "kube-prometheus-stack");
        const sidecar = grafana.sidecar.dashboards;
        expect(sidecar.enabled).to.equal(true);
        const dashboards = [...e.artifacts.keys()].filter((f) => f.startsWith("monitoring/grafana/dashboards/"));
        expect(dashboards).to.not.be.empty;
        const loaded = sidecarDashboards(e, sidecar);
        expect([...loaded.keys()].sort()).to.deep.equal(dashboards.map((f) => path.posix.basename(f)).sort());
        for (const file of dashboards) expect(loaded.get(path.posix.basename(file)), file).to.equal(artifact(e, file));

        // Grafana's datasources: the chart's Prometheus (with the uid the sidecar gives it) and Jaeger.
        const datasources = grafana.sidecar.datasources;
        expect(datasources.enabled && datasources.defaultDatasourceEnabled).to.equal(true);
        const uids = new Set([datasources.uid, ...(grafana.additionalDataSources as Json[]).map((d) => d.uid)]);
        for (const file of dashboards) {
            const named = [...artifact(e, file).matchAll(/"datasource":\s*\{[^}]*"uid":\s*"([^"]+)"/g)].map((m) => m[1]);
            expect(named, file).to.not.be.empty;
            for (const uid of named) expect([...uids], `${file}: datasource ${uid}`).to.include(uid);
        }
        const jaeger = (grafana.additionalDataSources as Json[]).find((d) => d.type === "jaeger");
        expect(jaeger, "the Jaeger datasource").to.not.equal(undefined);
        const url = new URL(jaeger!.url);
        const service = ofType(e, "kubernetes:core/v1:Service")
            .map((s) => s.inputs as Json)
            .find((s) => url.hostname === `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`);
        expect(service, `the service ${url.hostname}`).to.not.equal(undefined);
        expect((service!.spec.ports as Json[]).find((p) => p.name === "ui")?.port).to.equal(Number(url.port));
    });

    it("the adapter and the edge reach Prometheus, Alertmanager and Grafana at the services the charts name", async () => {
        const e = await evaluateStack(STACK);
        const namespace = namespaceOf(e);
        const release = releaseOf(e, "kube-prometheus-stack");
        const values = release.inputs.values as Json;
        const fullname = stackFullname(release.inputs.name as string, values);
        const adapter = valuesOf(e, "prometheus-adapter").prometheus;
        // The chart's Prometheus service listens on 9090, its Alertmanager on 9093, Grafana's on 80.
        expect(`${adapter.url}:${adapter.port}`).to.equal(`http://${fullname}-prometheus.${namespace}.svc:9090`);
        const upstreams = new Map([...artifact(e, "edge/nginx.conf").matchAll(/upstream ui_(\w+) \{\s*server ([^;\s]+);/g)].map((m) => [m[1], m[2]] as const));
        expect(upstreams.get("alertmanager")).to.equal(`${fullname}-alertmanager.${namespace}.svc.cluster.local:9093`);
        const grafana = grafanaFullname(release.inputs.name as string, values.grafana);
        expect(upstreams.get("grafana")).to.equal(`${grafana}.${namespace}.svc.cluster.local:80`);
    });

    it("prometheus-adapter serves each pod's p95 latency under the metric the autoscalers ask for, computed as promtool computes it", async () => {
        const e = await evaluateStack(STACK);
        const values = valuesOf(e, "prometheus-adapter");
        // The chart's default rules are off: the adapter serves this one metric.
        expect(values.rules.default).to.equal(false);
        expect(values.rules.custom).to.have.length(1);
        const rule = values.rules.custom[0];
        const hpaMetrics = ofType(e, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").flatMap((h) =>
            ((h.inputs.spec as Json).metrics as Json[]).filter((m) => m.type === "Pods").map((m) => m.pods.metric.name as string),
        );
        expect(hpaMetrics).to.not.be.empty;
        // prometheus-adapter names a series by name.matches, replaced by name.as (the whole match when empty).
        const series = "http_request_duration_seconds_bucket";
        expect(new RegExp(rule.name.matches).test(series), rule.name.matches).to.equal(true);
        const served = series.replace(new RegExp(rule.name.matches, "g"), rule.name.as || "$&");
        for (const name of hpaMetrics) expect(name).to.equal(served);
        // Each series maps to its pod through the namespace and pod labels a ServiceMonitor's targets carry.
        expect(rule.resources.overrides).to.deep.equal({ namespace: { resource: "namespace" }, pod: { resource: "pod" } });

        // What the adapter asks Prometheus for two pods of a server: the series it discovers and their p95.
        const query = (rule.metricsQuery as string)
            .replace("<<.Series>>", series)
            .replace("<<.LabelMatchers>>", 'namespace="sophia-mcp",pod=~"a-1|a-2"')
            .replace("<<.GroupBy>>", "pod");
        const bucket = (pod: string, le: string, values: string) => ({
            series: `${series}{namespace="sophia-mcp",pod="${pod}",service="a",le="${le}"}`,
            values,
        });
        const rules = path.join(scratch, "adapter.yml");
        fs.writeFileSync(
            rules,
            YAML.stringify({
                groups: [
                    {
                        name: "adapter",
                        rules: [
                            { record: "adapter:discovered", expr: `count(${rule.seriesQuery})` },
                            { record: "adapter:p95", expr: query },
                        ],
                    },
                ],
            }),
        );
        const tests = path.join(scratch, "adapter.test.yml");
        fs.writeFileSync(
            tests,
            YAML.stringify({
                rule_files: [rules],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [
                            // a-1: every request within (0.1, 0.2] s; a-2: within (0.2, 0.5] s; one per second.
                            bucket("a-1", "0.1", "0+0x10"),
                            bucket("a-1", "0.2", "0+60x10"),
                            bucket("a-1", "+Inf", "0+60x10"),
                            bucket("a-2", "0.2", "0+0x10"),
                            bucket("a-2", "0.5", "0+60x10"),
                            bucket("a-2", "+Inf", "0+60x10"),
                            // Series of a target without a pod are not the adapter's.
                            { series: `${series}{service="b",le="+Inf"}`, values: "0+60x10" },
                        ],
                        promql_expr_test: [
                            { expr: "adapter:discovered", eval_time: "5m", exp_samples: [{ labels: "adapter:discovered", value: 6 }] },
                            {
                                expr: "adapter:p95",
                                eval_time: "5m",
                                exp_samples: [
                                    { labels: 'adapter:p95{pod="a-1"}', value: 0.195 },
                                    { labels: 'adapter:p95{pod="a-2"}', value: 0.485 },
                                ],
                            },
                        ],
                    },
                ],
            }),
        );
        const run = runTool("promtool", ["test", "rules", tests]);
        expect(run.code, run.output).to.equal(0);
    });

    it("the charts' pods take traffic from the platform's namespaces and the API server's webhook calls only, and reach the cluster, the API server and HTTPS outside", async () => {
        const e = await evaluateStack(STACK);
        const namespace = namespaceOf(e);
        const chartPod = { namespace, labels: { "app.kubernetes.io/name": "prometheus" }, ports: new Map<string, number>() };
        expect(admittedPorts(e.resources, chartPod, { namespace: "sophia-mcp" })).to.include(ALL_PORTS);
        // Another namespace (the API server calls the operator's admission webhook from outside any).
        expect([...admittedPorts(e.resources, chartPod, { namespace: "kube-system" })]).to.deep.equal([10250]);
        const egress = (destination: Parameters<typeof egressAllowed>[2], port: number) => egressAllowed(e.resources, chartPod, destination, port);
        expect(egress({ namespace: "sophia-mcp", labels: { "app.kubernetes.io/name": "ai-memory" } }, 8080), "scraping").to.equal(true);
        expect(egress({ namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }, 53), "DNS").to.equal(true);
        expect(egress({ address: "10.0.0.1" }, 6443), "the API server").to.equal(true);
        expect(egress({ address: "203.0.113.10" }, 443), "Slack and PagerDuty").to.equal(true);
        expect(egress({ address: "203.0.113.10" }, 80), "plain HTTP outside").to.equal(false);
    });

    it("every pod the charts run for Prometheus, Alertmanager, Grafana and the adapter requests CPU and memory and is limited to at least that", async () => {
        const e = await evaluateStack(STACK);
        const stack = valuesOf(e, "kube-prometheus-stack");
        const parts: [string, Json][] = [
            ["prometheus", stack.prometheus.prometheusSpec.resources],
            ["alertmanager", stack.alertmanager.alertmanagerSpec.resources],
            ["grafana", stack.grafana.resources],
            ["prometheus-adapter", valuesOf(e, "prometheus-adapter").resources],
        ];
        // Kubernetes quantities: cores or millicores, bytes with a binary suffix.
        const cpu = (q: string) => (/^\d+m$/.test(q) ? Number(q.slice(0, -1)) / 1000 : /^\d+(\.\d+)?$/.test(q) ? Number(q) : NaN);
        const memory = (q: string) => {
            const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
            return m ? Number(m[1]) * 1024 ** (["Ki", "Mi", "Gi"].indexOf(m[2]) + 1) : NaN;
        };
        for (const [part, resources] of parts) {
            for (const [key, parse] of [
                ["cpu", cpu],
                ["memory", memory],
            ] as const) {
                const request = parse(String(resources?.requests?.[key]));
                const limit = parse(String(resources?.limits?.[key]));
                expect(request, `${part} requests.${key}`).to.be.greaterThan(0);
                expect(limit, `${part} limits.${key}`).to.be.at.least(request);
            }
        }
    });

    it("pulls every image of the charts through the stack registry's mirror of the registry the chart's values.yaml names for it", async () => {
        const e = await evaluateStack(STACK);
        // Each image key's default registry in the charts' values.yaml at the pinned versions.
        const upstream: Record<string, Record<string, string>> = {
            "kube-prometheus-stack": {
                "crds.upgradeJob.image.busybox": "docker.io",
                "crds.upgradeJob.image.kubectl": "registry.k8s.io",
                "alertmanager.alertmanagerSpec.image": "quay.io",
                "grafana.image": "docker.io",
                "grafana.sidecar.image": "quay.io",
                "grafana.initChownData.image": "docker.io",
                "grafana.downloadDashboardsImage": "docker.io",
                "grafana.imageRenderer.image": "docker.io",
                "grafana.testFramework.image": "docker.io",
                "kube-state-metrics.image": "registry.k8s.io",
                "kube-state-metrics.kubeRBACProxy.image": "quay.io",
                "prometheus-node-exporter.image": "quay.io",
                "prometheus-node-exporter.kubeRBACProxy.image": "quay.io",
                "prometheus-windows-exporter.image": "ghcr.io",
                "prometheusOperator.image": "quay.io",
                "prometheusOperator.prometheusConfigReloader.image": "quay.io",
                "prometheusOperator.thanosImage": "quay.io",
                "prometheusOperator.admissionWebhooks.deployment.image": "quay.io",
                "prometheusOperator.admissionWebhooks.patch.image": "ghcr.io",
                "prometheus.prometheusSpec.image": "quay.io",
                "thanosRuler.thanosRulerSpec.image": "quay.io",
            },
            "prometheus-adapter": { image: "registry.k8s.io" },
        };
        for (const [chart, keys] of Object.entries(upstream)) {
            const values = valuesOf(e, chart);
            for (const [key, host] of Object.entries(keys)) {
                const image = key.split(".").reduce<Json | undefined>((at, k) => at?.[k], values);
                expect(image?.registry, `${chart} ${key}`).to.equal(`${e.settings.registry}/mirror/${host}`);
            }
        }
    });

    it("installs the pinned charts atomically, each after what it needs, and writes the values each receives to the plan", async () => {
        const e = await evaluateStack(STACK);
        const stack = releaseOf(e, "kube-prometheus-stack");
        const adapter = releaseOf(e, "prometheus-adapter");
        const doc = fs.readFileSync(path.join(__dirname, "../../docs/03-architecture/monitoring.md"), "utf8");
        expect(doc, "the version the architecture page names").to.include(`kube-prometheus-stack ${String(stack.inputs.version)}`);
        for (const release of [stack, adapter]) {
            expect(release.inputs.version, `${String(release.inputs.chart)}: a pinned version`).to.match(/^\d+\.\d+\.\d+$/);
            expect(release.inputs.repositoryOpts).to.deep.equal({ repo: "https://prometheus-community.github.io/helm-charts" });
            // A failed install or upgrade is rolled back rather than left half applied.
            expect(release.inputs.atomic, release.name).to.equal(true);
            expect(release.inputs.timeout, release.name).to.be.at.least(300);
            expect(YAML.parse(artifact(e, `monitoring/helm/${String(release.inputs.chart)}.values.yaml`)), release.name).to.deep.equal(release.inputs.values);
        }
        const urnOf = (type: string, name: string) => e.resources.find((r) => r.type === type && (r.inputs.metadata as Json)?.name === name)?.urn;
        const values = stack.inputs.values as Json;
        // The chart reads the Grafana admin and the receivers' Secrets as its pods start.
        for (const secret of [values.grafana.admin.existingSecret, ...values.alertmanager.alertmanagerSpec.secrets]) {
            expect(stack.dependsOn, secret).to.include(urnOf("kubernetes:core/v1:Secret", secret));
        }
        // The adapter queries the chart's Prometheus; the ServiceMonitors and PrometheusRules need the chart's CRDs.
        expect(adapter.dependsOn).to.include(stack.urn);
        const custom = monitoringOf(e).filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"));
        expect(custom).to.not.be.empty;
        for (const r of custom) expect(r.dependsOn, r.name).to.include(stack.urn);
    });
});
