// Monitoring as each stack's program (index.ts) registers and renders it, evaluated in this process
// from the stack file (test/support/program.ts): the Monitoring component, the files it renders
// (monitoring/…, judged by promtool and amtool once written to a scratch folder), the servers'
// tracing environment, and on Kubernetes the ServiceMonitors, PrometheusRules and autoscalers.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { LATENCY_P95_METRIC } from "../../components/monitoring/metricsContract";
import type { RecordedResource } from "../../commands/plan/recorder";
import { PLACEHOLDER_PREFIX } from "../../commands/plan/stackConfig";
import { filesUnder } from "../support/plan";
import { artifact, Evaluated, evaluateStack } from "../support/program";
import { runTool } from "../support/tools";

const STACKS = ["dev", "staging", "prod"] as const;
/** The servers a target runs: a catalog entry may be limited to some targets. */
const serversOn = (target: string) =>
    loadCatalog()
        .servers.filter((s) => (s.targets as readonly string[]).includes(target))
        .map((s) => s.name);

/**
 * Debian's Prometheus is built without Kubernetes service discovery. Where promtool lacks it, the
 * Kubernetes jobs are checked with their discovery block swapped for a static one, so the rest of
 * each job (relabeling, paths, intervals) is still judged by the real tool.
 */
function promtoolKnowsKubernetes(dir: string): boolean {
    const probe = path.join(dir, "probe.yml");
    fs.writeFileSync(probe, YAML.stringify({ scrape_configs: [{ job_name: "probe", kubernetes_sd_configs: [{ role: "endpoints" }] }] }));
    return runTool("promtool", ["check", "config", probe]).code === 0;
}

function withoutKubernetesDiscovery(text: string): string {
    const config = YAML.parse(text) as { scrape_configs?: Record<string, unknown>[] };
    for (const job of config.scrape_configs ?? []) {
        if (job.kubernetes_sd_configs) {
            delete job.kubernetes_sd_configs;
            job.static_configs = [{ targets: ["127.0.0.1:9"] }];
        }
    }
    return YAML.stringify(config);
}

/** The files the Monitoring component rendered (the artifacts under monitoring/), by path relative to that folder. */
function monitoringFiles(e: Evaluated): Map<string, string> {
    const files = new Map<string, string>();
    for (const [file, text] of e.artifacts) if (file.startsWith("monitoring/")) files.set(file.slice("monitoring/".length), text);
    return files;
}

