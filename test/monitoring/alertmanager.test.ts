import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ALERTMANAGER_RETENTION, alertmanagerYaml } from "../../components/monitoring/render/alertmanager";
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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-am-"));
    const file = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(file, alertmanagerYaml({ secretFile: (name) => `/run/secrets/${name}` }));
    const config = YAML.parse(fs.readFileSync(file, "utf8"));
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

    it("inhibits lower severities of the same service while a critical alert fires", () => {
        expect(config.inhibit_rules).to.deep.include({
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity=~"high|medium|low"'],
            equal: ["service"],
        });
    });
});
