import * as YAML from "yaml";
import type { Resources, Tier } from "../../../catalog/schema";
import { cpuCores, memoryBytes } from "../../platform/quantity";
import {
    CACHE_HITS,
    CACHE_MISSES,
    ERROR_MATCHER,
    latencyP95,
    OBJECTIVES,
    PROCESS_CPU,
    PROCESS_MEMORY,
    REQUESTS,
    serviceSelector,
    TARGET_LABELS,
} from "../metricsContract";
import { AlertName, runbookUrl } from "../runbooks";

/** What the rules need to know about a server: plain data from its spec. */
export interface MonitoredServer {
    readonly name: string;
    readonly tier: Tier;
    readonly cache: boolean;
    readonly resources: Resources;
}

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
}

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly Rule[];
}

/**
 * Burn-rate windows of the multi-window, multi-burn-rate alerts (Google SRE workbook, ch. 5):
 * a long window that measures the burn and a short one that makes the alert reset quickly.
 */
export const BURN_RATE_ALERTS = {
    /** Pages: 2% of a 30-day budget in 1 h, or 5% in 6 h. */
    SLOErrorBudgetBurnFast: [
        { long: "1h", short: "5m", factor: 14.4 },
        { long: "6h", short: "30m", factor: 6 },
    ],
    /** Tickets: 10% of the budget in 1 d, or 10% in 3 d. */
    SLOErrorBudgetBurnSlow: [
        { long: "1d", short: "2h", factor: 3 },
        { long: "3d", short: "6h", factor: 1 },
    ],
} as const;

export const ERROR_RATIO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** Names of the recording rules, shared by alerts, dashboards and the autoscaler. */
export const RECORDED = {
    errorRatio: (window: string) => `service:http_request_errors:ratio_rate${window}`,
    latencyP95: "service:http_request_duration_seconds:p95_rate5m",
    cacheHitRatio: "service:cache_hit:ratio_rate15m",
} as const;

/** How long a saturation condition must hold before it alerts ("sustained"). */
export const SUSTAINED = "15m";

const BY = [TARGET_LABELS.service, TARGET_LABELS.tier];
const by = `sum by (${BY.join(", ")})`;
const LOWER: Record<Tier, Tier> = { critical: "high", high: "medium", medium: "low", low: "low" };

/**
 * Severity follows the server's tier: conditions that need a person now (the budget burning fast,
 * the server down) carry the tier itself; slower ones (tickets, saturation) one tier lower.
 */
export function severities(tier: Tier): { page: Tier; ticket: Tier } {
    return { page: tier, ticket: LOWER[tier] };
}

const percent = (ratio: number): string => `${+(ratio * 100).toFixed(3)}%`;

