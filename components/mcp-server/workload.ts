import type { ServerSpec } from "../../stacks/specs";
import { LATENCY_P95_METRIC, OBJECTIVES } from "../monitoring/metricsContract";
import type { SecretHandle, WorkloadSpec } from "../platform/types";
import type { CacheCredentials } from "../redis";

/** Autoscaling targets from the platform's objectives: CPU < 70% and memory < 80% sustained. */
export const AUTOSCALING_TARGETS = {
    cpuUtilization: OBJECTIVES.cpuUtilization * 100,
    memoryUtilization: OBJECTIVES.memoryUtilization * 100,
    /** And on latency: add replicas when a pod's p95 passes 500 ms (served by prometheus-adapter). */
    podMetrics: [{ name: LATENCY_P95_METRIC, averageValue: `${OBJECTIVES.scaleUpLatencyP95Seconds * 1000}m` }],
} as const;

export const HTTP_PORT_NAME = "http";

export interface Observability {
    /** OTLP endpoint traces are sent to (Jaeger's collector). */
    readonly otlpEndpoint: string;
}

/** The key of a cache server's own secret: its Redis password, handed over as a file (REDIS_PASSWORD_FILE). */
export const CACHE_PASSWORD_KEY = "REDIS_PASSWORD";

/**
 * The stdio bridge's program in every image built FROM the bridge's (images/stdio-bridge/Dockerfile
 * puts it there): a stdio server's container runs it, with the server's command as its argument.
 */
export const STDIO_BRIDGE_PROGRAM: readonly string[] = ["node", "/opt/sophia/stdio-bridge/bridge.js"];

/**
 * How the container starts: a Streamable HTTP server runs its image's own entrypoint; a stdio
 * server runs behind the bridge, which serves the same port, health and metrics paths.
 */
export function serverProcess(spec: Pick<ServerSpec, "name" | "transport" | "command" | "healthPath" | "metricsPath">): Pick<WorkloadSpec, "command" | "args"> {
    if (spec.transport !== "stdio") return {};
    if (!spec.command) throw new Error(`${spec.name}: a stdio server needs its command (the catalog entry's command)`);
    return {
        command: [...STDIO_BRIDGE_PROGRAM],
        args: ["--health-path", spec.healthPath, "--metrics-path", spec.metricsPath, "--", ...spec.command],
    };
}

/** What a cache server is told about Redis: where it is and who it is there; the password comes as a file. */
export interface CacheAccess {
    readonly credentials: Omit<CacheCredentials, "password">;
    readonly secret: SecretHandle;
}

/** The environment of a server with `cache: true`; no literal here is secret. */
export function cacheEnvironment(credentials: CacheAccess["credentials"]): Record<string, string> {
    const { username, address, port, keyPrefix } = credentials;
    return {
        // No user in the URL: clients disagree on what redis://name@host means (redis-cli: a password).
        REDIS_URL: `redis://${address}:${port}`,
        REDIS_HOST: address,
        REDIS_PORT: String(port),
        REDIS_USERNAME: username,
        REDIS_KEY_PREFIX: keyPrefix,
    };
}

/**
 * The workload of one MCP server, for any target. MCP, health and metrics share the server's
 * port; monitoring may scrape it, the edge may route to it when it is exposed, and it may call its
 * declared hosts.
 */
export function mcpServerWorkload(spec: ServerSpec, secrets: SecretHandle | undefined, observability?: Observability, cache?: CacheAccess): WorkloadSpec {
    return {
        name: spec.name,
        group: "mcp",
        image: spec.image,
        ...serverProcess(spec),
        ports: [{ name: HTTP_PORT_NAME, port: spec.port }],
        env: {
            PORT: String(spec.port),
            MCP_PATH: spec.mcpPath,
            OTEL_SERVICE_NAME: spec.name,
            ...(observability ? { OTEL_EXPORTER_OTLP_ENDPOINT: observability.otlpEndpoint } : {}),
            ...(cache ? cacheEnvironment(cache.credentials) : {}),
        },
        secretEnv: [
            ...(secrets ? spec.secrets.map((key) => ({ env: key, secret: secrets, key })) : []),
            ...(cache ? [{ env: CACHE_PASSWORD_KEY, secret: cache.secret, key: CACHE_PASSWORD_KEY, asFile: true }] : []),
        ],
        resources: spec.resources,
        replicas: spec.replicas,
        autoscaling: spec.autoscaling ? { ...spec.autoscaling, ...AUTOSCALING_TARGETS } : undefined,
        health: { path: spec.healthPath, port: HTTP_PORT_NAME },
        metrics: { path: spec.metricsPath, port: HTTP_PORT_NAME },
        labels: {
            "sophia.ai/tier": spec.tier,
            "sophia.ai/category": spec.category,
            "sophia.ai/mcp-server": spec.name,
            "app.kubernetes.io/version": spec.version,
            "app.kubernetes.io/component": "mcp-server",
        },
        // Only an exposed server is reachable from the edge; an internal one has no route in.
        ingress: [{ from: "monitoring", ports: [HTTP_PORT_NAME] }, ...(spec.expose === "public" ? [{ from: "edge" as const, ports: [HTTP_PORT_NAME] }] : [])],
        outbound: spec.outbound,
        // The cache lives in the data group; traces go to the monitoring group's collector.
        connectsTo: [...(spec.cache ? (["data"] as const) : []), ...(observability ? (["monitoring"] as const) : [])],
        hostMounts: spec.hostMounts,
    };
}
