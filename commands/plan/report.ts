// What `npm run plan` prints: the preview tree first, the summary last, where the terminal shows it.
import type { SchemaResult } from "./manifests";
import type { PlanTimings } from "./plan";
import { formatNodePools } from "./nodePools";
import type { PlanFile } from "./planFile";
import { formatPreview } from "./preview";
import { formatSummary } from "./summary";

export interface PlanReport {
    plan: PlanFile;
    schema: readonly SchemaResult[];
    /** Where the plan was written: <out>/<stack>. */
    dir: string;
    timings: PlanTimings;
    /** The previous plan, from --diff. */
    before?: { file: string; plan: PlanFile };
    showSames?: boolean;
}

/** Names joined by ", " into lines of at most `width` characters (a longer name gets a line of its own). */
export function wrapped(names: readonly string[], width: number): string[] {
    const lines: string[] = [];
    for (const name of names) {
        const last = lines.length - 1;
        if (last >= 0 && lines[last].length + 2 + name.length <= width) lines[last] += `, ${name}`;
        else lines.push(name);
    }
    return lines;
}

function secretLines(plan: PlanFile): string[] {
    const lines = ["Secrets (names only):"];
    for (const [name, servers] of Object.entries(plan.summary.secretInventory)) lines.push(`  ${name.padEnd(22)} ${servers.join(", ")}`);
    if (plan.summary.placeholders.length > 0) {
        lines.push("", `Offline placeholders stood in for ${plan.summary.placeholders.length} secret key(s) that ESC or encrypted config provide:`);
        lines.push(...wrapped(plan.summary.placeholders, 150).map((line) => `  ${line}`));
    }
    return lines;
}

type Violation = PlanFile["policy"]["violations"][number];

/** Non-mandatory violations of one rule shown one per line up to this many; beyond it, one line for them all. */
const SHOWN_PER_RULE = 3;

const resourceName = (urn: string): string => urn.split("::").pop() ?? urn;
const violationLine = (v: Violation): string => `  [${v.level}] ${v.policy} ${resourceName(v.urn)}: ${v.message}`;

/**
 * Every mandatory violation on its own line; the others grouped by rule, so forty resources of one
 * advisory rule take one line, not forty. plan.json keeps every violation in full.
 */
function violationLines(violations: readonly Violation[], planFile: string): string[] {
    const lines = violations.filter((v) => v.level === "mandatory").map(violationLine);
    const groups = new Map<string, Violation[]>();
    for (const v of violations.filter((v) => v.level !== "mandatory"))
        groups.set(`${v.level} ${v.policy}`, [...(groups.get(`${v.level} ${v.policy}`) ?? []), v]);
    let grouped = false;
    for (const group of groups.values()) {
        if (group.length <= SHOWN_PER_RULE) {
            lines.push(...group.map(violationLine));
            continue;
        }
        const [first] = group;
        lines.push(`  [${first.level}] ${first.policy}: ${group.length} resources, e.g. ${resourceName(first.urn)}: ${first.message}`);
        grouped = true;
    }
    if (grouped) lines.push(`  (every violation: npx sophia policy --plan ${planFile})`);
    return lines;
}

function checkLines(plan: PlanFile, schema: readonly SchemaResult[], planFile: string): string[] {
    const lines: string[] = [];
    const invalid = schema.filter((s) => s.error);
    if (schema.length > 0) {
        lines.push(
            `Kubernetes manifests: ${schema.length} (${schema.filter((s) => !s.unchecked).length} checked against the OpenAPI schema, ${invalid.length} invalid)`,
        );
        for (const s of invalid) lines.push(`  INVALID ${s.file}: ${s.error}`);
    }
    const violations = plan.policy.violations;
    lines.push(...violationLines(violations, planFile));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    lines.push(
        `Policy: ${violations.length} violation(s), ${mandatory} mandatory (${plan.policy.rules ?? "?"} rules ran on ${plan.resources.length} resources)`,
    );
    return lines;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The whole text of a plan: tree, compute, secrets, then checks, counts and files at the end. */
export function formatReport(report: PlanReport): string {
    const { plan, dir } = report;
    const preview = formatPreview(plan, { before: report.before?.plan, showSames: report.showSames });
    const against = report.before ? ` against ${report.before.file} (stack ${report.before.plan.stack})` : "";
    return [
        `Previewing stack ${plan.stack} (project ${plan.project}, target ${plan.target})${against}:`,
        "",
        ...preview.lines,
        "",
        formatSummary(plan.summary),
        "",
        ...(plan.summary.nodePools ? [...formatNodePools(plan.summary.nodePools), ""] : []),
        ...secretLines(plan),
        "",
        ...checkLines(plan, report.schema, `${dir}/plan.json`),
        preview.counts,
        `Wrote ${dir}/plan.json and ${plan.summary.artifacts.length} file(s) under ${dir}/ (evaluated in ${seconds(report.timings.evaluateMs)} s, planned in ${seconds(report.timings.totalMs)} s)`,
        "",
    ].join("\n");
}
