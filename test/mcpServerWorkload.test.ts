// One MCP server's workload: autoscaling at the platform's goals, and nothing reachable it does not declare.
import { expect } from "chai";
import { serverEntrySchema } from "../catalog/schema";
import type { SecretHandle } from "../components/platform/types";
import { mcpServerWorkload } from "../components/mcp-server/workload";
import { resolveServerSpec } from "../stacks/specs";
import { loadStackSettings } from "../stacks/settings";

const settings = loadStackSettings(
    "prod",
    (key) =>
        ({
            target: "kubernetes",
            registry: "registry.sophia-ai.com",
            kubeconfig: "apiVersion: v1",
            nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
        })[key],
);
const spec = (entry: Record<string, unknown>) =>
    resolveServerSpec(
        serverEntrySchema.parse({ name: "search-server", port: 9042, category: "additional", purpose: "web search", version: "1.0.0", ...entry }),
        settings,
    );

describe("MCP server workload", () => {
    it("scales at the platform's goals: CPU below 70%, memory below 80%, p95 below 500 ms", () => {
        const workload = mcpServerWorkload(spec({ tier: "critical" }), undefined);
        expect(workload.autoscaling).to.deep.equal({
            minReplicas: settings.tiers.critical.replicas,
            maxReplicas: settings.tiers.critical.maxReplicas,
            cpuUtilization: 70,
            memoryUtilization: 80,
            podMetrics: [{ name: "http_request_duration_p95_seconds", averageValue: "500m" }],
        });
        expect(mcpServerWorkload(spec({ tier: "low" }), undefined).autoscaling, "a tier that does not scale has no autoscaler").to.equal(undefined);
    });

    it("serves MCP, health and metrics on the catalog port, with the tier and version as labels", () => {
        const workload = mcpServerWorkload(spec({ tier: "medium" }), undefined, { otlpEndpoint: "http://jaeger:4318" });
        expect(workload).to.deep.include({ name: "search-server", group: "mcp", image: "registry.sophia-ai.com/sophia-search-server:1.0.0", replicas: 1 });
        expect(workload.ports).to.deep.equal([{ name: "http", port: 9042 }]);
        expect(workload.env).to.deep.equal({
            PORT: "9042",
            MCP_PATH: "/mcp",
            OTEL_SERVICE_NAME: "search-server",
            OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
        });
        expect(workload.health).to.deep.equal({ path: "/health", port: "http" });
        expect(workload.metrics).to.deep.equal({ path: "/metrics", port: "http" });
        expect(workload.labels).to.deep.equal({
            "sophia.ai/tier": "medium",
            "sophia.ai/category": "additional",
            "sophia.ai/mcp-server": "search-server",
            "app.kubernetes.io/version": "1.0.0",
            "app.kubernetes.io/component": "mcp-server",
        });
        expect(workload.connectsTo).to.deep.equal(["monitoring"]);
    });

    it("runs a stdio server behind the stdio bridge, its command after --, and a Streamable HTTP server as its image says", () => {
        const stdio = mcpServerWorkload(spec({ tier: "low", transport: "stdio", command: ["uvx", "mcp-server-git", "--repository", "/data"] }), undefined);
        expect(stdio.command).to.deep.equal(["node", "/opt/sophia/stdio-bridge/bridge.js"]);
        expect(stdio.args).to.deep.equal(["--health-path", "/health", "--metrics-path", "/metrics", "--", "uvx", "mcp-server-git", "--repository", "/data"]);
        const custom = mcpServerWorkload(spec({ tier: "low", transport: "stdio", command: ["srv"], healthPath: "/up", metricsPath: "/prom" }), undefined);
        expect(custom.args).to.deep.equal(["--health-path", "/up", "--metrics-path", "/prom", "--", "srv"]);
        expect(custom.health).to.deep.equal({ path: "/up", port: "http" });
        const http = mcpServerWorkload(spec({ tier: "low" }), undefined);
        expect(http).to.not.have.property("command");
        expect(http).to.not.have.property("args");
    });

    it("takes each catalog secret as an environment variable from the server's platform secret, by name", () => {
        const handle = { name: "search-server-secrets", group: "mcp", keys: ["SEARCH_API_KEY", "SEARCH_ORG"] } as unknown as SecretHandle;
        const workload = mcpServerWorkload(spec({ tier: "low", secrets: ["SEARCH_API_KEY", "SEARCH_ORG"] }), handle);
        expect(workload.secretEnv).to.deep.equal([
            { env: "SEARCH_API_KEY", secret: handle, key: "SEARCH_API_KEY" },
            { env: "SEARCH_ORG", secret: handle, key: "SEARCH_ORG" },
        ]);
        expect(mcpServerWorkload(spec({ tier: "low" }), undefined).secretEnv, "no secret, no variables").to.deep.equal([]);
    });

    it("tells a cache server where Redis is and who it is there, and takes its password as a file", () => {
        const handle = { name: "search-server-cache", group: "mcp", keys: ["REDIS_PASSWORD"] } as unknown as SecretHandle;
        const credentials = { address: "redis.sophia-data.svc.cluster.local", port: 6379, username: "search-server", keyPrefix: "search-server:" };
        const workload = mcpServerWorkload(spec({ tier: "low", cache: true }), undefined, undefined, { credentials, secret: handle });
        expect(workload.env).to.deep.include({
            REDIS_URL: "redis://redis.sophia-data.svc.cluster.local:6379",
            REDIS_HOST: "redis.sophia-data.svc.cluster.local",
            REDIS_PORT: "6379",
            REDIS_USERNAME: "search-server",
            REDIS_KEY_PREFIX: "search-server:",
        });
        expect(workload.secretEnv).to.deep.equal([{ env: "REDIS_PASSWORD", secret: handle, key: "REDIS_PASSWORD", asFile: true }]);
        expect(workload.connectsTo).to.deep.equal(["data"]);
        const without = mcpServerWorkload(spec({ tier: "low" }), undefined);
        expect(
            Object.keys(without.env ?? {}).filter((k) => k.startsWith("REDIS_")),
            "no cache, no Redis",
        ).to.deep.equal([]);
    });

    it("lets only monitoring in to an internal server, and the edge too to a public one", () => {
        expect(mcpServerWorkload(spec({ tier: "low" }), undefined).ingress).to.deep.equal([{ from: "monitoring", ports: ["http"] }]);
        const exposed = mcpServerWorkload(spec({ tier: "low", expose: "public", clients: ["claude-desktop"] }), undefined);
        expect(exposed.ingress).to.deep.equal([
            { from: "monitoring", ports: ["http"] },
            { from: "edge", ports: ["http"] },
        ]);
        expect(mcpServerWorkload(spec({ tier: "low", cache: true }), undefined).connectsTo).to.deep.equal(["data"]);
    });
});
