import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as YAML from "yaml";
import { TIERS, Tier } from "../../../catalog/schema";
import { CACHE_HITS, OBJECTIVES, PROCESS_CPU, PROCESS_MEMORY, REQUESTS, TARGET_LABELS } from "../metricsContract";
import { RECORDED } from "./rules";

/** Datasource UIDs the dashboards refer to; the provisioned datasources carry the same ones. */
export const DATASOURCES = {
    prometheus: { type: "prometheus", uid: "prometheus" },
    jaeger: { type: "jaeger", uid: "jaeger" },
} as const;

export interface DashboardServer {
    readonly name: string;
    readonly tier: Tier;
    readonly cache: boolean;
}

const query = (expr: string, legend: string) => new prometheus.DataqueryBuilder().datasource(DATASOURCES.prometheus).expr(expr).legendFormat(legend);

const thresholds = (...steps: { value: number | null; color: string }[]) =>
    new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);

/**
 * A time series with the objective drawn as a dashed line. Its legend names each line (the SDK's
 * default hides it), and the tooltip lists every line at the pointer, highest first.
 */
function series(title: string, unit: string, queries: prometheus.DataqueryBuilder[], objective?: number): timeseries.PanelBuilder {
    const panel = new timeseries.PanelBuilder()
        .title(title)
        .unit(unit)
        .datasource(DATASOURCES.prometheus)
        .height(8)
        .span(12)
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
    for (const q of queries) panel.withTarget(q);
    if (objective !== undefined) {
        panel
            .thresholds(thresholds({ value: null, color: "green" }, { value: objective, color: "red" }))
            .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
    }
    return panel;
}

const errorBudgetRemaining = (selector: string) => `clamp_min(1 - ${RECORDED.errorRatio("3d")}${selector} / ${OBJECTIVES.errorRatio}, 0)`;

/**
 * The platform overview: availability and error budget per server, then one row per tier with
 * p95 latency, error rate and saturation of the tier's servers.
 */
export function overviewDashboard(servers: readonly DashboardServer[]): dashboard.Dashboard {
    const builder = new dashboard.DashboardBuilder("Sophia platform overview")
        .uid("sophia-overview")
        .tags(["sophia", "slo"])
        .refresh("30s")
        .time({ from: "now-6h", to: "now" })
        .timezone("utc")
        .readonly();
    builder.withRow(new dashboard.RowBuilder("Objectives"));
    builder.withPanel(
        new stat.PanelBuilder()
            .title(`Availability over 1 day (objective ${OBJECTIVES.availability * 100}%)`)
            .unit("percentunit")
            .decimals(3)
            .height(6)
            .span(12)
            .thresholds(thresholds({ value: null, color: "red" }, { value: OBJECTIVES.availability, color: "green" }))
            .withTarget(query(`1 - ${RECORDED.errorRatio("1d")}`, `{{${TARGET_LABELS.service}}}`)),
    );
    builder.withPanel(
        new stat.PanelBuilder()
            .title("Error budget left (3-day burn)")
            .unit("percentunit")
            .height(6)
            .span(12)
            .thresholds(thresholds({ value: null, color: "red" }, { value: 0.25, color: "orange" }, { value: 0.5, color: "green" }))
            .withTarget(query(errorBudgetRemaining(""), `{{${TARGET_LABELS.service}}}`)),
    );
    if (servers.some((s) => s.cache)) {
        builder.withPanel(
            series("Cache hit ratio", "percentunit", [query(RECORDED.cacheHitRatio, `{{${TARGET_LABELS.service}}}`)], OBJECTIVES.cacheHitRatio).span(24),
        );
    }
    for (const tier of TIERS) {
        const names = servers.filter((s) => s.tier === tier).map((s) => s.name);
        if (names.length === 0) continue;
        const sel = `{${TARGET_LABELS.tier}="${tier}"}`;
        builder.withRow(new dashboard.RowBuilder(`Tier ${tier}: ${names.join(", ")}`));
        builder.withPanel(series("p95 latency", "s", [query(`${RECORDED.latencyP95}${sel}`, `{{${TARGET_LABELS.service}}}`)], OBJECTIVES.latencyP95Seconds));
        builder.withPanel(
            series("Error rate", "percentunit", [query(`${RECORDED.errorRatio("5m")}${sel}`, `{{${TARGET_LABELS.service}}}`)], OBJECTIVES.errorRatio),
        );
        builder.withPanel(
            series("CPU (cores)", "short", [query(`sum by (${TARGET_LABELS.service}) (rate(${PROCESS_CPU.name}${sel}[5m]))`, `{{${TARGET_LABELS.service}}}`)]),
        );
        builder.withPanel(
            series("Memory", "bytes", [query(`sum by (${TARGET_LABELS.service}) (${PROCESS_MEMORY.name}${sel})`, `{{${TARGET_LABELS.service}}}`)]),
        );
    }
    return builder.build();
}

