// The Grafana dashboards as Grafana reads them (the rendered JSON), each panel's queries evaluated by
// promtool against the rendered recording rules and series shaped by the metrics contract: a panel
// shows each server it is about, one series each by the label its legend names, with the value the
// inputs give, and nothing else.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { TIERS } from "../../catalog/schema";
import { datasourcesYaml, renderDashboards } from "../../components/monitoring/render/grafana";
import { MonitoredServer, renderRuleFiles } from "../../components/monitoring/render/rules";
import { CACHE_HITS, CACHE_MISSES, PROCESS_CPU, PROCESS_MEMORY, REQUEST_DURATION, REQUESTS } from "../../components/monitoring/metricsContract";
import { DEFAULT_TIERS } from "../../stacks/settings";
import { runTool } from "../support/tools";

type Json = Record<string, any>;
interface Panel {
    type: string;
    title: string;
    targets?: { expr: string; legendFormat: string; datasource: { uid: string } }[];
    datasource?: { uid: string };
    fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] }; custom?: Json } };
}

/**
 * What every server does in the inputs, per minute: 1,999 good requests and 1 failed one (0.05%
 * errors: half the 0.1% budget), each taking between 50 and 100 ms; half a core of CPU; 100 MiB of
 * memory; 85 of 100 cache lookups hit where the server caches.
 */
const GOOD_PER_MINUTE = 1999;
const FAILED_PER_MINUTE = 1;
const ERROR_RATIO = FAILED_PER_MINUTE / (GOOD_PER_MINUTE + FAILED_PER_MINUTE);
/** The 95th percentile interpolated in the 50–100 ms bucket, as histogram_quantile does. */
const P95_SECONDS = 0.05 + 0.05 * 0.95;
const CORES = 0.5;
const MEMORY_BYTES = 100 * 1024 * 1024;
const CACHE_HIT_RATIO = 0.85;
/** The platform's objectives, as the targets state them. */
const ERROR_BUDGET = 0.001;
const P95_OBJECTIVE_SECONDS = 0.2;
const CACHE_HIT_OBJECTIVE = 0.85;

/**
 * Catalog servers, sized by the project defaults where the catalog does not size them: two of each
 * tier where it has two (a caching one first), so a tier's row shows several and promtool stays quick.
 */
function catalogServers(): MonitoredServer[] {
    const entries = loadCatalog().servers;
    const picked = TIERS.flatMap((tier) => {
        const ofTier = entries.filter((e) => e.tier === tier);
        return [...ofTier.filter((e) => e.cache), ...ofTier.filter((e) => !e.cache)].slice(0, 2);
    });
    return entries
        .filter((e) => picked.includes(e))
        .map((e) => ({ name: e.name, tier: e.tier, cache: e.cache, resources: e.resources ?? DEFAULT_TIERS[e.tier].resources }));
}

function inputSeries(servers: readonly MonitoredServer[]): { series: string; values: string }[] {
    const minutes = 40;
    const counter = (perMinute: number) => `0+${perMinute}x${minutes}`;
    return servers.flatMap((server, i) => {
        const target = `job="mcp",instance="${instanceOf(i)}",service="${server.name}",tier="${server.tier}"`;
        const series = [
            { series: `${REQUESTS.name}{${target},code="200"}`, values: counter(GOOD_PER_MINUTE) },
            { series: `${REQUESTS.name}{${target},code="503"}`, values: counter(FAILED_PER_MINUTE) },
            ...[...REQUEST_DURATION.buckets.map(String), "+Inf"].map((le) => ({
                series: `${REQUEST_DURATION.name}_bucket{${target},le="${le}"}`,
                values: counter(le === "+Inf" || Number(le) >= 0.1 ? GOOD_PER_MINUTE + FAILED_PER_MINUTE : 0),
            })),
            { series: `${PROCESS_CPU.name}{${target}}`, values: counter(CORES * 60) },
            { series: `${PROCESS_MEMORY.name}{${target}}`, values: `${MEMORY_BYTES}x${minutes}` },
        ];
        if (server.cache)
            series.push(
                { series: `${CACHE_HITS.name}{${target}}`, values: counter(CACHE_HIT_RATIO * 100) },
                { series: `${CACHE_MISSES.name}{${target}}`, values: counter((1 - CACHE_HIT_RATIO) * 100) },
            );
        return series;
    });
}

