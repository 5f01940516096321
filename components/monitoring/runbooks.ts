/**
 * Every alert the platform can raise, with what it means and what to do: one place for the
 * `runbook_url` annotation and for the alert reference in docs/06-troubleshooting (npm run docs).
 */

/** Where the repository's docs are browsed; runbook links point into it. */
export const DOCS_BASE_URL = "https://github.com/sophia-ai/sophia-platform/blob/main";
export const RUNBOOK_DOC = "docs/06-troubleshooting/alerts.md";

export interface Runbook {
    /** What firing means, in one sentence. */
    readonly meaning: string;
    /** First things to look at. */
    readonly diagnose: readonly string[];
    /** Ways to stop the bleeding, then fix. */
    readonly mitigate: readonly string[];
}

export const RUNBOOKS = {
    SLOErrorBudgetBurnFast: {
        meaning: "The server fails so many requests that, at this rate, it spends a month's 0.1% error budget within hours (14.4× over 1 h, or 6× over 6 h).",
        diagnose: [
            "Open the server's Grafana dashboard: which status codes, since when, after which deployment (`pulumi stack history`).",
            "Check the server's logs and traces in Jaeger for the failing requests' spans.",
            "Check its upstream: the third-party API it calls (status page) and its secrets (a rotated key not yet rolled out).",
        ],
        mitigate: [
            "If a deployment started it: roll back (`pulumi stack export` history, or redeploy the previous version's commit).",
            "If an upstream fails: the server keeps failing until it recovers; tell its users in #sophia-incidents.",
            "Scale out when the errors come from saturation (see CPUSaturation, MemorySaturation).",
        ],
    },
    SLOErrorBudgetBurnSlow: {
        meaning: "The server fails slightly more than its objective allows, long enough to eat 10% of the month's budget in one to three days.",
        diagnose: ["Compare the error ratio over the last days on the server's dashboard.", "Group failures by status code and by MCP tool in the traces."],
        mitigate: ["Open a ticket for the owning team; fix within the week.", "If the budget is nearly spent, freeze risky changes to the server."],
    },
    ServerDown: {
        meaning: "Prometheus could not scrape the server for 2 minutes: it is down, restarting, or unreachable.",
        diagnose: [
            "Kubernetes: `kubectl -n sophia-mcp get pods -l app.kubernetes.io/name=<server>` and `kubectl describe` / `logs --previous`.",
            "Swarm: `docker service ps sophia-<server> --no-trunc` and `docker service logs sophia-<server>`.",
            "A NetworkPolicy or overlay network change can hide a healthy server from Prometheus: check the monitoring allowance.",
        ],
        mitigate: [
            "Restart: `kubectl rollout restart deployment/<server>` or `docker service update --force sophia-<server>`.",
            "Roll back the last deployment if it started then.",
        ],
    },
    ErrorRateHigh: {
        meaning: "More than 0.1% of the server's requests failed over the last 5 minutes, for 10 minutes.",
        diagnose: ["Status codes and failing tools on the server's dashboard; traces of failing requests.", "Recent deployments and secret rotations."],
        mitigate: ["Roll back a bad deployment; roll out a rotated secret (`kubectl rollout restart`)."],
    },
    LatencyP95High: {
        meaning: "The server's 95th-percentile latency stayed above 200 ms for 10 minutes.",
        diagnose: [
            "Traces in Jaeger: which span is slow (the server, a database, an upstream API).",
            "CPU and memory saturation of the server; autoscaler events (`kubectl describe hpa <server>`).",
        ],
        mitigate: ["Raise replicas or the tier's maxReplicas in the stack file; raise the entry's resources in the catalog."],
    },
    CPUSaturation: {
        meaning: "The server used more than 70% of its CPU limit for 15 minutes.",
        diagnose: ["CPU per replica on the dashboard; is one replica hot (session affinity) or all of them?"],
        mitigate: ["Scale out (tier maxReplicas) or raise the CPU limit in the catalog entry's resources."],
    },
    MemorySaturation: {
        meaning: "The server used more than 80% of its memory limit for 15 minutes; it is close to being OOM-killed.",
        diagnose: ["Memory per replica over days: a leak grows steadily, load comes and goes.", "Restarts with reason OOMKilled."],
        mitigate: ["Raise the memory limit in the catalog entry; restart replicas to buy time on a leak."],
    },
    CacheHitRatioLow: {
        meaning: "Fewer than 85% of the server's cache lookups hit, for 15 minutes.",
        diagnose: ["Redis memory and evictions (`redis_evicted_keys_total`); a recent cache flush or Redis restart.", "A change in the server's keys or TTLs."],
        mitigate: ["Give Redis more memory; restore the previous keying if a deployment changed it."],
    },
    TargetDown: {
        meaning: "A platform workload that is not an MCP server (an exporter, the Pushgateway, the monitoring stack) has not been scraped for 5 minutes.",
        diagnose: ["The `service` and `instance` labels name it; check its pods or Swarm service like ServerDown."],
        mitigate: ["Restart it; for exporters, check their connection to the database they export."],
    },
    RedisCacheHitRatioLow: {
        meaning: "The shared Redis cache answered fewer than 85% of lookups from memory for 30 minutes.",
        diagnose: ["`redis_memory_used_bytes` against `maxmemory`, evictions, and which servers' hit ratios dropped."],
        mitigate: ["Raise Redis' memory; find the server whose keys crowd the cache."],
    },
    BackupTooOld: {
        meaning: "The newest successful backup of a stateful service is older than the 1-hour RPO: a disaster now would lose more than an hour of data.",
        diagnose: [
            "The backup job's last runs: `kubectl -n sophia-backup get jobs` / `docker service logs sophia-<target>-hourly-backup`.",
            "Its credentials (the rotated access key) and the bucket's reachability.",
        ],
        mitigate: [
            "Run a backup now (`kubectl create job --from=cronjob/<target>-hourly-backup manual-$(date +%s)`); then fix the job. See docs/05-operations/disaster-recovery.md.",
        ],
    },
    BackupMissing: {
        meaning: "No backup job of a stateful service has reported a success within the RPO, or ever since the Pushgateway restarted.",
        diagnose: ["Whether the jobs are scheduled at all, and whether they reach the Pushgateway (network policy)."],
        mitigate: ["Run a backup by hand as for BackupTooOld; check the Pushgateway's workload."],
    },
} as const satisfies Record<string, Runbook>;

export type AlertName = keyof typeof RUNBOOKS;

/** The anchor of an alert's section in the runbook document. */
export function runbookAnchor(alert: string): string {
    return alert.toLowerCase();
}

/** The `runbook_url` annotation of an alert; an alert without a runbook is a programming error. */
export function runbookUrl(alert: AlertName): string {
    return `${DOCS_BASE_URL}/${RUNBOOK_DOC}#${runbookAnchor(alert)}`;
}

/** Incident classes: the severity an alert carries suggests the class an incident is opened with. */
export const INCIDENT_CLASSES = {
    critical: {
        incident: "P0",
        respondWithin: "15 minutes",
        delivery: "PagerDuty pages the on-call engineer and Slack #sophia-alerts-critical is told at once",
    },
    high: { incident: "P1", respondWithin: "1 hour", delivery: "Slack #sophia-alerts within 5 minutes (grouped for at most 5 minutes)" },
    medium: { incident: "P2", respondWithin: "4 hours", delivery: "the daily digest in Slack, triaged each working morning" },
    low: { incident: "P3", respondWithin: "24 hours", delivery: "the weekly summary in Slack, reviewed in the weekly operations meeting" },
} as const;
