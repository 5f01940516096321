import type { BackupKind, BackupTarget } from "./layout";

/** The metric the freshness alert reads (components/backup-jobs/freshnessRule.ts). */
export const LAST_SUCCESS_METRIC = "sophia_backup_last_success_timestamp_seconds";
export const LAST_SIZE_METRIC = "sophia_backup_last_size_bytes";

/**
 * Prometheus' text exposition of one successful backup. Its time is when the snapshot was taken,
 * not when the upload ended: the age of the newest restorable data, which the RPO bounds.
 */
export function successExposition(takenAt: Date, bytes: number): string {
    return [
        `# HELP ${LAST_SUCCESS_METRIC} When the newest successful backup's snapshot was taken: the age of the newest restorable data.`,
        `# TYPE ${LAST_SUCCESS_METRIC} gauge`,
        `${LAST_SUCCESS_METRIC} ${takenAt.getTime() / 1000}`,
        `# HELP ${LAST_SIZE_METRIC} Bytes the newest successful backup stored.`,
        `# TYPE ${LAST_SIZE_METRIC} gauge`,
        `${LAST_SIZE_METRIC} ${bytes}`,
        "",
    ].join("\n");
}

/**
 * Reports a success to the Prometheus Pushgateway, grouped by target and kind, so each pair keeps
 * its own newest timestamp. A job has no endpoint to scrape: it ends before Prometheus would come.
 */
export async function pushSuccess(pushgateway: string, target: BackupTarget, kind: BackupKind, takenAt: Date, bytes: number): Promise<void> {
    const url = `${pushgateway.replace(/\/$/, "")}/metrics/job/sophia-backup/target/${target}/kind/${kind}`;
    const response = await fetch(url, {
        method: "PUT",
        body: successExposition(takenAt, bytes),
        headers: { "content-type": "text/plain; version=0.0.4" },
        signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`the Pushgateway refused the metrics (${response.status}): ${await response.text()}`);
}
