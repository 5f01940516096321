// The metrics contract (components/monitoring/metricsContract.ts) as a server author meets it: the
// metrics a server must expose, registered with prom-client (the Prometheus client for Node) and
// read back from its text exposition, and the objectives the rules and the autoscaler are built on.
import { expect } from "chai";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import {
    CACHE_HITS,
    CACHE_MISSES,
    ERROR_CODE_PATTERN,
    latencyP95,
    OBJECTIVES,
    PROCESS_CPU,
    PROCESS_MEMORY,
    REQUEST_DURATION,
    REQUESTS,
    serverMetrics,
    serviceSelector,
} from "../../components/monitoring/metricsContract";

/** The metric families (name → type) a registry holding `definitions` exposes to a scrape. */
async function exposed(definitions: ReturnType<typeof serverMetrics>): Promise<Map<string, string>> {
    const registry = new Registry();
    for (const d of definitions) {
        const config = { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] };
        if (d.type === "counter") new Counter(config);
        else if (d.type === "gauge") new Gauge(config);
        else new Histogram({ ...config, buckets: [...REQUEST_DURATION.buckets] });
    }
    const text = await registry.metrics();
    return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

describe("the metrics contract", () => {
    it("asks every server for requests, their duration, CPU and memory, and cache lookups only of the servers that cache", async () => {
        const plain = [REQUESTS, REQUEST_DURATION, PROCESS_CPU, PROCESS_MEMORY];
        expect(serverMetrics(false)).to.deep.equal(plain);
        expect(serverMetrics(true)).to.deep.equal([...plain, CACHE_HITS, CACHE_MISSES]);
        const families = await exposed(serverMetrics(true));
        expect([...families]).to.deep.equal([
            ["http_requests_total", "counter"],
            ["http_request_duration_seconds", "histogram"],
            ["process_cpu_seconds_total", "counter"],
            ["process_resident_memory_bytes", "gauge"],
            ["cache_hits_total", "counter"],
            ["cache_misses_total", "counter"],
        ]);
    });

    it("counts each request under its status code, and the errors are the 5xx codes", async () => {
        const registry = new Registry();
        const requests = new Counter({ name: REQUESTS.name, help: REQUESTS.help, labelNames: [...REQUESTS.labels], registers: [registry] });
        for (const code of ["200", "404", "503", "503"]) requests.inc({ code });
        const counted = new Map([...(await registry.metrics()).matchAll(/^http_requests_total\{code="(\d+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
        expect([...counted]).to.deep.equal([
            ["200", 1],
            ["404", 1],
            ["503", 2],
        ]);
        // Prometheus anchors a label regex at both ends.
        const errors = new RegExp(`^(?:${ERROR_CODE_PATTERN})$`);
        expect([...counted.keys()].filter((code) => errors.test(code))).to.deep.equal(["503"]);
    });

    it("has duration buckets at the p95 objective and at the scale-up latency, so both are measured, not interpolated", () => {
        const buckets = REQUEST_DURATION.buckets;
        expect([...buckets]).to.deep.equal([...buckets].sort((a, b) => a - b));
        expect(buckets).to.include(OBJECTIVES.latencyP95Seconds).and.include(OBJECTIVES.scaleUpLatencyP95Seconds);
        expect(OBJECTIVES.latencyP95Seconds).to.be.below(OBJECTIVES.scaleUpLatencyP95Seconds);
    });

    it("keeps the objectives of the platform's targets: 99.9% up, p95 under 200 ms, errors under 0.1%, cache hits over 85%, CPU under 70%, memory under 80%", () => {
        expect(OBJECTIVES).to.deep.include({
            availability: 0.999,
            latencyP95Seconds: 0.2,
            errorRatio: 0.001,
            cacheHitRatio: 0.85,
            cpuUtilization: 0.7,
            memoryUtilization: 0.8,
        });
        expect(1 - OBJECTIVES.availability).to.be.closeTo(OBJECTIVES.errorRatio, 1e-12);
    });

    it("selects one server's series and its p95 by the given labels", () => {
        expect(serviceSelector("github-agent")).to.equal('{service="github-agent"}');
        expect(serviceSelector("github-agent", 'code=~"5.."')).to.equal('{service="github-agent",code=~"5.."}');
        expect(latencyP95('{service="a"}', "5m", ["service", "tier"])).to.equal(
            'histogram_quantile(0.95, sum by (le, service, tier) (rate(http_request_duration_seconds_bucket{service="a"}[5m])))',
        );
    });
});
