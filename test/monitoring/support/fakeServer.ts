import * as http from "http";
import {
    CACHE_HITS,
    CACHE_MISSES,
    MetricDefinition,
    PROCESS_CPU,
    PROCESS_MEMORY,
    REQUEST_DURATION,
    REQUESTS,
} from "../../../components/monitoring/metricsContract";

/**
 * An MCP server's metrics endpoint, speaking the metrics contract, whose behaviour the test sets:
 * every scrape serves `perScrape` more requests, `errorRatio` of them failing, each taking `seconds`.
 */
export interface FakeBehaviour {
    readonly perScrape: number;
    readonly errorRatio: number;
    readonly seconds: number;
}

const header = (m: MetricDefinition) => `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`;

export function startFakeServer(behaviour: FakeBehaviour, port: number): Promise<http.Server> {
    let ok = 0;
    let failed = 0;
    let cpu = 0;
    const server = http.createServer((req, res) => {
        if (req.url !== "/metrics") {
            res.writeHead(req.url === "/health" ? 200 : 404).end();
            return;
        }
        failed += Math.round(behaviour.perScrape * behaviour.errorRatio);
        ok += behaviour.perScrape - Math.round(behaviour.perScrape * behaviour.errorRatio);
        cpu += 0.01;
        const total = ok + failed;
        const buckets = [...REQUEST_DURATION.buckets.map(String), "+Inf"]
            .map((le) => `${REQUEST_DURATION.name}_bucket{le="${le}"} ${le === "+Inf" || Number(le) >= behaviour.seconds ? total : 0}`)
            .join("\n");
        const body = [
            `${header(REQUESTS)}${REQUESTS.name}{code="200"} ${ok}\n${REQUESTS.name}{code="503"} ${failed}`,
            `${header(REQUEST_DURATION)}${buckets}\n${REQUEST_DURATION.name}_sum ${total * behaviour.seconds}\n${REQUEST_DURATION.name}_count ${total}`,
            `${header(PROCESS_CPU)}${PROCESS_CPU.name} ${cpu}`,
            `${header(PROCESS_MEMORY)}${PROCESS_MEMORY.name} ${50 * 2 ** 20}`,
            `${header(CACHE_HITS)}${CACHE_HITS.name} ${total}`,
            `${header(CACHE_MISSES)}${CACHE_MISSES.name} 0`,
        ].join("\n");
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${body}\n`);
    });
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** Stands in for Slack and PagerDuty: records every POST by path. */
export interface Sink {
    readonly server: http.Server;
    readonly received: { path: string; body: any }[];
}

export function startSink(port: number): Promise<Sink> {
    const received: Sink["received"] = [];
    const server = http.createServer((req, res) => {
        let data = "";
        req.on("data", (chunk) => (data += chunk));
        req.on("end", () => {
            try {
                received.push({ path: req.url ?? "", body: JSON.parse(data) });
            } catch {
                received.push({ path: req.url ?? "", body: data });
            }
            res.writeHead(200, { "content-type": "application/json" }).end('{"status":"success"}');
        });
    });
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, received })));
}
