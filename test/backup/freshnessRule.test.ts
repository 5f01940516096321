// The freshness alert, judged by Prometheus' own rule checker and unit-test runner.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import * as YAML from "yaml";
import { backupFreshnessRuleGroup, LAST_SUCCESS_METRIC } from "../../components/backup-jobs/freshnessRule";
import { LAST_SUCCESS_METRIC as PUSHED_METRIC } from "../../images/backup/src/metrics";
import { runTool, ToolRun } from "../support/tools";

function promtool(args: string[], cwd: string): ToolRun {
    return runTool("promtool", args, { cwd, timeoutMs: 30_000 });
}

const series = (target: string, values: string) => ({ series: `${LAST_SUCCESS_METRIC}{job="sophia-backup",target="${target}",kind="hourly"}`, values });
/** A backup each hour on the hour, the value being its own time (seconds), for `hours` hours. */
const hourly = (hours: number): string => Array.from({ length: hours }, (_, h) => `${h * 3600}x59`).join(" ");

describe("backup freshness alert", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-freshness-"));
        fs.writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups: [backupFreshnessRuleGroup(["postgres", "redis"])] }));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the metric the backup program pushes", () => {
        expect(LAST_SUCCESS_METRIC).to.equal(PUSHED_METRIC);
    });

    it("is a valid rule file", () => {
        const { code, output } = promtool(["check", "rules", "rules.yml"], dir);
        expect(code, output).to.equal(0);
        expect(output).to.include("3 rules found");
    });

    it("fires when the newest backup is older than the 1-hour RPO, and stays silent while backups are fresh", () => {
        const tests = {
            rule_files: ["rules.yml"],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    // postgres: hourly backups for 3 hours. redis: one backup at 0, then none.
                    input_series: [series("postgres", hourly(3)), series("redis", "0x179")],
                    alert_rule_test: [
                        { eval_time: "50m", alertname: "BackupTooOld", exp_alerts: [] },
                        { eval_time: "62m", alertname: "BackupTooOld", exp_alerts: [] },
                        {
                            eval_time: "70m",
                            alertname: "BackupTooOld",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical", team: "platform", target: "redis" },
                                    exp_annotations: {
                                        summary: "The newest redis backup is older than the 60-minute RPO",
                                        description: "The newest successful redis backup is 1h 10m 0s old. Check the backup job's logs and the bucket.",
                                        runbook_url: "https://github.com/sophia-ai/sophia-platform/blob/main/docs/06-troubleshooting/alerts.md#backuptooold",
                                    },
                                },
                            ],
                        },
                        { eval_time: "2h50m", alertname: "BackupMissing", exp_alerts: [] },
                    ],
                },
                {
                    interval: "1m",
                    // Only postgres ever reports: redis' backups are missing altogether.
                    input_series: [series("postgres", hourly(2))],
                    alert_rule_test: [
                        { eval_time: "30m", alertname: "BackupMissing", exp_alerts: [] },
                        {
                            eval_time: "61m",
                            alertname: "BackupMissing",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical", team: "platform", target: "redis" },
                                    exp_annotations: {
                                        summary: "No successful redis backup reported within the 60-minute RPO",
                                        description:
                                            "No redis backup job has reported a success for 60 minutes: the job is failing, not scheduled, or cannot reach the Pushgateway.",
                                        runbook_url: "https://github.com/sophia-ai/sophia-platform/blob/main/docs/06-troubleshooting/alerts.md#backupmissing",
                                    },
                                },
                            ],
                        },
                        { eval_time: "61m", alertname: "BackupTooOld", exp_alerts: [] },
                    ],
                },
            ],
        };
        fs.writeFileSync(path.join(dir, "tests.yml"), YAML.stringify(tests));
        const { code, output } = promtool(["test", "rules", "tests.yml"], dir);
        expect(code, output).to.equal(0);
    });
});
