// npm run notify -- --stack <name> --alert <AlertName> --severity critical|high|medium|low --summary "<one line>" [--details-file <path>]
import * as fs from "fs";
import { TIERS, Tier } from "../../catalog/schema";
import { DOCS_BASE_URL, RUNBOOK_DOC, runbookUrl, RUNBOOKS, AlertName } from "../../components/monitoring/runbooks";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { PROJECT_DIR } from "../plan/plan";
import { chooseStack } from "../plan/stackChoice";
import { Destinations, Notification, PAGERDUTY_EVENTS_URL, sendNotification } from "./notify";
import { secondsOption, urlOption } from "./options";

export const NOTIFY_COMMAND: CommandSpec = {
    name: "npm run notify",
    usage: '-- --stack <name> --alert <AlertName> --severity critical|high|medium|low --summary "<one line>" [--details-file <path>]',
    description: [
        "Sends one alert through the stack's Alertmanager (POST /api/v2/alerts), routed by severity like the",
        "platform's alerts (critical: PagerDuty and Slack; high: Slack; medium and low: the digests). When",
        "Alertmanager cannot be reached, posts to Slack directly and, for critical, triggers PagerDuty.",
    ].join("\n"),
    options: {
        stack: { type: "string", short: "s", value: "<name>", description: "the stack the alert is about; default $PULUMI_STACK" },
        alert: { type: "string", value: "<AlertName>", description: "the alertname label, e.g. DeployVerificationFailed" },
        severity: { type: "string", value: "<tier>", description: `one of ${TIERS.join(", ")}` },
        summary: { type: "string", value: "<text>", description: "one line people read first" },
        "details-file": { type: "string", value: "<path>", description: "a file whose text becomes the description (e.g. the verify report)" },
        "runbook-url": { type: "string", value: "<url>", description: "the runbook link (default: the alert's runbook, else the alert reference)" },
        "alertmanager-url": { type: "string", value: "<url>", description: "Alertmanager's base URL; default $SOPHIA_ALERTMANAGER_URL" },
        timeout: { type: "string", value: "<s>", description: "seconds each request may take (default 10, at most 60)" },
    },
    examples: [
        'npm run notify -- --stack prod --alert DeployVerificationFailed --severity critical --summary "prod failed verification" --details-file verify.txt',
    ],
    exitCodes: [
        [0, "delivered (to Alertmanager, or by the fallback to Slack or PagerDuty); says where"],
        [1, "delivered nowhere; says why for each destination tried"],
        [2, "usage error, or no destination configured at all"],
        [3, "unexpected failure of the command itself"],
    ],
    environment: [
        ["SOPHIA_ALERTMANAGER_URL", "Alertmanager's base URL when --alertmanager-url is not given"],
        ["SLACK_WEBHOOK_URL", "fallback: the Slack incoming webhook"],
        ["PAGERDUTY_ROUTING_KEY", "fallback for critical: the PagerDuty Events v2 routing key"],
        ["PAGERDUTY_EVENTS_URL", `PagerDuty's Events API (default ${PAGERDUTY_EVENTS_URL}; the EU region has its own)`],
        ["PULUMI_STACK", "the stack when --stack is not given"],
    ],
};

const required = (values: CommandValues, flag: string, what: string): string => {
    const value = values[flag] as string | undefined;
    if (value === undefined || value.trim() === "") throw new UsageError(`--${flag} is required: ${what}`);
    return value;
};

function runbookFor(alert: string, given: string | undefined): string {
    if (given) return urlOption("runbook-url", "", given, {})!;
    return alert in RUNBOOKS ? runbookUrl(alert as AlertName) : `${DOCS_BASE_URL}/${RUNBOOK_DOC}`;
}

function readDetails(file: string | undefined): string | undefined {
    if (file === undefined) return undefined;
    try {
        return fs.readFileSync(file, "utf8").slice(0, 8000);
    } catch (error) {
        throw new UsageError(`--details-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
}

function notificationOf(values: CommandValues, stack: string): Notification {
    const alert = required(values, "alert", "the alertname, e.g. DeployVerificationFailed");
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(alert)) throw new UsageError(`--alert "${alert}": expected an alert name in PascalCase (letters, digits, _)`);
    const severity = required(values, "severity", TIERS.join(" | ")) as Tier;
    if (!TIERS.includes(severity)) throw new UsageError(`--severity "${severity}": expected one of ${TIERS.join(", ")}`);
    const summary = required(values, "summary", "one line saying what happened");
    if (summary.includes("\n")) throw new UsageError("--summary must be one line: put the rest in --details-file");
    const details = readDetails(values["details-file"] as string | undefined);
    return { stack, alert, severity, summary, details, runbookUrl: runbookFor(alert, values["runbook-url"] as string | undefined) };
}

function destinationsOf(values: CommandValues, environment: NodeJS.ProcessEnv): Destinations {
    const destinations = {
        alertmanagerUrl: urlOption("alertmanager-url", "SOPHIA_ALERTMANAGER_URL", values["alertmanager-url"] as string | undefined, environment),
        slackWebhookUrl: urlOption("", "SLACK_WEBHOOK_URL", undefined, environment, true),
        pagerDutyRoutingKey: environment.PAGERDUTY_ROUTING_KEY || undefined,
        pagerDutyEventsUrl: urlOption("", "PAGERDUTY_EVENTS_URL", undefined, environment) ?? PAGERDUTY_EVENTS_URL,
        timeoutMs: secondsOption("timeout", values.timeout as string | undefined, 10, 60) * 1000,
    };
    if (!destinations.alertmanagerUrl && !destinations.slackWebhookUrl)
        throw new UsageError("nowhere to send it: pass --alertmanager-url (or set SOPHIA_ALERTMANAGER_URL) and set SLACK_WEBHOOK_URL for the fallback");
    return destinations;
}

async function notify(values: CommandValues): Promise<number> {
    const { stack } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, PROJECT_DIR);
    const notification = notificationOf(values, stack);
    const destinations = destinationsOf(values, process.env);
    const deliveries = await sendNotification(notification, destinations);
    for (const d of deliveries) process.stdout.write(`${d.ok ? "sent" : "not sent"} to ${d.to}: ${d.detail}\n`);
    if (deliveries.some((d) => d.to !== "alertmanager")) process.stdout.write("Alertmanager was not reached: fell back to Slack and PagerDuty directly\n");
    const delivered = deliveries.some((d) => d.ok);
    process.stdout.write(`${notification.severity} ${notification.alert} for stack ${stack}: ${delivered ? "delivered" : "delivered NOWHERE"}\n`);
    return delivered ? 0 : 1;
}

/** What `sophia notify` runs (commands/sophia.js). */
export const command: Command = { spec: NOTIFY_COMMAND, main: notify };

if (require.main === module) runCommand(NOTIFY_COMMAND, notify);
