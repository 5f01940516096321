// One notification through the platform's own alert routing: posted to the stack's Alertmanager so
// that it reaches people by severity exactly like the platform's alerts; straight to Slack (and, for
// critical, PagerDuty) only when Alertmanager cannot be reached.
import type { Tier } from "../../catalog/schema";
import { SEVERITY_RECEIVERS } from "../../components/monitoring";
import { httpRequest } from "./http";

export interface Notification {
    readonly stack: string;
    readonly alert: string;
    readonly severity: Tier;
    readonly summary: string;
    readonly details?: string;
    readonly runbookUrl: string;
}

export interface Destinations {
    readonly alertmanagerUrl?: string;
    readonly slackWebhookUrl?: string;
    readonly pagerDutyRoutingKey?: string;
    /** PagerDuty's Events API v2 (the EU service region has its own). */
    readonly pagerDutyEventsUrl: string;
    readonly timeoutMs: number;
}

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** Where one attempt went and how it ended. */
export interface Delivery {
    readonly to: "alertmanager" | "slack" | "pagerduty";
    readonly ok: boolean;
    readonly detail: string;
}

/** The alert as Alertmanager's API v2 takes it: labels that route it, annotations people read. */
export function alertOf(n: Notification, now: Date): Record<string, unknown>[] {
    return [
        {
            labels: { alertname: n.alert, severity: n.severity, stack: n.stack, service: "platform" },
            annotations: { summary: n.summary, description: n.details ?? n.summary, runbook_url: n.runbookUrl },
            startsAt: now.toISOString(),
        },
    ];
}

async function post(to: Delivery["to"], url: string, body: unknown, timeoutMs: number, okDetail: string): Promise<Delivery> {
    try {
        const answer = await httpRequest(url, { method: "POST", body: JSON.stringify(body), timeoutMs });
        return answer.status >= 200 && answer.status < 300
            ? { to, ok: true, detail: okDetail }
            : { to, ok: false, detail: `answered ${answer.status} ${answer.body.slice(0, 200)}` };
    } catch (error) {
        return { to, ok: false, detail: (error as Error).message };
    }
}

const redactedOrigin = (url: string): string => new URL(url).origin;

export async function sendNotification(n: Notification, d: Destinations, now = new Date()): Promise<Delivery[]> {
    if (d.alertmanagerUrl) {
        const url = `${d.alertmanagerUrl.replace(/\/$/, "")}/api/v2/alerts`;
        const sent = await post(
            "alertmanager",
            url,
            alertOf(n, now),
            d.timeoutMs,
            `routed by severity ${n.severity} to ${SEVERITY_RECEIVERS[n.severity].join(", ")}`,
        );
        if (sent.ok) return [sent];
        return [sent, ...(await fallback(n, d))];
    }
    return fallback(n, d);
}

/** Straight to the services Alertmanager would have used: Slack always, PagerDuty for critical. */
async function fallback(n: Notification, d: Destinations): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const text = `[${n.severity}] ${n.alert} (stack ${n.stack}): ${n.summary}\n${n.details ?? ""}\nRunbook: ${n.runbookUrl}`.trim();
    if (d.slackWebhookUrl)
        deliveries.push(await post("slack", d.slackWebhookUrl, { text }, d.timeoutMs, `posted to the Slack webhook at ${redactedOrigin(d.slackWebhookUrl)}`));
    else deliveries.push({ to: "slack", ok: false, detail: "SLACK_WEBHOOK_URL is not set" });
    if (n.severity === "critical") {
        if (d.pagerDutyRoutingKey) {
            const event = {
                routing_key: d.pagerDutyRoutingKey,
                event_action: "trigger",
                dedup_key: `${n.stack}/${n.alert}`,
                payload: {
                    summary: `${n.alert} (stack ${n.stack}): ${n.summary}`.slice(0, 1024),
                    source: `sophia-${n.stack}`,
                    severity: "critical",
                    custom_details: { details: n.details ?? "", runbook_url: n.runbookUrl },
                },
                links: [{ href: n.runbookUrl, text: "runbook" }],
            };
            deliveries.push(
                await post(
                    "pagerduty",
                    d.pagerDutyEventsUrl,
                    event,
                    d.timeoutMs,
                    `triggered a PagerDuty incident through ${redactedOrigin(d.pagerDutyEventsUrl)}`,
                ),
            );
        } else deliveries.push({ to: "pagerduty", ok: false, detail: "PAGERDUTY_ROUTING_KEY is not set" });
    }
    return deliveries;
}
