// The Sophia AI platform: every MCP server of the catalog, on the target the stack chooses.
import { Edge } from "./components/edge";
import { McpServer } from "./components/mcp-server";
import { createPlatform } from "./components/platform";
import { loadProgramInputs } from "./stacks/inputs";
import { readSecretValues } from "./stacks/secrets";
import { kubeconfigFromConfig } from "./stacks/settings";

const { settings, servers, secrets } = loadProgramInputs();
const platform = createPlatform({ settings, kubeconfig: kubeconfigFromConfig() });
const secretValues = readSecretValues(secrets);

const mcpServers = servers.map((spec) => new McpServer(spec.name, { spec, platform, secretValues }));

// Only public servers get a route; the edge is deployed where the stack configures one.
const edge = settings.edge ? new Edge("edge", { settings, platform, servers: mcpServers.map((s) => ({ spec: s.spec, address: s.address })), secretValues }) : undefined;

export const target = settings.target;
export const serverAddresses = Object.fromEntries(mcpServers.map((s) => [s.spec.name, s.address]));
export const edgeHosts = edge?.hosts ?? [];
