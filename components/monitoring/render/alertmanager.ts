import * as YAML from "yaml";
import type { Tier } from "../../../catalog/schema";
import { TARGET_LABELS } from "../metricsContract";

/** Secrets Alertmanager reads from files; the rendered configuration only names the files. */
export const ALERT_SECRETS = {
    slackWebhookUrl: "ALERT_SLACK_WEBHOOK_URL",
    pagerDutyRoutingKey: "ALERT_PAGERDUTY_ROUTING_KEY",
} as const;

/** Where each secret is mounted in the Alertmanager container, by secret name. */
export type SecretFilePath = (secret: string) => string;

export const RECEIVERS = {
    pagerDuty: "pagerduty-critical",
    slackCritical: "slack-critical",
    slackHigh: "slack-high",
    dailyDigest: "slack-daily-digest",
    weeklySummary: "slack-weekly-summary",
} as const;

export const TIME_INTERVALS = { daily: "daily-digest", weekly: "weekly-summary" } as const;

/** How often each tier may notify at most: the weekly route repeats after a week, less an hour of slack. */
export const REPEAT = { critical: "1h", high: "4h", medium: "23h", low: "167h" } as const;

/**
 * Alertmanager keeps notification history and silences this long. It must outlive the weekly
 * route's repeat interval, or a still-firing low alert would be forgotten and sent again early.
 */
export const ALERTMANAGER_RETENTION = "192h";

/** Which receivers each severity reaches, in order; used by the routing tests and the docs. */
export const SEVERITY_RECEIVERS: Readonly<Record<Tier, readonly string[]>> = {
    critical: [RECEIVERS.pagerDuty, RECEIVERS.slackCritical],
    high: [RECEIVERS.slackHigh],
    medium: [RECEIVERS.dailyDigest],
    low: [RECEIVERS.weeklySummary],
};

export interface AlertRoutingOptions {
    /** Where the secret files are mounted on this target. */
    readonly secretFile: SecretFilePath;
    /** Slack channels; the webhook may post to any of them. */
    readonly channels?: Partial<Record<"critical" | "high" | "digest" | "summary", string>>;
}

const DEFAULT_CHANNELS = { critical: "#sophia-alerts-critical", high: "#sophia-alerts", digest: "#sophia-alerts-digest", summary: "#sophia-alerts-weekly" };

const severity = (tier: Tier) => [`severity="${tier}"`];

/** The Alertmanager configuration: four tiers, inhibition, and the digest windows. Valid for 0.25 and later. */
export function alertmanagerConfig(options: AlertRoutingOptions): Record<string, unknown> {
    const channels = { ...DEFAULT_CHANNELS, ...options.channels };
    const slack = (channel: string) => ({
        api_url_file: options.secretFile(ALERT_SECRETS.slackWebhookUrl),
        channel,
        send_resolved: true,
        title: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.severity }} {{ .GroupLabels.alertname }} {{ .GroupLabels.service }}',
        text: "{{ range .Alerts }}• {{ .Labels.alertname }} {{ .Labels.service }}: {{ .Annotations.summary }}\n{{ end }}",
    });
    return {
        global: { resolve_timeout: "5m" },
        route: {
            // Alerts without a known severity are treated as high: someone sees them within minutes.
            receiver: RECEIVERS.slackHigh,
            group_by: ["alertname", TARGET_LABELS.service],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: REPEAT.high,
            routes: [
                // Critical: paged and posted at once; `continue` lets the second route see it too.
                {
                    receiver: RECEIVERS.pagerDuty,
                    matchers: severity("critical"),
                    group_wait: "10s",
                    group_interval: "1m",
                    repeat_interval: REPEAT.critical,
                    continue: true,
                },
                {
                    receiver: RECEIVERS.slackCritical,
                    matchers: severity("critical"),
                    group_wait: "10s",
                    group_interval: "1m",
                    repeat_interval: REPEAT.critical,
                },
                // High: Slack within 5 minutes.
                { receiver: RECEIVERS.slackHigh, matchers: severity("high"), group_wait: "30s", group_interval: "5m", repeat_interval: REPEAT.high },
                // Medium and low: one message per window with everything that is firing.
                {
                    receiver: RECEIVERS.dailyDigest,
                    matchers: severity("medium"),
                    group_by: ["severity"],
                    group_wait: "1m",
                    group_interval: "15m",
                    repeat_interval: REPEAT.medium,
                    active_time_intervals: [TIME_INTERVALS.daily],
                },
                {
                    receiver: RECEIVERS.weeklySummary,
                    matchers: severity("low"),
                    group_by: ["severity"],
                    group_wait: "1m",
                    group_interval: "15m",
                    repeat_interval: REPEAT.low,
                    active_time_intervals: [TIME_INTERVALS.weekly],
                },
            ],
        },
        inhibit_rules: [
            // While a service is critical, its lesser alerts are noise.
            { source_matchers: severity("critical"), target_matchers: ['severity=~"high|medium|low"'], equal: [TARGET_LABELS.service] },
        ],
        // Times are UTC.
        time_intervals: [
            { name: TIME_INTERVALS.daily, time_intervals: [{ times: [{ start_time: "09:00", end_time: "09:30" }] }] },
            { name: TIME_INTERVALS.weekly, time_intervals: [{ weekdays: ["monday"], times: [{ start_time: "09:00", end_time: "09:30" }] }] },
        ],
        receivers: [
            {
                name: RECEIVERS.pagerDuty,
                pagerduty_configs: [
                    {
                        routing_key_file: options.secretFile(ALERT_SECRETS.pagerDutyRoutingKey),
                        severity: "critical",
                        description: "{{ .CommonLabels.alertname }} {{ .CommonLabels.service }}: {{ .CommonAnnotations.summary }}",
                        send_resolved: true,
                    },
                ],
            },
            { name: RECEIVERS.slackCritical, slack_configs: [slack(channels.critical)] },
            { name: RECEIVERS.slackHigh, slack_configs: [slack(channels.high)] },
            { name: RECEIVERS.dailyDigest, slack_configs: [slack(channels.digest)] },
            { name: RECEIVERS.weeklySummary, slack_configs: [slack(channels.summary)] },
        ],
    };
}

export function alertmanagerYaml(options: AlertRoutingOptions): string {
    return `# Alert routing by severity. Generated; secrets are read from the files named here.\n${YAML.stringify(alertmanagerConfig(options), { lineWidth: 0 })}`;
}
