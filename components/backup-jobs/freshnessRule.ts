import { runbookUrl } from "../monitoring/runbooks";
import { RPO_SECONDS } from "./objectives";

/** The metric the backup program pushes after each success (images/backup/src/metrics.ts). */
export const LAST_SUCCESS_METRIC = "sophia_backup_last_success_timestamp_seconds";

export interface PrometheusRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface PrometheusRuleGroup {
    readonly name: string;
    readonly rules: readonly PrometheusRule[];
}

/**
 * Alerts when a backed-up service has no successful backup within the RPO: its newest backup is too
 * old, or none was ever reported (a Pushgateway restart also forgets them; the next hourly run
 * reports again well within the hour). `for` absorbs the minutes an hourly run itself takes.
 */
export function backupFreshnessRuleGroup(targets: readonly string[], rpoSeconds: number = RPO_SECONDS): PrometheusRuleGroup {
    const minutes = Math.round(rpoSeconds / 60);
    return {
        name: "sophia-backups",
        rules: [
            {
                alert: "BackupTooOld",
                expr: `time() - max by (target) (${LAST_SUCCESS_METRIC}) > ${rpoSeconds}`,
                for: "5m",
                labels: { severity: "critical", team: "platform" },
                annotations: {
                    summary: `The newest {{ $labels.target }} backup is older than the ${minutes}-minute RPO`,
                    description:
                        "The newest successful {{ $labels.target }} backup is {{ $value | humanizeDuration }} old. Check the backup job's logs and the bucket.",
                    runbook_url: runbookUrl("BackupTooOld"),
                },
            },
            ...targets.map((target) => ({
                alert: "BackupMissing",
                expr: `absent(${LAST_SUCCESS_METRIC}{target="${target}"})`,
                for: `${minutes}m`,
                labels: { severity: "critical", team: "platform", target },
                annotations: {
                    summary: `No successful ${target} backup reported within the ${minutes}-minute RPO`,
                    description: `No ${target} backup job has reported a success for ${minutes} minutes: the job is failing, not scheduled, or cannot reach the Pushgateway.`,
                    runbook_url: runbookUrl("BackupMissing"),
                },
            })),
        ],
    };
}
