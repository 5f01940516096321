import * as pulumi from "@pulumi/pulumi";
import { serverEntrySchema, type ServerEntry } from "../../catalog/schema";
import type { WorkloadSpec } from "../../components/platform/types";

/** A bare component to parent test resources to. */
export class TestParent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Parent", name, {});
        this.registerOutputs({});
    }
}

/** A typical workload; tests override what they look at. */
export function workloadSpec(name: string, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
    return {
        name,
        group: "mcp",
        image: "registry.example.com/sophia-test:1.0.0",
        ports: [{ name: "http", port: 9100 }],
        env: { PORT: "9100" },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        replicas: 1,
        health: { path: "/health", port: "http" },
        metrics: { path: "/metrics", port: "http" },
        labels: { "sophia.ai/tier": "high" },
        ingress: [{ from: "monitoring", ports: ["http"] }],
        outbound: [],
        ...overrides,
    };
}

/** A catalog entry, as the schema reads it, of a public MCP server that the edge routes for claude-desktop. */
export function publicTestServer(name: string): ServerEntry {
    return serverEntrySchema.parse({
        name,
        port: 9310,
        category: "additional",
        purpose: "a public test server",
        tier: "high",
        version: "1.0.0",
        expose: "public",
        clients: ["claude-desktop"],
    });
}