/**
 * What one query of a panel must show: one series per value of the label its legend names (`by`),
 * or a single one for a fixed legend (keyed ""), each with its value; {} when it shows nothing.
 */
interface Expectation {
    readonly panel: string;
    readonly expr: string;
    readonly by?: string;
    readonly shows: Readonly<Record<string, number>>;
}

const legendLabel = (legend: string): string | undefined => /^\{\{(\w+)\}\}$/.exec(legend)?.[1];
const instanceOf = (index: number) => `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}:9000`;

/**
 * promtool expression tests for one query: the series within a millionth of their expected values,
 * and all of its series, counted by the legend's label; both must be exactly the expected ones.
 */
function exprTests({ expr, by, shows }: Expectation): Json[] {
    const grouping = by ? ` by (${by})` : "";
    const samples = Object.keys(shows).map((label) => ({ labels: by ? `{${by}="${label}"}` : "{}", value: 1 }));
    const expected = Object.entries(shows)
        .map(([label, value]) => (by ? `label_replace(vector(${value}), "${by}", "${label}", "", "")` : `vector(${value})`))
        .join(" or ");
    const within = expected ? `abs((${expr}) / on(${by ?? ""}) (${expected}) - 1) <= 1e-6` : `(${expr})`;
    return [
        { expr: `count${grouping} (${within})`, eval_time: "30m", exp_samples: samples },
        { expr: `count${grouping} (${expr})`, eval_time: "30m", exp_samples: samples },
    ];
}

function promtoolJudges(dir: string, servers: readonly MonitoredServer[], expectations: readonly Expectation[]): { code: number; output: string } {
    const ruleFiles = Object.entries(renderRuleFiles(servers)).map(([name, text]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    });
    const testFile = path.join(dir, "dashboards.test.yml");
    const tests = {
        rule_files: ruleFiles,
        evaluation_interval: "1m",
        tests: [{ interval: "1m", input_series: inputSeries(servers), promql_expr_test: expectations.flatMap(exprTests) }],
    };
    fs.writeFileSync(testFile, YAML.stringify(tests, { lineWidth: 0 }));
    return runTool("promtool", ["test", "rules", testFile]);
}

const dashboards = (servers: readonly MonitoredServer[]) =>
    Object.fromEntries(Object.entries(renderDashboards(servers)).map(([file, text]) => [file, JSON.parse(text) as Json]));
const graphPanels = (dashboard: Json): Panel[] => (dashboard.panels as Panel[]).filter((p) => p.type !== "row");

