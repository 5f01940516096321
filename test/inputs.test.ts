import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CATALOG_FILE, loadCatalog } from "../catalog";
import { loadProgramInputs } from "../stacks/inputs";
import { InvalidInputError } from "../stacks/problems";

const settings: Record<string, string> = {
    target: "swarm",
    dockerHost: "ssh://deploy@manager",
    registry: "registry.sophia-ai.com",
    domain: "dev.sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 1, cpu: "16", memory: "64Gi" }),
    edge: JSON.stringify({ tls: "provided", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com/realms/sophia", oidcClientId: "sophia-edge-dev" }),
};
const platformSecrets = [
    "EDGE_OIDC_CLIENT_SECRET",
    "EDGE_COOKIE_SECRET",
    "EDGE_TLS_CERTIFICATE",
    "EDGE_TLS_PRIVATE_KEY",
    "ALERT_SLACK_WEBHOOK_URL",
    "ALERT_PAGERDUTY_ROUTING_KEY",
    "GRAFANA_ADMIN_PASSWORD",
];
const allSecrets = Object.fromEntries([...loadCatalog().servers.flatMap((s) => s.secrets), ...platformSecrets].map((name) => [name, "value"]));

function problemsOf(config: Record<string, string | undefined>, options: { isSecret?: (key: string) => boolean; catalogFile?: string } = {}): string[] {
    try {
        loadProgramInputs({
            stack: "dev",
            catalogFile: options.catalogFile ?? CATALOG_FILE,
            readConfig: (k) => config[k],
            isSecret: options.isSecret ?? (() => true),
        });
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the inputs to be rejected");
}

describe("program inputs", () => {
    it("load when the catalog, the settings and the secrets agree", () => {
        const inputs = loadProgramInputs({
            stack: "dev",
            catalogFile: CATALOG_FILE,
            readConfig: (k) => ({ ...settings, ...allSecrets })[k],
            isSecret: () => true,
        });
        expect(inputs.servers).to.have.length(29);
        expect(inputs.secrets.get("SNOWFLAKE_PASSWORD")).to.include.members(["snowflake-agent", "cortex-aisql-server"]);
    });

    it("name a secret the stack does not configure, with every server that needs it", () => {
        const { SNOWFLAKE_USER, ...rest } = allSecrets;
        void SNOWFLAKE_USER;
        expect(problemsOf({ ...settings, ...rest })).to.deep.equal([
            'Pulumi.dev.yaml sophia:SNOWFLAKE_USER: secret SNOWFLAKE_USER is needed by snowflake-agent, snowflake-cortex-server, snowflake-davidamom, snowflake-dynamike, snowflake-isaacwasserman, cortex-aisql-server but stack "dev" does not configure it: add it to the stack\'s ESC environment or run pulumi config set --secret SNOWFLAKE_USER <value>',
        ]);
    });

    it("refuse a secret configured in plaintext", () => {
        const found = problemsOf({ ...settings, ...allSecrets }, { isSecret: (key) => key !== "sophia:GITHUB_TOKEN" });
        expect(found).to.deep.equal([
            "Pulumi.dev.yaml sophia:GITHUB_TOKEN: GITHUB_TOKEN is configured in plaintext: set it again with pulumi config set --secret GITHUB_TOKEN <value>",
        ]);
    });

    it("report catalog and stack problems together", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "inputs-")), "mcp-servers.yaml");
        fs.writeFileSync(file, fs.readFileSync(CATALOG_FILE, "utf8").replace("port: 3008", "port: 9001"));
        const found = problemsOf({ ...settings, target: "nomad", ...allSecrets }, { catalogFile: file });
        expect(found).to.have.length(2);
        expect(found[0]).to.match(/mcp-servers.yaml servers\[1\] \(codacy\).port: port 9001 is already used/);
        expect(found[1]).to.match(/Pulumi.dev.yaml sophia:target: /);
    });

    it("hold critical and high servers to 2 replicas in a highAvailability stack, overrides included", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "inputs-")), "mcp-servers.yaml");
        fs.writeFileSync(
            file,
            fs
                .readFileSync(CATALOG_FILE, "utf8")
                .replace("    tier: critical\n    version: 1.4.2\n", "    tier: critical\n    version: 1.4.2\n    replicas: { dev: 1 }\n"),
        );
        const found = problemsOf({ ...settings, highAvailability: "true", ...allSecrets }, { catalogFile: file });
        expect(found).to.deep.equal([
            "mcp-servers.yaml (ai-memory).replicas.dev: critical servers need at least 2 replicas in a highAvailability stack, got 1",
        ]);
    });
});
