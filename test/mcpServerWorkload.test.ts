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

    it("takes each catalog secret as an environment variable from the server's platform secret, by name", () => {
        const handle = { name: "search-server-secrets", group: "mcp", keys: ["SEARCH_API_KEY", "SEARCH_ORG"] } as unknown as SecretHandle;
        const workload = mcpServerWorkload(spec({ tier: "low", secrets: ["SEARCH_API_KEY", "SEARCH_ORG"] }), handle);
        expect(workload.secretEnv).to.deep.equal([
            { env: "SEARCH_API_KEY", secret: handle, key: "SEARCH_API_KEY" },
            { env: "SEARCH_ORG", secret: handle, key: "SEARCH_ORG" },
        ]);
        expect(mcpServerWorkload(spec({ tier: "low" }), undefined).secretEnv, "no secret, no variables").to.deep.equal([]);
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
