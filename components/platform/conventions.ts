// What every adapter does the same way for a workload, whatever the target: written once here so
// that neither adapter reaches into the other.
import type { WorkloadSpec } from "./types";

/** UID for images that do not name one: any non-root UID works with a read-only root filesystem. */
export const DEFAULT_UID = 10001;

/**
 * How a workload tells Prometheus to scrape it: Swarm service labels for dockerswarm service
 * discovery, and the same keys as Service annotations on Kubernetes (see the monitoring scrape config).
 */
export function scrapeLabels(spec: Pick<WorkloadSpec, "metrics" | "ports">): Record<string, string> {
    if (!spec.metrics) return {};
    const port = spec.ports.find((p) => p.name === spec.metrics!.port);
    return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port?.port), "prometheus.io/path": spec.metrics.path };
}