describe("monitoring: the Grafana dashboards under promtool", function () {
    this.timeout(120_000);
    let dir = "";
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-dashboards-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("overview: availability and error budget of every server, the cache of the caching ones, and each tier's servers in the tier's row", () => {
        const servers = catalogServers();
        const overview = dashboards(servers)["sophia-overview.json"];
        const each = (value: number, filter: (s: MonitoredServer) => boolean) => Object.fromEntries(servers.filter(filter).map((s) => [s.name, value]));
        const objectives: Record<string, Record<string, number>> = {
            "Availability over 1 day (objective 99.9%)": each(1 - ERROR_RATIO, () => true),
            "Error budget left (3-day burn)": each(1 - ERROR_RATIO / ERROR_BUDGET, () => true),
            "Cache hit ratio": each(CACHE_HIT_RATIO, (s) => s.cache),
        };
        const perTier: Record<string, number> = { "p95 latency": P95_SECONDS, "Error rate": ERROR_RATIO, "CPU (cores)": CORES, Memory: MEMORY_BYTES };
        const expectations: Expectation[] = [];
        const rows: string[] = [];
        let tier: string | undefined;
        for (const panel of overview.panels as Panel[]) {
            if (panel.type === "row") {
                tier = /^Tier (\w+): /.exec(panel.title)?.[1];
                if (tier) {
                    rows.push(tier);
                    const ofTier = servers.filter((s) => s.tier === tier).map((s) => s.name);
                    expect(panel.title, "a tier's row names its servers").to.equal(`Tier ${tier}: ${ofTier.join(", ")}`);
                }
                continue;
            }
            const shows = tier ? each(perTier[panel.title], (s) => s.tier === tier) : objectives[panel.title];
            expect(shows, `what "${panel.title}" should show (in ${tier ? `tier ${tier}` : "the objectives"})`).to.be.an("object");
            expect(
                Object.values(shows).every((v) => typeof v === "number"),
                panel.title,
            ).to.equal(true);
            for (const target of panel.targets ?? []) {
                expect(legendLabel(target.legendFormat), `${panel.title}: one series per server, named by it`).to.equal("service");
                expectations.push({ panel: panel.title, expr: target.expr, by: "service", shows });
            }
        }
        const tiersWithServers = TIERS.filter((t) => servers.some((s) => s.tier === t));
        expect(rows, "a row for every tier that has servers, in tier order").to.deep.equal(tiersWithServers);
        expect(expectations.length).to.equal(
            Object.keys(objectives).length - (servers.some((s) => s.cache) ? 0 : 1) + rows.length * Object.keys(perTier).length,
        );
        const run = promtoolJudges(dir, servers, expectations);
        expect(run.code, run.output).to.equal(0);
    });

    it("server: the chosen server's requests by code, error rates, latency, burn rate, saturation per instance and its cache", () => {
        const servers = catalogServers();
        const server = dashboards(servers)["sophia-server.json"];
        const variable = (server.templating.list as Json[]).find((v) => v.name === "service")!;
        expect(variable.query.split(","), "every server can be chosen").to.deep.equal(servers.map((s) => s.name));
        expect(variable.current.value).to.equal(servers[0].name);
        // One caching server and one that does not cache, each chosen in turn.
        const chosen = [servers.find((s) => s.cache), servers.find((s) => !s.cache)].filter((s): s is MonitoredServer => s !== undefined);
        expect(chosen.length, "the catalog has servers to choose").to.be.greaterThan(0);
        const expectations: Expectation[] = [];
        for (const choice of chosen) {
            const instance = instanceOf(servers.indexOf(choice));
            const shown: Record<string, { by?: string; shows: Record<string, number> }> = {
                "Requests by status code": { by: "code", shows: { "200": GOOD_PER_MINUTE / 60, "503": FAILED_PER_MINUTE / 60 } },
                "Error rate": { shows: { "": ERROR_RATIO } },
                "p95 latency": { shows: { "": P95_SECONDS } },
                "Error budget burn rate (1h)": { shows: { "": ERROR_RATIO / ERROR_BUDGET } },
                "CPU (cores, per instance)": { by: "instance", shows: { [instance]: CORES } },
                "Memory (per instance)": { by: "instance", shows: { [instance]: MEMORY_BYTES } },
                [`Cache hit ratio (servers counting ${CACHE_HITS.name})`]: { shows: choice.cache ? { "": CACHE_HIT_RATIO } : {} },
            };
            const panels = graphPanels(server);
            expect(panels.map((p) => p.title)).to.have.members(Object.keys(shown));
            for (const panel of panels) {
                for (const target of panel.targets ?? []) {
                    const { by, shows } = shown[panel.title];
                    expect(legendLabel(target.legendFormat), `${panel.title}: legend ${target.legendFormat}`).to.equal(by);
                    expectations.push({ panel: panel.title, expr: target.expr.replace(/\$service/g, choice.name), by, shows });
                }
            }
        }
        const run = promtoolJudges(dir, servers, expectations);
        expect(run.code, run.output).to.equal(0);
    });

    it("reports a panel that shows another server's data, or a value off by more than a millionth (the judge can fail)", () => {
        const servers = catalogServers().slice(0, 2);
        const [first, second] = servers;
        const cpu = (service: string) => `rate(${PROCESS_CPU.name}{service="${service}"}[5m])`;
        const otherServer = promtoolJudges(dir, servers, [{ panel: "planted", expr: cpu(second.name), by: "service", shows: { [first.name]: CORES } }]);
        expect(otherServer.code).to.not.equal(0);
        expect(otherServer.output).to.include(second.name);
        const offValue = promtoolJudges(dir, servers, [{ panel: "planted", expr: cpu(first.name), by: "service", shows: { [first.name]: CORES * 1.00001 } }]);
        expect(offValue.code).to.not.equal(0);
        const right = promtoolJudges(dir, servers, [{ panel: "planted", expr: cpu(first.name), by: "service", shows: { [first.name]: CORES } }]);
        expect(right.code, right.output).to.equal(0);
    });

    it("draws each objective where the targets put it: p95 200 ms, errors 0.1%, cache hits 85%, as a dashed line over green", () => {
        const objectiveOf: Record<string, number> = {
            "p95 latency": P95_OBJECTIVE_SECONDS,
            "Error rate": ERROR_BUDGET,
            "Cache hit ratio": CACHE_HIT_OBJECTIVE,
        };
        const servers = catalogServers();
        let drawn = 0;
        for (const dashboard of Object.values(dashboards(servers))) {
            for (const panel of graphPanels(dashboard)) {
                const title = Object.keys(objectiveOf).find((t) => panel.title.startsWith(t));
                if (!title) continue;
                const defaults = panel.fieldConfig!.defaults;
                expect(defaults.thresholds!.steps, panel.title).to.deep.equal([
                    { value: null, color: "green" },
                    { value: objectiveOf[title], color: "red" },
                ]);
                expect(defaults.custom!.thresholdsStyle, panel.title).to.deep.equal({ mode: "dashed" });
                drawn++;
            }
        }
        expect(drawn).to.be.greaterThan(Object.keys(objectiveOf).length);
    });

    it("names every line in a legend and lists them all in the tooltip, and reads the window a title names", () => {
        const windowOf: Record<string, string> = { "1 day": "1d", "3-day": "3d", "(1h)": "1h" };
        let windowed = 0;
        for (const [file, dashboard] of Object.entries(dashboards(catalogServers()))) {
            for (const panel of graphPanels(dashboard)) {
                const options = (panel as Json).options;
                if (panel.type === "timeseries") {
                    expect(options.legend, `${file}: ${panel.title}`).to.include({ showLegend: true, displayMode: "list" });
                    expect(options.tooltip, `${file}: ${panel.title}`).to.include({ mode: "multi" });
                }
                const named = Object.keys(windowOf).find((w) => panel.title.includes(w));
                if (!named) continue;
                windowed++;
                for (const target of panel.targets ?? []) expect(target.expr, `${file}: ${panel.title}`).to.include(`ratio_rate${windowOf[named]}`);
            }
        }
        expect(windowed).to.equal(Object.keys(windowOf).length);
    });

    it("shows no cache panel on the overview when no server caches", () => {
        const servers = catalogServers().map((s) => ({ ...s, cache: false }));
        const titles = graphPanels(dashboards(servers)["sophia-overview.json"]).map((p) => p.title);
        expect(titles.filter((t) => /cache/i.test(t))).to.deep.equal([]);
        expect(titles).to.include("Error budget left (3-day burn)");
    });

    it("queries the provisioned Prometheus datasource from every panel, with units for what each shows", () => {
        const servers = catalogServers();
        const provisioned = (YAML.parse(datasourcesYaml({ prometheus: "http://prometheus:9090", jaeger: "http://jaeger:16686" })) as Json)
            .datasources as Json[];
        const prometheus = provisioned.find((d) => d.type === "prometheus")!;
        expect(prometheus).to.include({ isDefault: true, url: "http://prometheus:9090", access: "proxy", editable: false });
        expect(provisioned.find((d) => d.type === "jaeger")).to.include({ url: "http://jaeger:16686", access: "proxy", editable: false });
        expect(new Set(provisioned.map((d) => d.uid)).size).to.equal(provisioned.length);
        const unitFor = (title: string) =>
            /latency/.test(title)
                ? "s"
                : /Memory/.test(title)
                  ? "bytes"
                  : /Requests/.test(title)
                    ? "reqps"
                    : /CPU/.test(title)
                      ? "short"
                      : /burn rate/.test(title)
                        ? "x"
                        : "percentunit";
        for (const [file, dashboard] of Object.entries(dashboards(servers))) {
            expect(dashboard, file).to.include({ timezone: "utc", editable: false });
            for (const panel of graphPanels(dashboard)) {
                // Without a panel datasource Grafana uses the targets' (and the default, Prometheus).
                expect(panel.datasource?.uid ?? prometheus.uid, `${file}: ${panel.title}`).to.equal(prometheus.uid);
                for (const target of panel.targets ?? []) expect(target.datasource.uid, `${file}: ${panel.title}`).to.equal(prometheus.uid);
                expect(panel.fieldConfig?.defaults.unit, `${file}: ${panel.title}`).to.equal(unitFor(panel.title));
            }
        }
    });
});
