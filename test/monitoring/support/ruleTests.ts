import { cpuCores, memoryBytes } from "../../../components/platform/quantity";
import { CACHE_HITS, CACHE_MISSES, PROCESS_CPU, PROCESS_MEMORY, REQUEST_DURATION, REQUESTS } from "../../../components/monitoring/metricsContract";
import type { Tier } from "../../../catalog/schema";
import { AlertingRule, MonitoredServer, serverRuleGroups } from "../../../components/monitoring/render/rules";

/** The severity policy, written out independently of the renderer: pages carry the tier, the rest one lower. */
const PAGES = new Set(["SLOErrorBudgetBurnFast", "ServerDown"]);
const ONE_LOWER: Record<Tier, Tier> = { critical: "high", high: "medium", medium: "low", low: "low" };
export const expectedSeverity = (alert: string, tier: Tier): Tier => (PAGES.has(alert) ? tier : ONE_LOWER[tier]);

/**
 * promtool rule unit tests, generated from the metrics contract and a server's rules: for each
 * alert class one case whose input sits clearly above the threshold (the alert fires, with the
 * severity of the server's tier) and one clearly below it (silent).
 */

type Labels = Record<string, string>;
interface Series {
    series: string;
    values: string;
}
export interface RuleTestCase {
    readonly alert: string;
    readonly fires: boolean;
    readonly evalMinutes: number;
    /** Minutes between input samples. */
    readonly step: number;
    readonly series: Series[];
    /** Labels of the firing alert besides the rule's own. */
    readonly resultLabels: Labels;
}

const seriesText = (metric: string, labels: Labels) =>
    `${metric}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
/** A counter growing by `perMinute` for `minutes`. */
const counter = (perMinute: number, minutes: number) => `0+${perMinute}x${minutes}`;
const gauge = (value: number, minutes: number) => `${value}x${minutes}`;

export function ruleTestCases(server: MonitoredServer): RuleTestCase[] {
    const target: Labels = { job: "mcp", instance: "10.0.0.7:9000", service: server.name, tier: server.tier };
    const aggregated: Labels = { service: server.name, tier: server.tier };
    const requests = (okPerMinute: number, errorsPerMinute: number, minutes: number, step = 1): Series[] => [
        { series: seriesText(REQUESTS.name, { ...target, code: "200" }), values: counter(okPerMinute * step, minutes / step) },
        { series: seriesText(REQUESTS.name, { ...target, code: "503" }), values: counter(errorsPerMinute * step, minutes / step) },
    ];
    /** Every request takes about `seconds`: buckets at or above it count them all. */
    const latency = (seconds: number, minutes: number): Series[] =>
        [...REQUEST_DURATION.buckets.map(String), "+Inf"].map((le) => ({
            series: seriesText(`${REQUEST_DURATION.name}_bucket`, { ...target, le }),
            values: counter(le === "+Inf" || Number(le) >= seconds ? 100 : 0, minutes),
        }));
    const cores = cpuCores(server.resources.limits.cpu);
    const bytes = memoryBytes(server.resources.limits.memory);
    const both = (alert: string, evalMinutes: number, resultLabels: Labels, above: Series[], below: Series[], step = 1): RuleTestCase[] => [
        { alert, fires: true, evalMinutes, step, series: above, resultLabels },
        { alert, fires: false, evalMinutes, step, series: below, resultLabels },
    ];
    const cases = [
        // 2% errors burn the 0.1% budget 20x; 0.5% burns it 5x, under both page factors (14.4, 6).
        ...both("SLOErrorBudgetBurnFast", 65, aggregated, requests(980, 20, 70), requests(995, 5, 70)),
        // 0.5% for a day burns 5x (over 3x); 0.05% burns 0.5x (under 1x).
        // A day of samples every 5 minutes keeps the test fast.
        ...both("SLOErrorBudgetBurnSlow", 1450, aggregated, requests(995, 5, 1460, 5), requests(1999, 1, 1460, 5), 5),
        ...both("ErrorRateHigh", 25, aggregated, requests(995, 5, 30), requests(1999, 1, 30)),
        ...both("LatencyP95High", 25, aggregated, latency(0.3, 30), latency(0.05, 30)),
        ...both(
            "ServerDown",
            5,
            target,
            [{ series: seriesText("up", target), values: gauge(0, 10) }],
            [{ series: seriesText("up", target), values: gauge(1, 10) }],
        ),
        ...both(
            "CPUSaturation",
            25,
            target,
            [{ series: seriesText(PROCESS_CPU.name, target), values: counter(+(60 * cores * 0.9).toFixed(3), 30) }],
            [{ series: seriesText(PROCESS_CPU.name, target), values: counter(+(60 * cores * 0.5).toFixed(3), 30) }],
        ),
        ...both(
            "MemorySaturation",
            25,
            target,
            [{ series: seriesText(PROCESS_MEMORY.name, target), values: gauge(Math.round(bytes * 0.9), 30) }],
            [{ series: seriesText(PROCESS_MEMORY.name, target), values: gauge(Math.round(bytes * 0.5), 30) }],
        ),
    ];
    if (server.cache) {
        const cache = (hits: number, misses: number): Series[] => [
            { series: seriesText(CACHE_HITS.name, target), values: counter(hits, 45) },
            { series: seriesText(CACHE_MISSES.name, target), values: counter(misses, 45) },
        ];
        cases.push(...both("CacheHitRatioLow", 40, aggregated, cache(70, 30), cache(95, 5)));
    }
    return cases;
}

/** The promtool test file for a server's rule file. */
export function ruleTestFile(server: MonitoredServer, ruleFile: string): Record<string, unknown> {
    const alerts = new Map(
        serverRuleGroups(server)
            .flatMap((g) => g.rules)
            .filter((r): r is AlertingRule => "alert" in r)
            .map((r) => [r.alert, r]),
    );
    return {
        rule_files: [ruleFile],
        evaluation_interval: "5m",
        tests: ruleTestCases(server).map((c) => {
            const rule = alerts.get(c.alert);
            if (!rule) throw new Error(`${server.name} has no alert ${c.alert}`);
            return {
                name: `${c.alert} ${c.fires ? "fires above" : "stays silent below"} its threshold`,
                interval: `${c.step}m`,
                input_series: c.series,
                alert_rule_test: [
                    {
                        eval_time: `${c.evalMinutes}m`,
                        alertname: c.alert,
                        exp_alerts: c.fires
                            ? [
                                  {
                                      exp_labels: { ...c.resultLabels, service: server.name, severity: expectedSeverity(c.alert, server.tier) },
                                      exp_annotations: rule.annotations,
                                  },
                              ]
                            : [],
                    },
                ],
            };
        }),
    };
}
