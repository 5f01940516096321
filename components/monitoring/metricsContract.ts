/**
 * The metrics contract: what every MCP server exposes at its metrics path, and the platform's
 * objectives. Rules, dashboards, autoscaling and the tests' fake server all take their names and
 * thresholds from here (docs/02-development/metrics-contract.md explains it to server authors).
 */

export interface MetricDefinition {
    readonly name: string;
    readonly type: "counter" | "histogram" | "gauge";
    readonly help: string;
    readonly labels: readonly string[];
}

/** Every request, counted once when it completes, with its HTTP status code ("200", "503"). */
export const REQUESTS: MetricDefinition = {
    name: "http_requests_total",
    type: "counter",
    help: "HTTP requests served, by status code.",
    labels: ["code"],
};

/** Request duration in seconds; the buckets must include 0.2 (the p95 objective) and 0.5 (scale-up). */
export const REQUEST_DURATION: MetricDefinition & { readonly buckets: readonly number[] } = {
    name: "http_request_duration_seconds",
    type: "histogram",
    help: "HTTP request duration in seconds.",
    labels: [],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
};

/** Servers with `cache: true` in the catalog count lookups that hit and that missed. */
export const CACHE_HITS: MetricDefinition = { name: "cache_hits_total", type: "counter", help: "Cache lookups answered from the cache.", labels: [] };
export const CACHE_MISSES: MetricDefinition = { name: "cache_misses_total", type: "counter", help: "Cache lookups that missed.", labels: [] };

/** The standard process metrics every Prometheus client library exports by default. */
export const PROCESS_CPU: MetricDefinition = { name: "process_cpu_seconds_total", type: "counter", help: "CPU time used by the process.", labels: [] };
export const PROCESS_MEMORY: MetricDefinition = { name: "process_resident_memory_bytes", type: "gauge", help: "Resident memory of the process.", labels: [] };

/** What every server exposes; cache counters only where the server caches. */
export function serverMetrics(cache: boolean): readonly MetricDefinition[] {
    return [REQUESTS, REQUEST_DURATION, PROCESS_CPU, PROCESS_MEMORY, ...(cache ? [CACHE_HITS, CACHE_MISSES] : [])];
}

/** Status codes that count against the availability objective. */
export const ERROR_CODE_PATTERN = "5..";

/** The platform's objectives. */
export const OBJECTIVES = {
    /** 99.9% of requests succeed: the error budget is 0.1%. */
    availability: 0.999,
    latencyP95Seconds: 0.2,
    errorRatio: 0.001,
    cacheHitRatio: 0.85,
    cpuUtilization: 0.7,
    memoryUtilization: 0.8,
    /** Autoscaling adds replicas when p95 passes this. */
    scaleUpLatencyP95Seconds: 0.5,
} as const;

/** Labels Prometheus attaches to every scraped series of a workload (see render/scrape.ts). */
export const TARGET_LABELS = { service: "service", tier: "tier", group: "group" } as const;

/** The per-pod p95 latency the autoscaler reads through the custom metrics API. */
export const LATENCY_P95_METRIC = "http_request_duration_p95_seconds";

/** PromQL selector for one server's series. */
export function serviceSelector(service: string, ...matchers: string[]): string {
    return `{${[`${TARGET_LABELS.service}="${service}"`, ...matchers].join(",")}}`;
}

/** The matcher selecting failed requests. */
export const ERROR_MATCHER = `code=~"${ERROR_CODE_PATTERN}"`;

/** p95 latency over a window, by the given labels. */
export function latencyP95(selector: string, window: string, by: readonly string[]): string {
    return `histogram_quantile(0.95, sum by (le, ${by.join(", ")}) (rate(${REQUEST_DURATION.name}_bucket${selector}[${window}])))`;
}
