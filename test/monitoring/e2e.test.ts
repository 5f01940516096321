import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import type * as http from "http";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { planOf } from "../support/plan";
import { FakeBehaviour, Sink, startFakeServer, startSink } from "./support/fakeServer";
import { freePort, requireBinary, waitFor } from "../support/tools";

/**
 * A metric reaches a person: the dev stack's generated prometheus.yml, rules and alertmanager.yml
 * loaded into real Prometheus and Alertmanager processes on 127.0.0.1. Only addresses and intervals
 * are rewritten (discovery reads a file instead of the Docker API, Slack and PagerDuty are a local
 * sink, intervals are seconds); rules, relabeling and routes are as generated.
 */
describe("monitoring end to end: failing server → Prometheus → Alertmanager → Slack and PagerDuty", function () {
    this.timeout(120_000);
    const PREFIX = "sophia";
    const catalog = loadCatalog().servers;
    const critical = catalog.find((s) => s.tier === "critical")!;
    const low = catalog.find((s) => s.tier === "low")!;
    const failing: FakeBehaviour = { perScrape: 100, errorRatio: 0.5, seconds: 0.05 };
    const ROUTING_KEY = "test-routing-key";

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-e2e-"));
    const processes: ChildProcess[] = [];
    const servers: http.Server[] = [];
    let sink: Sink;
    let alertmanagerUrl: string;

    function start(binary: string, args: string[], name: string): ChildProcess {
        const child = spawn(requireBinary(binary), args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        const log = fs.createWriteStream(path.join(dir, `${name}.log`));
        child.stdout.pipe(log);
        child.stderr.pipe(log);
        processes.push(child);
        return child;
    }

    /** What dockerswarm discovery would report for a task of the service on the monitoring network. */
    const swarmTarget = (server: { name: string; tier: string }, port: number) => ({
        targets: ["127.0.0.1:80"],
        labels: {
            __meta_dockerswarm_network_name: `${PREFIX}-monitoring`,
            __meta_dockerswarm_task_desired_state: "running",
            __meta_dockerswarm_task_slot: "1",
            __meta_dockerswarm_service_name: `${PREFIX}-${server.name}`,
            __meta_dockerswarm_service_label_prometheus_io_scrape: "true",
            __meta_dockerswarm_service_label_prometheus_io_port: String(port),
            __meta_dockerswarm_service_label_prometheus_io_path: "/metrics",
            __meta_dockerswarm_service_label_sophia_ai_tier: server.tier,
            __meta_dockerswarm_service_label_sophia_ai_group: "mcp",
        },
    });

    before(async () => {
        const generated = path.join(planOf("dev").out, "dev", "monitoring");
        fs.cpSync(generated, dir, { recursive: true });
        const [sinkPort, criticalPort, lowPort, promPort, amPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
        sink = await startSink(sinkPort);
        servers.push(sink.server, await startFakeServer(failing, criticalPort), await startFakeServer(failing, lowPort));
        fs.writeFileSync(path.join(dir, "targets.json"), JSON.stringify([swarmTarget(critical, criticalPort), swarmTarget(low, lowPort)]));

        const prometheus = YAML.parse(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8"));
        prometheus.global.scrape_interval = "1s";
        prometheus.global.evaluation_interval = "1s";
        for (const job of prometheus.scrape_configs) {
            expect(job.dockerswarm_sd_configs, job.job_name).to.exist;
            delete job.dockerswarm_sd_configs;
            job.file_sd_configs = [{ files: [path.join(dir, "targets.json")] }];
        }
        prometheus.alerting.alertmanagers = [{ api_version: "v2", static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }];
        fs.writeFileSync(path.join(dir, "prometheus.yml"), YAML.stringify(prometheus));

        const alertmanager = YAML.parse(fs.readFileSync(path.join(dir, "alertmanager.yml"), "utf8"));
        const secretFiles = new Map<string, string>();
        const localSecret = (file: string, value: string) => {
            const local = path.join(dir, "secrets", path.basename(file));
            fs.mkdirSync(path.dirname(local), { recursive: true });
            fs.writeFileSync(local, value);
            secretFiles.set(file, local);
            return local;
        };
        const shorten = (route: Record<string, unknown>) => {
            for (const key of ["group_wait", "group_interval"]) if (key in route) route[key] = "1s";
            for (const child of (route.routes as Record<string, unknown>[] | undefined) ?? []) shorten(child);
        };
        shorten(alertmanager.route);
        for (const receiver of alertmanager.receivers) {
            for (const slack of receiver.slack_configs ?? []) slack.api_url_file = localSecret(slack.api_url_file, `http://127.0.0.1:${sinkPort}/slack`);
            for (const pd of receiver.pagerduty_configs ?? []) {
                pd.routing_key_file = localSecret(pd.routing_key_file, ROUTING_KEY);
                pd.url = `http://127.0.0.1:${sinkPort}/pagerduty`;
            }
        }
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), YAML.stringify(alertmanager));

        alertmanagerUrl = `http://127.0.0.1:${amPort}`;
        start(
            "prometheus-alertmanager",
            [
                `--config.file=${path.join(dir, "alertmanager.yml")}`,
                `--storage.path=${path.join(dir, "am-data")}`,
                `--web.listen-address=127.0.0.1:${amPort}`,
                "--cluster.listen-address=",
            ],
            "alertmanager",
        );
        start(
            "prometheus",
            [
                `--config.file=${path.join(dir, "prometheus.yml")}`,
                `--storage.tsdb.path=${path.join(dir, "prom-data")}`,
                `--web.listen-address=127.0.0.1:${promPort}`,
            ],
            "prometheus",
        );
        await waitFor("Alertmanager to be ready", async () => ((await fetch(`${alertmanagerUrl}/-/ready`)).ok ? true : undefined), 20_000);
        await waitFor("Prometheus to be ready", async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok ? true : undefined), 20_000);
    });

    after(async () => {
        for (const child of processes) if (child.exitCode === null) child.kill("SIGTERM");
        await Promise.all(processes.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", r)))));
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const logs = () => ["prometheus", "alertmanager"].map((n) => `--- ${n}\n${fs.readFileSync(path.join(dir, `${n}.log`), "utf8").slice(-3000)}`).join("\n");

    it(`pages PagerDuty and posts to Slack for the critical server ${critical.name}`, async () => {
        const pagerduty = await waitFor(
            "the PagerDuty event",
            () => sink.received.find((r) => r.path === "/pagerduty" && JSON.stringify(r.body).includes(critical.name)),
            60_000,
        ).catch((error) => {
            throw new Error(`${error.message}\n${logs()}`);
        });
        expect(pagerduty.body.routing_key).to.equal(ROUTING_KEY);
        expect(pagerduty.body.event_action).to.equal("trigger");
        expect(pagerduty.body.payload.summary).to.include("SLOErrorBudgetBurnFast");
        const slack = await waitFor(
            "the Slack message",
            () => sink.received.find((r) => r.path === "/slack" && JSON.stringify(r.body).includes(critical.name)),
            30_000,
        );
        expect(slack.body.channel).to.equal("#sophia-alerts-critical");
        expect(JSON.stringify(slack.body)).to.include("SLOErrorBudgetBurnFast");
    });

    it(`does not page for the low-tier server ${low.name}`, async () => {
        // The low-tier alert reached Alertmanager, with the low severity...
        const alerts = await waitFor(
            `the ${low.name} alert in Alertmanager`,
            async () => {
                const list = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
                return list.some((a) => a.labels.service === low.name && a.labels.alertname === "SLOErrorBudgetBurnFast") ? list : undefined;
            },
            30_000,
        );
        expect(alerts.find((a) => a.labels.service === low.name)!.labels.severity).to.equal("low");
        // ...and gave it time to be routed; PagerDuty heard only of the critical server.
        await new Promise((r) => setTimeout(r, 3000));
        const paged = sink.received.filter((r) => r.path === "/pagerduty").map((r) => JSON.stringify(r.body));
        expect(paged.some((p) => p.includes(low.name))).to.equal(false);
        expect(paged.some((p) => p.includes(critical.name))).to.equal(true);
    });
});
