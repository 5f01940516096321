// The Sophia AI platform: every MCP server of the catalog, on the target the stack chooses.
import { McpServer } from "./components/mcp-server";
import { Monitoring } from "./components/monitoring";
import { createPlatform } from "./components/platform";
import { loadProgramInputs } from "./stacks/inputs";
import { readSecretValues } from "./stacks/secrets";
import { kubeconfigFromConfig } from "./stacks/settings";

const { settings, servers, secrets } = loadProgramInputs();
const platform = createPlatform({ settings, kubeconfig: kubeconfigFromConfig() });
const secretValues = readSecretValues(secrets);

const monitoring = new Monitoring("monitoring", {
    platform,
    stack: settings.stack,
    prefix: settings.namespace,
    settings: settings.monitoring,
    servers,
    secretValues,
});
const observability = { otlpEndpoint: monitoring.otlpEndpoint };

const mcpServers = servers.map((spec) => new McpServer(spec.name, { spec, platform, secretValues, observability }));

export const target = settings.target;
export const serverAddresses = Object.fromEntries(mcpServers.map((s) => [s.spec.name, s.address]));
export const otlpEndpoint = monitoring.otlpEndpoint;
