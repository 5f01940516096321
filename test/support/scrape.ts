// Prometheus, the real binary, scraping workloads inside a Sandbox with one of the scrape jobs the
// monitoring component generates. Only discovery is replaced: the targets the Docker or Kubernetes
// API would report (their meta labels and addresses) come from a file, so the job's own relabeling
// decides what is kept, where it is scraped and how its series are labelled.
import * as YAML from "yaml";
import type { Sandbox } from "./containers";
import { requireBinary, waitFor } from "./tools";

/** A target as service discovery reports it: its address and meta labels. */
export interface DiscoveredTarget {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

export interface ActiveTarget {
    readonly labels: Record<string, string>;
    readonly scrapeUrl: string;
    readonly health: "up" | "down" | "unknown";
    readonly lastError: string;
}

export interface Scrape {
    /** The targets the job kept, each scraped at least once. */
    readonly targets: readonly ActiveTarget[];
    /** An instant query's series (labels and value). */
    query(expr: string): { metric: Record<string, string>; value: number }[];
}

const DIR = "/prometheus";
const API = "http://127.0.0.1:9090/api/v1";

/** Meta labels a service-discovery role derives from a label or annotation name (prometheus.io/scrape → prometheus_io_scrape). */
export const metaLabel = (prefix: string, name: string): string => `${prefix}${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;

/**
 * Runs Prometheus in `sandbox` with `job` (a generated scrape config), its discovery replaced by
 * `discovered`, and waits until every target it keeps has been scraped. Prometheus stops with the
 * sandbox's other processes.
 */
export async function scrapeWith(sandbox: Sandbox, job: Record<string, unknown>, discovered: readonly DiscoveredTarget[]): Promise<Scrape> {
    const fileJob: Record<string, unknown> = Object.fromEntries(Object.entries(job).filter(([key]) => !key.endsWith("_sd_configs")));
    fileJob.file_sd_configs = [{ files: [`${DIR}/targets.json`], refresh_interval: "1s" }];
    fileJob.scrape_interval = "1s";
    fileJob.scrape_timeout = "1s";
    sandbox.writeFile(`${DIR}/prometheus.yml`, YAML.stringify({ global: { scrape_interval: "1s", evaluation_interval: "1s" }, scrape_configs: [fileJob] }));
    sandbox.writeFile(`${DIR}/targets.json`, JSON.stringify(discovered));
    sandbox.mkdir(`${DIR}/data`);
    const prometheus = sandbox.start([
        requireBinary("prometheus"),
        `--config.file=${DIR}/prometheus.yml`,
        `--storage.tsdb.path=${DIR}/data`,
        "--web.listen-address=127.0.0.1:9090",
    ]);
    const api = (query: string): any => {
        const body = sandbox.get(`${API}/${query}`);
        return body === undefined ? undefined : JSON.parse(body).data;
    };
    const total = discovered.reduce((n, d) => n + d.targets.length, 0);
    // Every discovered target is either kept (and then scraped at least once) or dropped by the relabeling.
    const targets = await waitFor(
        "Prometheus to keep or drop every discovered target, and to scrape those it keeps",
        () => {
            if (prometheus.child.exitCode !== null) throw new Error(`prometheus exited: ${prometheus.log()}`);
            const all = api("targets") as { activeTargets: ActiveTarget[]; droppedTargets: unknown[] } | undefined;
            if (!all || all.activeTargets.length + all.droppedTargets.length < total) return undefined;
            return all.activeTargets.every((t) => t.health !== "unknown") ? all.activeTargets : undefined;
        },
        20_000,
        200,
    );
    return {
        targets,
        query: (expr) =>
            (api(`query?query=${encodeURIComponent(expr)}`)?.result ?? []).map((s: { metric: Record<string, string>; value: [number, string] }) => ({
                metric: s.metric,
                value: Number(s.value[1]),
            })),
    };
}
