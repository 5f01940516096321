// Compares two c8 json-summary reports (coverage/coverage-summary.json) file by file: a coverage gate
// is only worth its figures when the same suite on the same code measures the same twice.
import * as path from "path";

export const METRICS = ["lines", "statements", "functions", "branches"] as const;
export type Metric = (typeof METRICS)[number];

export interface MetricFigures {
    total: number;
    covered: number;
    pct: number | "Unknown";
}

/** c8's json-summary: "total" and one entry per file, keyed by absolute path. */
export type CoverageSummary = Record<string, Record<Metric, MetricFigures>>;

export interface CoverageDifference {
    /** "total", or the file relative to the repository. */
    readonly file: string;
    readonly metric: Metric;
    readonly first?: MetricFigures;
    readonly second?: MetricFigures;
}

const keyedRelative = (summary: CoverageSummary, root: string): Map<string, CoverageSummary[string]> =>
    new Map(Object.entries(summary).map(([file, figures]) => [file === "total" ? file : path.relative(root, file), figures]));

const same = (a?: MetricFigures, b?: MetricFigures): boolean => a !== undefined && b !== undefined && a.total === b.total && a.covered === b.covered;

/** Every file and metric whose covered or total count differs between the two runs ("total" first). */
export function coverageDifferences(first: CoverageSummary, second: CoverageSummary, root: string): CoverageDifference[] {
    const a = keyedRelative(first, root);
    const b = keyedRelative(second, root);
    const files = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x === "total" ? -1 : y === "total" ? 1 : x.localeCompare(y)));
    return files.flatMap((file) =>
        METRICS.filter((metric) => !same(a.get(file)?.[metric], b.get(file)?.[metric])).map((metric) => ({
            file,
            metric,
            first: a.get(file)?.[metric],
            second: b.get(file)?.[metric],
        })),
    );
}

const figures = (f?: MetricFigures): string => (f ? `${f.covered}/${f.total} (${f.pct}%)` : "not measured");

/** One line per difference, or the agreed totals. */
export function differencesReport(differences: readonly CoverageDifference[], first: CoverageSummary): string {
    if (differences.length === 0) {
        const total = first.total;
        const pct = (metric: Metric) => `${metric} ${figures(total?.[metric])}`;
        return `Coverage is the same in both runs: ${METRICS.map(pct).join(", ")}.\n`;
    }
    const lines = differences.map((d) => `  ${d.file}: ${d.metric} ${figures(d.first)} in the first run, ${figures(d.second)} in the second`);
    return [`Coverage differs between two runs of the same suite (${differences.length} figures):`, ...lines, ""].join("\n");
}
