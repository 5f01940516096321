// Drift: what `pulumi preview --expect-no-changes --json`, run right after `pulumi refresh`, says
// would change. After a refresh the state is what runs, so any step that is not "same" is a resource
// someone changed outside Pulumi (or a program change nobody deployed). Pure: parse, then render.
import { z } from "zod";

/** Steps that change nothing: unchanged resources, reads of external ones, a refresh's own reads. */
const NO_CHANGE_OPS = new Set(["same", "read", "refresh"]);
const REPLACEMENT_STEPS = new Set(["replace", "create-replacement", "delete-replaced"]);

/** The parts of Pulumi's preview digest (pkg/backend/display/json.go) the report reads; values are never read. */
const previewSchema = z.object({
    steps: z
        .array(
            z.object({
                op: z.string(),
                urn: z.string(),
                diffReasons: z.array(z.string()).nullish(),
                replaceReasons: z.array(z.string()).nullish(),
                detailedDiff: z.record(z.string(), z.object({ kind: z.string() })).nullish(),
            }),
        )
        .nullish(),
    diagnostics: z.array(z.object({ urn: z.string().nullish(), message: z.string(), severity: z.string() })).nullish(),
    // Pulumi always writes it (no omitempty): a file without it is not a preview, or was cut short.
    changeSummary: z.record(z.string(), z.number()),
});

export interface DriftedResource {
    readonly op: string;
    /** "kubernetes:apps/v1:Deployment": the resource's own type, without its parents'. */
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The properties that differ, by name ("spec.replicas"); never their values. */
    readonly properties: readonly string[];
}

export interface DriftReport {
    readonly stack: string;
    readonly drifted: readonly DriftedResource[];
    /** Resources per operation, as Pulumi counted them ({ same: 140, update: 1 }). */
    readonly changeSummary: Readonly<Record<string, number>>;
    /** Error diagnostics: the preview did not finish, so drift is unknown. */
    readonly errors: readonly string[];
}

/** Type and name from a URN: urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return { type: "(unknown)", name: urn };
    const chain = parts[2].split("$");
    return { type: chain[chain.length - 1], name: parts.slice(3).join("::") };
}

type PreviewStep = NonNullable<z.infer<typeof previewSchema>["steps"]>[number];

/** Each changed resource once: a replacement comes as several steps (create-replacement, replace, delete-replaced). */
function driftedResources(steps: readonly PreviewStep[]): DriftedResource[] {
    const byUrn = new Map<string, DriftedResource>();
    for (const step of steps) {
        if (NO_CHANGE_OPS.has(step.op) || byUrn.has(step.urn)) continue;
        const properties = step.detailedDiff ? Object.keys(step.detailedDiff) : [...(step.diffReasons ?? []), ...(step.replaceReasons ?? [])];
        const op = REPLACEMENT_STEPS.has(step.op) ? "replace" : step.op;
        byUrn.set(step.urn, { op, ...parseUrn(step.urn), urn: step.urn, properties: [...new Set(properties)].sort() });
    }
    return [...byUrn.values()];
}

/** The drift in a preview digest; throws a readable message naming the first field of the wrong shape. */
export function parsePreview(stack: string, json: unknown): DriftReport {
    const parsed = previewSchema.safeParse(json);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`not the JSON of \`pulumi preview --json\`: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    }
    const preview = parsed.data;
    const errors = (preview.diagnostics ?? [])
        .filter((d) => d.severity === "error")
        .map((d) => (d.urn ? `${parseUrn(d.urn).name}: ${d.message.trim()}` : d.message.trim()));
    // A finished preview has a step for every resource, the stack itself included, unchanged ones as "same".
    if (errors.length === 0 && (preview.steps ?? []).length === 0) {
        throw new Error("a preview that finished lists a step for every resource, the stack included, and this lists none: was the file cut short?");
    }
    return { stack, drifted: driftedResources(preview.steps ?? []), changeSummary: preview.changeSummary ?? {}, errors };
}

const SYMBOLS: Readonly<Record<string, string>> = { create: "+", update: "~", delete: "-", replace: "+-" };

const summaryText = (summary: Readonly<Record<string, number>>): string =>
    Object.entries(summary)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");

export const hasDrift = (report: DriftReport): boolean => report.drifted.length > 0 || report.errors.length > 0;

/** The report the workflow posts: one line per drifted resource, type, name and changed properties. */
export function formatDrift(report: DriftReport): string {
    const counts = summaryText(report.changeSummary);
    if (report.errors.length > 0)
        return [
            `Drift check of stack ${report.stack} failed: the preview reported ${report.errors.length} error(s), so drift is unknown:`,
            ...report.errors.map((e) => `  - ${e}`),
            "",
        ].join("\n");
    if (report.drifted.length === 0)
        return `No drift in stack ${report.stack}: after a refresh, every resource matches the program (${counts || "no resources"}).\n`;
    const typeWidth = Math.max(...report.drifted.map((d) => d.type.length));
    const nameWidth = Math.max(...report.drifted.map((d) => d.name.length));
    return [
        `Drift in stack ${report.stack}: ${report.drifted.length} resource(s) differ from the program after a refresh (${counts}):`,
        ...report.drifted.map(
            (d) =>
                `  ${(SYMBOLS[d.op] ?? "?").padEnd(2)} ${d.op.padEnd(8)} ${d.type.padEnd(typeWidth)}  ${d.name.padEnd(nameWidth)}  ${d.properties.join(", ") || "(no property named)"}`,
        ),
        "",
        `Put them back with \`pulumi up\` on stack ${report.stack}, or change the program to match (docs/05-operations/drift.md).`,
        "",
    ].join("\n");
}