/** Writes the rendered monitoring files into a new folder under `root`, for the tools that read files; returns the folder. */
function writeMonitoringFiles(e: Evaluated, root: string): string {
    const dir = path.join(fs.mkdtempSync(path.join(root, "run-")), "monitoring");
    for (const [file, text] of monitoringFiles(e)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

for (const stack of STACKS) {
    describe(`monitoring in the program of ${stack}, evaluated in process`, function () {
        this.timeout(120_000);
        // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
        let scratch = "";
        before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-monitoring-program-"))));
        after(() => fs.rmSync(scratch, { recursive: true, force: true }));

        it("has the Monitoring component and writes its artifacts", async () => {
            const e = await evaluateStack(stack);
            const servers = serversOn(e.settings.target);
            expect(e.resources.filter((r) => r.type === "sophia:platform:Monitoring")).to.have.length(1);
            const written = [...monitoringFiles(e).keys()];
            expect(written).to.include.members([
                "prometheus.yml",
                "alertmanager.yml",
                "rules/platform.yml",
                "grafana/datasources.yml",
                "grafana/dashboards/sophia-overview.json",
                "grafana/dashboards/sophia-server.json",
            ]);
            expect(written.filter((f) => f.startsWith("rules/") && f !== "rules/platform.yml").sort()).to.deep.equal(
                servers.map((s) => `rules/${s}.yml`).sort(),
            );
        });

        it("promtool accepts prometheus.yml and every rule file", async () => {
            const e = await evaluateStack(stack);
            const servers = serversOn(e.settings.target);
            const dir = writeMonitoringFiles(e, scratch);
            const config = path.join(dir, "prometheus.yml");
            if (!promtoolKnowsKubernetes(scratch)) {
                fs.writeFileSync(config, withoutKubernetesDiscovery(fs.readFileSync(config, "utf8")));
            }
            const checkConfig = runTool("promtool", ["check", "config", config]);
            expect(checkConfig.code, checkConfig.output).to.equal(0);
            // check config also loads rule_files: every server's rules were found.
            expect(checkConfig.output).to.include(`rules/${servers[0]}.yml`);
            const rules = filesUnder(path.join(dir, "rules"));
            const checkRules = runTool("promtool", ["check", "rules", ...rules]);
            expect(checkRules.code, checkRules.output).to.equal(0);
        });

        it("amtool accepts alertmanager.yml", async () => {
            const dir = writeMonitoringFiles(await evaluateStack(stack), scratch);
            const run = runTool("amtool", ["check-config", path.join(dir, "alertmanager.yml")]);
            expect(run.code, run.output).to.equal(0);
        });

        it("keeps secret values out of the rendered files", async () => {
            const e = await evaluateStack(stack);
            for (const [file, text] of monitoringFiles(e)) {
                expect(text, file).to.not.include(PLACEHOLDER_PREFIX);
                expect(text, file).to.not.match(/hooks\.slack\.com\/services|routing_key:/);
            }
            expect(artifact(e, "monitoring/alertmanager.yml"))
                .to.match(/api_url_file: \S+ALERT_SLACK_WEBHOOK_URL/)
                .and.match(/routing_key_file: \S+ALERT_PAGERDUTY_ROUTING_KEY/);
        });

        it("gives every MCP server its OTLP endpoint and service name", async () => {
            const e = await evaluateStack(stack);
            const servers = serversOn(e.settings.target);
            const envOf = (r: RecordedResource): Record<string, string> => {
                const inputs = r.inputs as any;
                if (r.type === "docker:index/service:Service") return inputs.taskSpec.containerSpec.env ?? {};
                const env = (inputs.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
                return Object.fromEntries(env.map((e) => [e.name, e.value ?? ""]));
            };
            const workloads = e.resources.filter(
                (r) =>
                    ["docker:index/service:Service", "kubernetes:apps/v1:Deployment"].includes(r.type) &&
                    servers.includes(r.name.replace(/-(service|deployment)$/, "")),
            );
            expect(workloads).to.have.length(servers.length);
            for (const w of workloads) {
                const env = envOf(w);
                expect(env.OTEL_SERVICE_NAME, w.name).to.equal(w.name.replace(/-(service|deployment)$/, ""));
                expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, w.name).to.match(/^http:\/\/jaeger(\.[a-z-]+\.svc\.cluster\.local)?:4318$/);
            }
        });

        if (stack !== "dev") {
            it("has one ServiceMonitor and one PrometheusRule per server, and scales at the goals: CPU 70%, memory 80%, p95 500 ms", async () => {
                const e = await evaluateStack(stack);
                const servers = serversOn(e.settings.target);
                const ofKind = (kind: string) => e.resources.filter((r) => r.type === `kubernetes:monitoring.coreos.com/v1:${kind}`);
                expect(
                    ofKind("ServiceMonitor")
                        .map((r) => (r.inputs as any).metadata.name)
                        .sort(),
                ).to.deep.equal([...servers].sort());
                expect(ofKind("PrometheusRule")).to.have.length(servers.length + 1);
                const hpas = e.resources.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
                expect(hpas).to.not.be.empty;
                // The platform's goals: CPU below 70% and memory below 80% of requests, p95 below 500 ms.
                const utilization = (name: string, averageUtilization: number) => ({
                    type: "Resource",
                    resource: { name, target: { type: "Utilization", averageUtilization } },
                });
                for (const hpa of hpas) {
                    expect((hpa.inputs as any).spec.metrics, hpa.name).to.deep.equal([
                        utilization("cpu", 70),
                        utilization("memory", 80),
                        { type: "Pods", pods: { metric: { name: LATENCY_P95_METRIC }, target: { type: "AverageValue", averageValue: "500m" } } },
                    ]);
                }
                const releases = e.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.urn.includes("sophia:platform:Monitoring$"));
                expect(releases.map((r) => (r.inputs as any).chart).sort()).to.deep.equal(["kube-prometheus-stack", "prometheus-adapter"]);
                expect(JSON.stringify(releases.map((r) => r.inputs))).to.not.include("[secret]");
            });
        }
    });
}