/** The rule groups of one MCP server: recording rules, then its alerts. */
export function serverRuleGroups(server: MonitoredServer): RuleGroup[] {
    const sel = (...matchers: string[]) => serviceSelector(server.name, ...matchers);
    const { page, ticket } = severities(server.tier);
    const errorRatio = (window: string) => `${by} (rate(${REQUESTS.name}${sel(ERROR_MATCHER)}[${window}])) / ${by} (rate(${REQUESTS.name}${sel()}[${window}]))`;
    const recording: RecordingRule[] = [
        ...ERROR_RATIO_WINDOWS.map((w) => ({ record: RECORDED.errorRatio(w), expr: errorRatio(w) })),
        { record: RECORDED.latencyP95, expr: latencyP95(sel(), "5m", BY) },
    ];
    if (server.cache) {
        const rate = (metric: string) => `${by} (rate(${metric}${sel()}[15m]))`;
        recording.push({ record: RECORDED.cacheHitRatio, expr: `${rate(CACHE_HITS.name)} / (${rate(CACHE_HITS.name)} + ${rate(CACHE_MISSES.name)})` });
    }
    const budget = OBJECTIVES.errorRatio;
    const burn = (windows: readonly { long: string; short: string; factor: number }[]) =>
        windows
            .map(({ long, short, factor }) => {
                const threshold = +(factor * budget).toFixed(6);
                return `(${RECORDED.errorRatio(long)}${sel()} > ${threshold} and ${RECORDED.errorRatio(short)}${sel()} > ${threshold})`;
            })
            .join(" or ");
    const alert = (name: AlertName, severity: Tier, expr: string, forDuration: string | undefined, summary: string): AlertingRule => ({
        alert: name,
        expr,
        ...(forDuration ? { for: forDuration } : {}),
        labels: { severity, [TARGET_LABELS.service]: server.name },
        annotations: { summary: `${server.name}: ${summary}`, runbook_url: runbookUrl(name) },
    });
    const limitCores = cpuCores(server.resources.limits.cpu);
    const limitBytes = memoryBytes(server.resources.limits.memory);
    const alerts: AlertingRule[] = [
        alert(
            "SLOErrorBudgetBurnFast",
            page,
            burn(BURN_RATE_ALERTS.SLOErrorBudgetBurnFast),
            undefined,
            `error budget of the ${OBJECTIVES.availability * 100}% objective burning at 6x or more`,
        ),
        alert(
            "SLOErrorBudgetBurnSlow",
            ticket,
            burn(BURN_RATE_ALERTS.SLOErrorBudgetBurnSlow),
            undefined,
            `error budget of the ${OBJECTIVES.availability * 100}% objective burning at 1x or more`,
        ),
        alert("ServerDown", page, `up${sel()} == 0`, "2m", "a target has not been scraped for 2 minutes"),
        alert("ErrorRateHigh", ticket, `${RECORDED.errorRatio("5m")}${sel()} > ${budget}`, "10m", `error rate above ${percent(budget)}`),
        alert(
            "LatencyP95High",
            ticket,
            `${RECORDED.latencyP95}${sel()} > ${OBJECTIVES.latencyP95Seconds}`,
            "10m",
            `p95 latency above ${OBJECTIVES.latencyP95Seconds * 1000} ms`,
        ),
        alert(
            "CPUSaturation",
            ticket,
            `rate(${PROCESS_CPU.name}${sel()}[5m]) / ${limitCores} > ${OBJECTIVES.cpuUtilization}`,
            SUSTAINED,
            `CPU above ${percent(OBJECTIVES.cpuUtilization)} of its ${server.resources.limits.cpu} limit`,
        ),
        alert(
            "MemorySaturation",
            ticket,
            `${PROCESS_MEMORY.name}${sel()} / ${limitBytes} > ${OBJECTIVES.memoryUtilization}`,
            SUSTAINED,
            `memory above ${percent(OBJECTIVES.memoryUtilization)} of its ${server.resources.limits.memory} limit`,
        ),
    ];
    if (server.cache) {
        alerts.push(
            alert(
                "CacheHitRatioLow",
                ticket,
                `${RECORDED.cacheHitRatio}${sel()} < ${OBJECTIVES.cacheHitRatio}`,
                SUSTAINED,
                `cache hit ratio below ${percent(OBJECTIVES.cacheHitRatio)}`,
            ),
        );
    }
    return [
        { name: `${server.name}.recording`, rules: recording },
        { name: `${server.name}.alerts`, rules: alerts },
    ];
}

/**
 * Rules about the platform rather than one server: any scraped workload that is not an MCP server
 * (exporters of the data group, the monitoring stack) going down, and the shared Redis cache.
 * Other components add their own groups through `extraGroups`.
 */
export function platformRuleGroups(extraGroups: readonly RuleGroup[] = []): RuleGroup[] {
    const annotations = (name: AlertName, summary: string) => ({ summary, runbook_url: runbookUrl(name) });
    const redisRate = (metric: string) => `sum by (${TARGET_LABELS.service}) (rate(${metric}[15m]))`;
    const hits = redisRate("redis_keyspace_hits_total");
    return [
        {
            name: "platform.targets",
            rules: [
                {
                    alert: "TargetDown",
                    // MCP servers carry a tier and have their own ServerDown; this covers everything else.
                    expr: `up{${TARGET_LABELS.tier}=""} == 0`,
                    for: "5m",
                    labels: { severity: "high" },
                    annotations: annotations("TargetDown", "{{ $labels.service }} ({{ $labels.instance }}) has not been scraped for 5 minutes"),
                },
            ],
        },
        {
            name: "platform.cache",
            rules: [
                {
                    alert: "RedisCacheHitRatioLow",
                    expr: `${hits} / (${hits} + ${redisRate("redis_keyspace_misses_total")}) < ${OBJECTIVES.cacheHitRatio}`,
                    for: "30m",
                    labels: { severity: "medium" },
                    annotations: annotations("RedisCacheHitRatioLow", `Redis cache hit ratio below ${percent(OBJECTIVES.cacheHitRatio)}`),
                },
            ],
        },
        ...extraGroups,
    ];
}

/** A Prometheus rule file. */
export function ruleFileYaml(groups: readonly RuleGroup[], header: string): string {
    return `# ${header}\n# Generated from the catalog and the metrics contract; do not edit.\n${YAML.stringify({ groups }, { lineWidth: 0 })}`;
}

/** Every rule file by path under rules/: one per server, one for the platform. */
export function renderRuleFiles(servers: readonly MonitoredServer[], extraGroups: readonly RuleGroup[] = []): Record<string, string> {
    const files: Record<string, string> = {};
    for (const server of servers)
        files[`${server.name}.yml`] = ruleFileYaml(serverRuleGroups(server), `Alerts of MCP server ${server.name} (tier ${server.tier}).`);
    files["platform.yml"] = ruleFileYaml(platformRuleGroups(extraGroups), "Platform alerts.");
    return files;
}
