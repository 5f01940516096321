import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ALERT_SECRETS, alertmanagerYaml, SEVERITY_RECEIVERS } from "../../components/monitoring";
import { stackExpectations } from "../../commands/release/expectations";
import { checkAlertmanager } from "../../commands/release/verify";
import { Sink, startSink } from "../monitoring/support/fakeServer";
import { runCliAsync, runCommandInProcess } from "../support/plan";
import { freePort, requireBinary, waitFor } from "../support/tools";

const CLI = "commands/release/notifyCli.ts";
const ROUTING_KEY = "test-routing-key";

/**
 * npm run notify through a real Alertmanager (Debian's) running the rendered routing, whose Slack
 * and PagerDuty integrations post to a local sink; then the fallback straight to the webhooks.
 */
describe("npm run notify", function () {
    this.timeout(90_000);
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir: string;
    let sink: Sink;
    let alertmanager: ChildProcess;
    let alertmanagerUrl: string;
    let closedUrl: string;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-notify-"));
        const [sinkPort, amPort, closedPort] = await Promise.all([freePort(), freePort(), freePort()]);
        sink = await startSink(sinkPort);
        closedUrl = `http://127.0.0.1:${closedPort}`;
        const secrets = { [ALERT_SECRETS.slackWebhookUrl]: `http://127.0.0.1:${sinkPort}/slack`, [ALERT_SECRETS.pagerDutyRoutingKey]: ROUTING_KEY };
        for (const [name, value] of Object.entries(secrets)) fs.writeFileSync(path.join(dir, name), value);
        // The rendered routing; only PagerDuty's address and the first wait change, as in test/monitoring/e2e.test.ts.
        const config = YAML.parse(alertmanagerYaml({ secretFile: (name) => path.join(dir, name) }));
        for (const route of [config.route, ...config.route.routes]) if ("group_wait" in route) route.group_wait = "1s";
        for (const receiver of config.receivers) for (const pd of receiver.pagerduty_configs ?? []) pd.url = `http://127.0.0.1:${sinkPort}/pagerduty`;
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), YAML.stringify(config));
        alertmanagerUrl = `http://127.0.0.1:${amPort}`;
        alertmanager = spawn(
            requireBinary("prometheus-alertmanager"),
            [
                `--config.file=${path.join(dir, "alertmanager.yml")}`,
                `--storage.path=${path.join(dir, "data")}`,
                `--web.listen-address=127.0.0.1:${amPort}`,
                "--cluster.listen-address=",
            ],
            { stdio: "ignore" },
        );
        await waitFor(
            "Alertmanager to be ready",
            async () => ((await fetch(`${alertmanagerUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined),
            20_000,
        );
    });

    after(async () => {
        if (alertmanager?.exitCode === null) {
            const exited = new Promise((r) => alertmanager.once("exit", r));
            alertmanager.kill("SIGTERM");
            await exited;
        }
        await new Promise((r) => sink.server.close(r));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    // The first run is the program as the workflow starts it; the rest run the same command in this process.
    const notifyArgs = (args: string[], env: Record<string, string>): [string[], Record<string, string>] => [
        ["--stack", "dev", ...args],
        { SOPHIA_ALERTMANAGER_URL: "", SLACK_WEBHOOK_URL: "", PAGERDUTY_ROUTING_KEY: "", ...env },
    ];
    const notifyProcess = (args: string[], env: Record<string, string> = {}) => runCliAsync(CLI, ...notifyArgs(args, env));
    const notify = (args: string[], env: Record<string, string> = {}) => runCommandInProcess(CLI, ...notifyArgs(args, env));

    it("a critical notification reaches both the PagerDuty and the Slack receivers of the rendered routing", async () => {
        const details = path.join(dir, "details.txt");
        fs.writeFileSync(details, "FAIL  prometheus targets: codacy is down");
        const run = await notifyProcess([
            "--alert",
            "DeployVerificationFailed",
            "--severity",
            "critical",
            "--summary",
            "dev failed verification",
            "--details-file",
            details,
            "--alertmanager-url",
            alertmanagerUrl,
        ]);
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        expect(run.stdout).to.include(`sent to alertmanager: routed by severity critical to ${SEVERITY_RECEIVERS.critical.join(", ")}`);
        const both = await waitFor(
            "the notification at PagerDuty and Slack",
            () => {
                const hits = sink.received.filter((r) => JSON.stringify(r.body).includes("DeployVerificationFailed"));
                const [pagerduty, slack] = [hits.find((h) => h.path === "/pagerduty"), hits.find((h) => h.path === "/slack")];
                return pagerduty && slack ? { pagerduty, slack } : undefined;
            },
            30_000,
        );
        expect(both.pagerduty.body.routing_key).to.equal(ROUTING_KEY);
        expect(both.pagerduty.body.payload.summary).to.include("dev failed verification");
        const criticalChannel = (YAML.parse(fs.readFileSync(path.join(dir, "alertmanager.yml"), "utf8")).receivers as any[]).find(
            (r) => r.name === SEVERITY_RECEIVERS.critical[1],
        ).slack_configs[0].channel as string;
        expect(both.slack.body.channel).to.equal(criticalChannel);
        const alerts = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as {
            labels: Record<string, string>;
            annotations: Record<string, string>;
        }[];
        const sent = alerts.find((a) => a.labels.alertname === "DeployVerificationFailed")!;
        expect(sent.labels).to.deep.include({ severity: "critical", stack: "dev", service: "platform" });
        expect(sent.annotations.description).to.equal("FAIL  prometheus targets: codacy is down");
        expect(sent.annotations.runbook_url).to.match(/^https:\/\//);
    });

    it("verify's Alertmanager check finds the rendered routing in this real Alertmanager's /api/v2/status", async () => {
        const [result] = await checkAlertmanager(stackExpectations("dev"), { alertmanagerUrl, timeoutMs: 5_000 });
        expect(result.status, result.detail).to.equal("pass");
    });

    it("falls back to Slack and PagerDuty directly when Alertmanager cannot be reached, and says so", async () => {
        const before = sink.received.length;
        const base = `http://127.0.0.1:${(sink.server.address() as { port: number }).port}`;
        const run = await notify(["--alert", "RollbackFailed", "--severity", "critical", "--summary", "the rollback failed", "--alertmanager-url", closedUrl], {
            SLACK_WEBHOOK_URL: `${base}/direct-slack`,
            PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
            PAGERDUTY_EVENTS_URL: `${base}/direct-pagerduty`,
        });
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        expect(run.stdout).to.match(/not sent to alertmanager: connection to 127\.0\.0\.1:\d+ refused/);
        expect(run.stdout).to.include("fell back to Slack and PagerDuty directly");
        const direct = sink.received.slice(before);
        expect(direct.map((r) => r.path).sort()).to.deep.equal(["/direct-pagerduty", "/direct-slack"]);
        const event = direct.find((r) => r.path === "/direct-pagerduty")!.body;
        expect(event).to.deep.include({ routing_key: ROUTING_KEY, event_action: "trigger" });
        expect(event.payload.severity).to.equal("critical");
        expect(run.stdout, "the routing key is never printed").to.not.include(ROUTING_KEY);
    });

    it("pages only for critical: a high notification falls back to Slack alone", async () => {
        const before = sink.received.length;
        const base = `http://127.0.0.1:${(sink.server.address() as { port: number }).port}`;
        const run = await notify(["--alert", "DeployVerificationBroken", "--severity", "high", "--summary", "verify could not run"], {
            SLACK_WEBHOOK_URL: `${base}/direct-slack`,
            PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
            PAGERDUTY_EVENTS_URL: `${base}/direct-pagerduty`,
        });
        expect(run.code).to.equal(0);
        expect(sink.received.slice(before).map((r) => r.path)).to.deep.equal(["/direct-slack"]);
    });

    it("exits 1 when delivered nowhere, and 2 when given nowhere to send it or a bad severity", async () => {
        const nowhere = await notify(["--alert", "X", "--severity", "critical", "--summary", "s", "--alertmanager-url", closedUrl], {
            SLACK_WEBHOOK_URL: closedUrl,
        });
        expect(nowhere.code).to.equal(1);
        expect(nowhere.stdout).to.include("delivered NOWHERE");
        expect(nowhere.stdout).to.include("not sent to pagerduty: PAGERDUTY_ROUTING_KEY is not set");
        const unset = await notify(["--alert", "X", "--severity", "high", "--summary", "s"]);
        expect(unset.code).to.equal(2);
        expect(unset.stderr).to.include("nowhere to send it: pass --alertmanager-url");
        const severity = await notify(["--alert", "X", "--severity", "urgent", "--summary", "s", "--alertmanager-url", closedUrl]);
        expect(severity.code).to.equal(2);
        expect(severity.stderr).to.include('--severity "urgent": expected one of critical, high, medium, low');
    });
});
