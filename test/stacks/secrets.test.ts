// Which secrets the platform's own components read, by stack settings, and how the inventory and
// its problems name them.
import { expect } from "chai";
import { platformSecretConsumers, secretInventory, secretProblems } from "../../stacks/secrets";
import { StackSettings } from "../../stacks/settings";

const settingsWith = (overrides: Partial<StackSettings>): StackSettings => ({ stack: "qa", environment: "qa", ...overrides }) as StackSettings;
const edge = (tls: "acme" | "provided") => ({ tls }) as StackSettings["edge"];

describe("the platform's own secrets", () => {
    it("are Alertmanager's and Grafana's in every stack, by component name", () => {
        expect(platformSecretConsumers(settingsWith({}))).to.deep.equal([
            { name: "alertmanager", secrets: ["ALERT_SLACK_WEBHOOK_URL", "ALERT_PAGERDUTY_ROUTING_KEY"] },
            { name: "grafana", secrets: ["GRAFANA_ADMIN_PASSWORD"] },
        ]);
    });

    it("add the edge's sign-in secrets, and its certificate only where the stack provides one", () => {
        const edgeOf = (tls: "acme" | "provided") => platformSecretConsumers(settingsWith({ edge: edge(tls) })).find((c) => c.name === "edge");
        expect(edgeOf("acme")).to.deep.equal({ name: "edge", secrets: ["EDGE_OIDC_CLIENT_SECRET", "EDGE_COOKIE_SECRET"] });
        expect(edgeOf("provided")).to.deep.equal({
            name: "edge",
            secrets: ["EDGE_OIDC_CLIENT_SECRET", "EDGE_COOKIE_SECRET", "EDGE_TLS_CERTIFICATE", "EDGE_TLS_PRIVATE_KEY"],
        });
    });

    it("name who needs a missing secret, in the inventory's order by secret name", () => {
        const inventory = secretInventory([
            { name: "slack-agent", secrets: ["SLACK_BOT_TOKEN"] },
            ...platformSecretConsumers(settingsWith({})),
            { name: "ai-memory", secrets: ["ANTHROPIC_API_KEY", "ALERT_SLACK_WEBHOOK_URL"] },
        ]);
        expect([...inventory.keys()]).to.deep.equal([
            "ALERT_PAGERDUTY_ROUTING_KEY",
            "ALERT_SLACK_WEBHOOK_URL",
            "ANTHROPIC_API_KEY",
            "GRAFANA_ADMIN_PASSWORD",
            "SLACK_BOT_TOKEN",
        ]);
        const problems = secretProblems(
            inventory,
            "qa",
            (key) => key !== "sophia:ALERT_SLACK_WEBHOOK_URL",
            () => true,
        );
        expect(problems.map((p) => p.message)).to.deep.equal([
            'secret ALERT_SLACK_WEBHOOK_URL is needed by alertmanager, ai-memory but stack "qa" does not configure it: add it to the stack\'s ESC environment or run pulumi config set --secret ALERT_SLACK_WEBHOOK_URL <value>',
        ]);
    });
});
