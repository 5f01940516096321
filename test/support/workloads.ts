import * as pulumi from "@pulumi/pulumi";
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
