import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ALERTMANAGER_RETENTION, alertmanagerYaml, SEVERITY_RECEIVERS } from "../../components/monitoring/render/alertmanager";
import { runTool } from "../support/tools";

/** The four tiers as the issue states them, written independently of the renderer. */
const EXPECTED = {
    critical: ["pagerduty-critical", "slack-critical"],
    high: ["slack-high"],
    medium: ["slack-daily-digest"],
    low: ["slack-weekly-summary"],
} as const;

const hours = (d: string): number => {
    const m = /^(\d+)(s|m|h)$/.exec(d);
    if (!m) throw new Error(`unexpected duration ${d}`);
    return Number(m[1]) / { s: 3600, m: 60, h: 1 }[m[2] as "s" | "m" | "h"];
};

describe("monitoring: Alertmanager routing under amtool", function () {
    this.timeout(30_000);
    // Made and rendered in hooks, not when the file loads: a mutation run runs the suite again in one
    // process, after `after` removed the folder.
    let dir = "";
    let file = "";
    let config: any;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-am-"));
        file = path.join(dir, "alertmanager.yml");
    });
    beforeEach(() => {
        fs.writeFileSync(file, alertmanagerYaml({ secretFile: (name) => `/run/secrets/${name}` }));
        config = YAML.parse(fs.readFileSync(file, "utf8"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("amtool accepts the configuration", () => {
        const run = runTool("amtool", ["check-config", file]);
        expect(run.code, run.output).to.equal(0);
    });

    for (const [severity, receivers] of Object.entries(EXPECTED)) {
        it(`routes ${severity} alerts to ${receivers.join(" and ")}`, () => {
            const run = runTool("amtool", [
                "config",
                "routes",
                "test",
                `--config.file=${file}`,
                `--verify.receivers=${receivers.join(",")}`,
                `severity=${severity}`,
                "service=ai-memory",
                "alertname=SLOErrorBudgetBurnFast",
            ]);
            expect(run.code, run.output).to.equal(0);
        });
    }

    it("does not page for anything but critical (amtool reports a wrong expectation)", () => {
        const run = runTool("amtool", [
            "config",
            "routes",
            "test",
            `--config.file=${file}`,
            "--verify.receivers=pagerduty-critical",
            "severity=low",
            "service=codacy",
        ]);
        expect(run.code).to.not.equal(0);
        expect(run.output).to.include("slack-weekly-summary");
    });

    it("pages PagerDuty and posts to Slack for critical alerts at once: within seconds, and again within minutes", () => {
        const routes = (config.route.routes as Record<string, any>[]).filter((r) => r.matchers.includes('severity="critical"'));
        expect(routes.map((r) => r.receiver)).to.deep.equal(EXPECTED.critical);
        for (const route of routes) {
            // group_wait delays the first notification of a new group; group_interval delays news of it.
            expect(hours(route.group_wait) * 3600, `${route.receiver} group_wait`).to.be.at.most(10);
            expect(hours(route.group_interval) * 60, `${route.receiver} group_interval`).to.be.at.most(1);
            expect(hours(route.repeat_interval), `${route.receiver} repeat_interval`).to.be.at.most(1);
        }
        expect(routes[0].continue, "the PagerDuty route lets the Slack route see critical alerts too").to.equal(true);
    });

    it("tells Slack about high alerts within 5 minutes and batches medium daily and low weekly", () => {
        const routes = config.route.routes as Record<string, any>[];
        const route = (severity: string) => routes.find((r) => r.matchers.includes(`severity="${severity}"`) && r.receiver.startsWith("slack"));
        expect(hours(route("high")!.group_wait) + hours(route("high")!.group_interval)).to.be.at.most(5.5 / 60);
        const interval = (name: string) => (config.time_intervals as any[]).find((t) => t.name === name).time_intervals[0];
        expect(route("medium")!.active_time_intervals).to.have.length(1);
        expect(interval(route("medium")!.active_time_intervals[0]).weekdays).to.equal(undefined);
        expect(interval(route("low")!.active_time_intervals[0]).weekdays).to.deep.equal(["monday"]);
        // Each digest repeats at most once per window: the repeat interval is just under a day / a week.
        expect(hours(route("medium")!.repeat_interval)).to.be.within(20, 24);
        expect(hours(route("low")!.repeat_interval)).to.be.within(160, 168);
        // Notification history must outlive the weekly route, or it would repeat early.
        expect(hours(ALERTMANAGER_RETENTION)).to.be.above(hours(route("low")!.repeat_interval));
    });

    it("publishes the same severity → receivers map the routes implement (the docs list it)", () => {
        expect(SEVERITY_RECEIVERS).to.deep.equal(EXPECTED);
    });

    it("routes an alert without a known severity to Slack within minutes, one notification per alert and service", () => {
        const run = runTool("amtool", [
            "config",
            "routes",
            "test",
            `--config.file=${file}`,
            "--verify.receivers=slack-high",
            "severity=unknown",
            "alertname=X",
        ]);
        expect(run.code, run.output).to.equal(0);
        expect(config.route.group_by).to.deep.equal(["alertname", "service"]);
    });

    it("sends one digest message per severity, in the 09:00–09:30 UTC window: daily for medium, Mondays for low", () => {
        const routes = config.route.routes as Record<string, any>[];
        for (const severity of ["medium", "low"]) {
            const route = routes.find((r) => r.matchers.includes(`severity="${severity}"`))!;
            expect(route.group_by, severity).to.deep.equal(["severity"]);
        }
        const windows = Object.fromEntries((config.time_intervals as any[]).map((t) => [t.name, t.time_intervals]));
        expect(windows["daily-digest"]).to.deep.equal([{ times: [{ start_time: "09:00", end_time: "09:30" }] }]);
        expect(windows["weekly-summary"]).to.deep.equal([{ weekdays: ["monday"], times: [{ start_time: "09:00", end_time: "09:30" }] }]);
    });

    const receiver = (cfg: any, name: string) => (cfg.receivers as any[]).find((r) => r.name === name);

    it("pages through PagerDuty with the routing key from its secret file, as critical, and resolves the page", () => {
        expect(receiver(config, "pagerduty-critical").pagerduty_configs).to.deep.equal([
            {
                routing_key_file: "/run/secrets/ALERT_PAGERDUTY_ROUTING_KEY",
                severity: "critical",
                description: "{{ .CommonLabels.alertname }} {{ .CommonLabels.service }}: {{ .CommonAnnotations.summary }}",
                send_resolved: true,
            },
        ]);
    });

    it("posts each Slack tier to its own channel through the webhook's secret file, and says when an alert resolves", () => {
        const channels = {
            "slack-critical": "#sophia-alerts-critical",
            "slack-high": "#sophia-alerts",
            "slack-daily-digest": "#sophia-alerts-digest",
            "slack-weekly-summary": "#sophia-alerts-weekly",
        };
        for (const [name, channel] of Object.entries(channels)) {
            const slack = receiver(config, name).slack_configs;
            expect(slack, name).to.have.length(1);
            expect(slack[0], name).to.include({ api_url_file: "/run/secrets/ALERT_SLACK_WEBHOOK_URL", channel, send_resolved: true });
            // The message names the status and count, the severity, the alert and the service, then each alert's summary.
            for (const field of [
                "{{ .Status | toUpper }}",
                "{{ .Alerts.Firing | len }}",
                ".CommonLabels.severity",
                ".GroupLabels.alertname",
                ".GroupLabels.service",
            ]) {
                expect(slack[0].title, `${name} title`).to.include(field);
            }
            expect(slack[0].text, `${name} text`).to.include("{{ range .Alerts }}").and.include(".Annotations.summary");
        }
        const custom = YAML.parse(alertmanagerYaml({ secretFile: (n) => `/s/${n}`, channels: { high: "#team-high" } }));
        expect(receiver(custom, "slack-high").slack_configs[0].channel).to.equal("#team-high");
        expect(receiver(custom, "slack-critical").slack_configs[0].channel, "other channels keep their defaults").to.equal("#sophia-alerts-critical");
    });

    it("inhibits lower severities of the same service while a critical alert fires", () => {
        expect(config.inhibit_rules).to.deep.include({
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity=~"high|medium|low"'],
            equal: ["service"],
        });
    });
});
