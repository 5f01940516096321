import * as client from "prom-client";

// The platform's metrics contract (components/monitoring/metricsContract.ts; this image is built on
// its own, so the names are repeated here and a test compares them).
const REQUESTS = { name: "http_requests_total", help: "HTTP requests served, by status code." };
const REQUEST_DURATION = {
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
};

export interface BridgeMetrics {
    readonly registry: client.Registry;
    /** Starts timing one request; call the result with its final status code. */
    begin(): (code: number) => void;
}

/** The contract's request counter and duration histogram, and the process metrics, on a registry of the bridge's own. */
export function bridgeMetrics(): BridgeMetrics {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const requests = new client.Counter({ name: REQUESTS.name, help: REQUESTS.help, labelNames: ["code"], registers: [registry] });
    const duration = new client.Histogram({
        name: REQUEST_DURATION.name,
        help: REQUEST_DURATION.help,
        buckets: REQUEST_DURATION.buckets,
        registers: [registry],
    });
    return {
        registry,
        begin: () => {
            const stop = duration.startTimer();
            return (code) => {
                requests.inc({ code: String(code) });
                stop();
            };
        },
    };
}
