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

interface Options {
    isSecret?: (key: string) => boolean;
    catalogFile?: string;
    stackFile?: string;
}

/** The sources a stack with this config gives the program: every set key is in the config map. */
const sourcesOf = (config: Record<string, string | undefined>, options: Options = {}) => ({
    stack: "dev",
    catalogFile: options.catalogFile ?? CATALOG_FILE,
    readConfig: (k: string) => config[k],
    // The stack sets every secret (upper-case names) as a secret, and its settings in plaintext.
    isSecret: options.isSecret ?? ((key: string) => /^sophia:[A-Z]/.test(key)),
    configKeys: () =>
        Object.keys(config)
            .filter((k) => config[k] !== undefined)
            .map((k) => `sophia:${k}`),
    stackFileText: () => options.stackFile,
});

function problemsOf(config: Record<string, string | undefined>, options: Options = {}): string[] {
    try {
        loadProgramInputs(sourcesOf(config, options));
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the inputs to be rejected");
}

describe("program inputs", () => {
    it("load when the catalog, the settings and the secrets agree", () => {
        const inputs = loadProgramInputs(sourcesOf({ ...settings, ...allSecrets, catalog: CATALOG_FILE }));
        expect(inputs.servers.map((s) => s.name)).to.deep.equal(loadCatalog().servers.map((s) => s.name));
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
        const lines = fs.readFileSync(file, "utf8").split("\n");
        const line = lines.indexOf("    port: 9001", lines.indexOf("  - name: codacy")) + 1;
        expect(found[0]).to.match(new RegExp(`^mcp-servers.yaml:${line}:11 servers\\[1\\] \\(codacy\\).port: port 9001 is already used`));
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

    it("hold a high-tier server to 2 replicas in a highAvailability stack too", () => {
        const high = loadCatalog().servers.find((s) => s.tier === "high" && Object.keys(s.replicas).length === 0)!;
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "inputs-")), "mcp-servers.yaml");
        const text = fs.readFileSync(CATALOG_FILE, "utf8");
        expect(text).to.include(`  - name: ${high.name}\n`);
        fs.writeFileSync(file, text.replace(`  - name: ${high.name}\n`, `  - name: ${high.name}\n    replicas: { dev: 1 }\n`));
        expect(problemsOf({ ...settings, highAvailability: "true", ...allSecrets }, { catalogFile: file })).to.deep.equal([
            `mcp-servers.yaml (${high.name}).replicas.dev: high servers need at least 2 replicas in a highAvailability stack, got 1`,
        ]);
    });

    it("say in one error, under one subject, every problem of the catalog and the stack", () => {
        try {
            loadProgramInputs(sourcesOf({ ...settings, target: "nomad", registry: "Not A Registry", ...allSecrets }));
            expect.fail("the inputs loaded");
        } catch (error) {
            expect((error as Error).message.split("\n")[0]).to.equal("Invalid input: 2 problem(s)");
        }
    });

    it("locate a stack's problems in its file when the catalog has problems of its own", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "inputs-")), "mcp-servers.yaml");
        fs.writeFileSync(file, fs.readFileSync(CATALOG_FILE, "utf8").replace("port: 3008", "port: 9001"));
        const config = { ...settings, target: "nomad", ...allSecrets };
        const text = `config:\n  sophia:target: nomad\n`;
        const found = problemsOf(config, { catalogFile: file, stackFile: text });
        expect(found[1]).to.match(/^Pulumi\.dev\.yaml:2:18 sophia:target: /);
    });

    describe("strict stack config", () => {
        const stackFile = (config: Record<string, string>) =>
            `# a stack\nconfig:\n${Object.entries(config)
                .map(([k, v]) => `  sophia:${k}: ${v.startsWith("{") ? v : JSON.stringify(v)}`)
                .join("\n")}\n`;
        const lineOf = (text: string, key: string) => text.split("\n").findIndex((l) => l.startsWith(`  sophia:${key}:`)) + 1;

        it("name a misspelt setting at its line and column, with the value and the key it meant, once", () => {
            const config = { ...settings, highAvailabilty: "true", ...allSecrets };
            const text = stackFile(config);
            expect(problemsOf(config, { stackFile: text })).to.deep.equal([
                `Pulumi.dev.yaml:${lineOf(text, "highAvailabilty")}:3 sophia:highAvailabilty: got true; unknown key: did you mean sophia:highAvailability?`,
            ]);
        });

        it("still report the other keys a misspelling leaves unset, a wrong value of the key it meant, and a missing field inside it", () => {
            const { target, registry, ...rest } = settings;
            void registry;
            // registry is missing, not misspelt: it is reported though another key is misspelt.
            expect(problemsOf({ ...rest, targett: target, ...allSecrets })).to.deep.equal([
                "Pulumi.dev.yaml sophia:registry: not set; expected a string",
                'Pulumi.dev.yaml sophia:targett: got "swarm"; unknown key: did you mean sophia:target?',
            ]);
            // target is set, wrongly: its problem stays next to the misspelling.
            expect(problemsOf({ ...settings, target: "nomad", targett: "swarm", ...allSecrets }).map((p) => p.split(": ")[0])).to.deep.equal([
                "Pulumi.dev.yaml sophia:target",
                "Pulumi.dev.yaml sophia:targett",
            ]);
            // A field missing inside the edge is reported though a misspelt edge key is there too.
            const edge = JSON.stringify({ tls: "provided", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com/realms/sophia" });
            expect(problemsOf({ ...settings, edge, edgee: "x", ...allSecrets }).map((p) => p.split(": ")[0])).to.deep.equal([
                "Pulumi.dev.yaml sophia:edge.oidcClientId",
                "Pulumi.dev.yaml sophia:edgee",
            ]);
        });

        it("report a misspelt required key itself, not the key it left unset", () => {
            const { target, ...rest } = settings;
            const found = problemsOf({ ...rest, targett: target, ...allSecrets });
            expect(found).to.deep.equal(['Pulumi.dev.yaml sophia:targett: got "swarm"; unknown key: did you mean sophia:target?']);
        });

        it("name the value a setting got, at the value's line and column", () => {
            const config = { ...settings, target: "nomad-cluster", ...allSecrets };
            const text = stackFile(config);
            expect(problemsOf(config, { stackFile: text })).to.deep.equal([
                `Pulumi.dev.yaml:${lineOf(text, "target")}:18 sophia:target: got "nomad-cluster"; expected one of swarm | k3s | kubernetes`,
            ]);
        });

        it("refuse a secret nothing uses, without showing its value, and suggest the one it may mean", () => {
            const found = problemsOf({ ...settings, ...allSecrets, OPENAI_API_KEYS: "sk-planted-value", UNUSED_TOKEN: "planted" });
            expect(found).to.deep.equal([
                "Pulumi.dev.yaml sophia:OPENAI_API_KEYS: got [secret]; secret OPENAI_API_KEYS is supplied but no server or component uses it: did you mean sophia:OPENAI_API_KEY? Otherwise remove it from the stack file or its ESC environment",
                "Pulumi.dev.yaml sophia:UNUSED_TOKEN: got [secret]; secret UNUSED_TOKEN is supplied but no server or component uses it: remove it from the stack file or its ESC environment",
            ]);
            expect(found.join("\n")).to.not.include("planted");
        });

        it("refuse an unused secret even while the settings are invalid, alongside their problems", () => {
            const found = problemsOf({ ...settings, target: "nomad", ...allSecrets, UNUSED_TOKEN: "x" });
            expect(found.map((p) => p.split(": ")[0])).to.deep.equal(["Pulumi.dev.yaml sophia:target", "Pulumi.dev.yaml sophia:UNUSED_TOKEN"]);
        });

        it("take a secret a platform component reads only where the settings turn that component on", () => {
            const backup = JSON.stringify({ region: "us-east-1", replicaRegion: "us-west-2" });
            const keys = { BACKUP_AWS_ACCESS_KEY_ID: "id", BACKUP_AWS_SECRET_ACCESS_KEY: "key" };
            expect(() => loadProgramInputs(sourcesOf({ ...settings, ...allSecrets, backup, ...keys }))).to.not.throw();
            expect(problemsOf({ ...settings, ...allSecrets, ...keys }).map((p) => p.split(": ")[0])).to.deep.equal([
                "Pulumi.dev.yaml sophia:BACKUP_AWS_ACCESS_KEY_ID",
                "Pulumi.dev.yaml sophia:BACKUP_AWS_SECRET_ACCESS_KEY",
            ]);
        });

        it("leave other namespaces to their providers", () => {
            const sources = sourcesOf({ ...settings, ...allSecrets });
            expect(() => loadProgramInputs({ ...sources, configKeys: () => [...sources.configKeys(), "aws:region", "kubernetes:context"] })).to.not.throw();
        });

        it("name a plaintext secret at its key's line", () => {
            const config = { ...settings, ...allSecrets };
            const text = stackFile(config);
            expect(problemsOf(config, { stackFile: text, isSecret: (key) => key !== "sophia:GITHUB_TOKEN" })).to.deep.equal([
                `Pulumi.dev.yaml:${lineOf(text, "GITHUB_TOKEN")}:3 sophia:GITHUB_TOKEN: GITHUB_TOKEN is configured in plaintext: set it again with pulumi config set --secret GITHUB_TOKEN <value>`,
            ]);
        });
    });
});
