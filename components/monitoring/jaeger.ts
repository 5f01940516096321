import * as YAML from "yaml";
import type { ConfigHandle, WorkloadSpec } from "../platform/types";

/** Jaeger v2's ports: OTLP in, the UI and query API, its own metrics and health. */
export const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, ui: 16686, metrics: 8888, health: 13133 } as const;
export const JAEGER_IMAGE = "jaegertracing/jaeger:2.10.0";
export const JAEGER_NAME = "jaeger";
/** How long traces are kept. */
export const TRACE_RETENTION = "168h";

/** Jaeger v2 (an OpenTelemetry Collector distribution): OTLP receivers, Badger storage on a volume. */
export function jaegerConfigYaml(): string {
    return YAML.stringify({
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
            telemetry: { metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: JAEGER_PORTS.metrics } } } }] } },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.health}` } },
            jaeger_query: { storage: { traces: "main" }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.ui}` } },
            jaeger_storage: {
                backends: {
                    main: { badger: { directories: { keys: "/badger/keys", values: "/badger/values" }, ephemeral: false, ttl: { spans: TRACE_RETENTION } } },
                },
            },
        },
        receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpHttp}` } } } },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "main" } },
    });
}

/** The Jaeger workload, the same on every target. MCP servers send OTLP; Grafana and people query it. */
export function jaegerWorkload(config: ConfigHandle): WorkloadSpec {
    return {
        name: JAEGER_NAME,
        group: "monitoring",
        image: JAEGER_IMAGE,
        args: ["--config", "/etc/jaeger/config.yaml"],
        ports: [
            { name: "otlp-grpc", port: JAEGER_PORTS.otlpGrpc },
            { name: "otlp-http", port: JAEGER_PORTS.otlpHttp },
            { name: "ui", port: JAEGER_PORTS.ui },
            { name: "metrics", port: JAEGER_PORTS.metrics },
            { name: "health", port: JAEGER_PORTS.health },
        ],
        configFiles: [{ config, file: "jaeger.yaml", mountPath: "/etc/jaeger/config.yaml" }],
        volumes: [{ name: "traces", mountPath: "/badger", persistent: true, size: "20Gi" }],
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        replicas: 1,
        health: { path: "/status", port: "health" },
        metrics: { path: "/metrics", port: "metrics" },
        labels: { "app.kubernetes.io/component": "tracing" },
        ingress: [
            { from: "mcp", ports: ["otlp-grpc", "otlp-http"] },
            { from: "monitoring", ports: ["ui", "metrics"] },
            { from: "edge", ports: ["ui"] },
        ],
        runAsUser: 10001,
    };
}

/** The endpoint MCP servers export traces to (OTLP over HTTP). */
export function otlpEndpoint(jaegerAddress: string): string {
    return `http://${jaegerAddress}:${JAEGER_PORTS.otlpHttp}`;
}