/** One dashboard for any server, chosen with the `service` variable (the catalog's names). */
export function serverDashboard(servers: readonly DashboardServer[]): dashboard.Dashboard {
    const sel = `{${TARGET_LABELS.service}="$service"}`;
    const builder = new dashboard.DashboardBuilder("Sophia MCP server")
        .uid("sophia-server")
        .tags(["sophia", "mcp-server"])
        .refresh("30s")
        .time({ from: "now-6h", to: "now" })
        .timezone("utc")
        .readonly()
        .withVariable(
            new dashboard.CustomVariableBuilder("service")
                .label("MCP server")
                .values(servers.map((s) => s.name).join(","))
                .current({ text: servers[0]?.name ?? "", value: servers[0]?.name ?? "" }),
        );
    builder.withPanel(series("Requests by status code", "reqps", [query(`sum by (code) (rate(${REQUESTS.name}${sel}[5m]))`, "{{code}}")]));
    builder.withPanel(
        series(
            "Error rate",
            "percentunit",
            [query(`${RECORDED.errorRatio("5m")}${sel}`, "5m"), query(`${RECORDED.errorRatio("1h")}${sel}`, "1h")],
            OBJECTIVES.errorRatio,
        ),
    );
    builder.withPanel(series("p95 latency", "s", [query(`${RECORDED.latencyP95}${sel}`, "p95")], OBJECTIVES.latencyP95Seconds));
    builder.withPanel(series("Error budget burn rate (1h)", "x", [query(`${RECORDED.errorRatio("1h")}${sel} / ${OBJECTIVES.errorRatio}`, "burn rate")], 14.4));
    builder.withPanel(series("CPU (cores, per instance)", "short", [query(`rate(${PROCESS_CPU.name}${sel}[5m])`, "{{instance}}")]));
    builder.withPanel(series("Memory (per instance)", "bytes", [query(`${PROCESS_MEMORY.name}${sel}`, "{{instance}}")]));
    builder.withPanel(
        series(
            `Cache hit ratio (servers counting ${CACHE_HITS.name})`,
            "percentunit",
            [query(`${RECORDED.cacheHitRatio}${sel}`, "hit ratio")],
            OBJECTIVES.cacheHitRatio,
        ),
    );
    return builder.build();
}

/** Dashboards by file name. */
export function renderDashboards(servers: readonly DashboardServer[]): Record<string, string> {
    return {
        "sophia-overview.json": JSON.stringify(overviewDashboard(servers), null, 2) + "\n",
        "sophia-server.json": JSON.stringify(serverDashboard(servers), null, 2) + "\n",
    };
}

/** Grafana datasource provisioning: Prometheus (default) and Jaeger, by the UIDs the dashboards use. */
export function datasourcesYaml(urls: { prometheus: string; jaeger: string }): string {
    return YAML.stringify({
        apiVersion: 1,
        datasources: [
            { name: "Prometheus", ...DATASOURCES.prometheus, access: "proxy", url: urls.prometheus, isDefault: true, editable: false },
            { name: "Jaeger", ...DATASOURCES.jaeger, access: "proxy", url: urls.jaeger, editable: false },
        ],
    });
}

/** Grafana dashboard provisioning: the JSON files mounted at `path`. */
export function dashboardProviderYaml(path: string): string {
    return YAML.stringify({
        apiVersion: 1,
        providers: [{ name: "sophia", folder: "Sophia", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path } }],
    });
}
