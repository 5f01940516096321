// The Sophia AI platform: every MCP server of the catalog, on the target the stack chooses.
import { McpServer } from "./components/mcp-server";
import { createPlatform } from "./components/platform";
import { loadProgramInputs } from "./stacks/inputs";
import { readSecretValues } from "./stacks/secrets";
import { kubeconfigFromConfig } from "./stacks/settings";

const { settings, servers, secrets } = loadProgramInputs();
const platform = createPlatform({ settings, kubeconfig: kubeconfigFromConfig() });
const secretValues = readSecretValues(secrets);

const mcpServers = servers.map((spec) => new McpServer(spec.name, { spec, platform, secretValues }));

export const target = settings.target;
export const serverAddresses = Object.fromEntries(mcpServers.map((s) => [s.spec.name, s.address]));
