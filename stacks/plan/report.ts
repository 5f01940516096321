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

function secretLines(plan: PlanFile): string[] {
    const lines = ["Secrets (names only):"];
    for (const [name, servers] of Object.entries(plan.summary.secretInventory)) lines.push(`  ${name.padEnd(22)} ${servers.join(", ")}`);
    if (plan.summary.placeholders.length > 0) {
        lines.push("", `Offline placeholders stood in for ${plan.summary.placeholders.length} secret key(s) that ESC or encrypted config provide:`);
        lines.push(`  ${plan.summary.placeholders.join(", ")}`);
    }
    return lines;
}

function checkLines(plan: PlanFile, schema: readonly SchemaResult[]): string[] {
    const lines: string[] = [];
    const invalid = schema.filter((s) => s.error);
    if (schema.length > 0) {
        lines.push(
            `Kubernetes manifests: ${schema.length} (${schema.filter((s) => !s.unchecked).length} checked against the OpenAPI schema, ${invalid.length} invalid)`,
        );
        for (const s of invalid) lines.push(`  INVALID ${s.file}: ${s.error}`);
    }
    const violations = plan.policy.violations;
    for (const v of violations) lines.push(`  [${v.level}] ${v.policy} ${v.urn}: ${v.message}`);
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
        ...checkLines(plan, report.schema),
        preview.counts,
        `Wrote ${dir}/plan.json and ${plan.summary.artifacts.length} file(s) under ${dir}/ (evaluated in ${seconds(report.timings.evaluateMs)} s, planned in ${seconds(report.timings.totalMs)} s)`,
        "",
    ].join("\n");
}
