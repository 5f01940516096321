// The plan as `pulumi preview` shows it: every resource in its component tree with a +/~/- marker,
// its type and name, the changed inputs of each update (old → new), and a counts line.
import { diffPlans, PropertyChange } from "./diff";
import type { PlanFile } from "./planFile";
import type { RecordedResource } from "./recorder";

export type Operation = "create" | "update" | "delete" | "same";

const MARKERS: Record<Operation, string> = { create: "+", update: "~", delete: "-", same: " " };

/** Longest value shown on one line; longer ones end in "…". */
const MAX_VALUE = 120;
/** Changed lines shown for a multi-line value (a rendered config file). */
const MAX_LINES = 12;

interface PreviewNode {
    readonly resource: RecordedResource;
    readonly op: Operation;
    readonly changes: readonly PropertyChange[];
    readonly children: PreviewNode[];
}

export interface PreviewOptions {
    /** The previous plan: markers say what changes against it. Without it every resource is created. */
    before?: PlanFile;
    /** Also list unchanged resources (with a previous plan, only changes and their parents are listed). */
    showSames?: boolean;
}

export interface Preview {
    /** The tree, one line per resource, with a header. */
    readonly lines: string[];
    /** "Resources: + 7 to create, ~ 2 to update, 384 unchanged" */
    readonly counts: string;
}

/** Each resource of the plan, and each of the previous plan that is gone, with its operation. */
function nodesOf(plan: PlanFile, before: PlanFile | undefined): Map<string, PreviewNode> {
    const nodes = new Map<string, PreviewNode>();
    if (!before) {
        for (const r of plan.resources) nodes.set(r.urn, { resource: r, op: "create", changes: [], children: [] });
        return nodes;
    }
    const diff = diffPlans(before, plan);
    const changes = new Map(diff.changed.map((c) => [c.urn, c.changes]));
    const added = new Set(diff.added);
    for (const r of plan.resources) {
        const change = changes.get(r.urn);
        nodes.set(r.urn, { resource: r, op: added.has(r.urn) ? "create" : change ? "update" : "same", changes: change ?? [], children: [] });
    }
    const removed = new Set(diff.removed);
    for (const r of before.resources.filter((x) => removed.has(x.urn))) nodes.set(r.urn, { resource: r, op: "delete", changes: [], children: [] });
    return nodes;
}

/** The nodes as trees under their parents. */
function buildTree(plan: PlanFile, before: PlanFile | undefined): PreviewNode[] {
    const nodes = nodesOf(plan, before);
    const roots: PreviewNode[] = [];
    for (const node of nodes.values()) {
        const parent = node.resource.parent ? nodes.get(node.resource.parent) : undefined;
        (parent ? parent.children : roots).push(node);
    }
    return roots;
}

/** The nodes to list: changed ones and their ancestors, or all with showSames. */
function visible(nodes: readonly PreviewNode[], showSames: boolean): PreviewNode[] {
    return nodes.flatMap((n) => {
        const children = visible(n.children, showSames);
        return showSames || n.op !== "same" || children.length > 0 ? [{ ...n, children }] : [];
    });
}

function countOperations(nodes: readonly PreviewNode[], counts: Record<Operation, number>): Record<Operation, number> {
    for (const n of nodes) {
        counts[n.op]++;
        countOperations(n.children, counts);
    }
    return counts;
}

/** "Resources: + 393 to create", or with a previous plan "Resources: + 7 to create, ~ 2 to update, - 1 to delete, 384 unchanged". */
export function countsLine(counts: Record<Operation, number>): string {
    const parts = [
        ...(counts.create > 0 ? [`+ ${counts.create} to create`] : []),
        ...(counts.update > 0 ? [`~ ${counts.update} to update`] : []),
        ...(counts.delete > 0 ? [`- ${counts.delete} to delete`] : []),
    ];
    if (parts.length === 0) parts.push("no changes");
    if (counts.same > 0) parts.push(`${counts.same} unchanged`);
    return `Resources: ${parts.join(", ")}`;
}

const valueText = (value: unknown): string => (value === "[secret]" ? "[secret]" : (JSON.stringify(value) ?? "undefined"));

/** A value on one line: JSON, secrets as [secret], long values cut with "…". */
export function formatValue(value: unknown): string {
    return cut(valueText(value), 0);
}

/** At most MAX_VALUE characters of `text` from `start`, with "…" where some was left out. */
function cut(text: string, start: number): string {
    if (text.length <= MAX_VALUE) return text;
    const from = Math.min(start, text.length - (MAX_VALUE - 2));
    const head = from > 0 ? "…" : "";
    const room = MAX_VALUE - head.length - 1;
    const tail = from + room < text.length ? "…" : "";
    return `${head}${text.slice(from, from + room + (tail ? 0 : 1))}${tail}`;
}

/** Context kept before the first changed character when a long value is cut. */
const CONTEXT = 30;

/**
 * An old and a new text cut to one line each around where they first differ, so that two long
 * values that differ only past the cut never look the same.
 */
export function cutPair(before: string, after: string): [string, string] {
    let same = 0;
    while (same < before.length && same < after.length && before[same] === after[same]) same++;
    const start = same < MAX_VALUE - 1 ? 0 : same - CONTEXT;
    return [cut(before, start), cut(after, start)];
}

/** Lines of a multi-line value that went (-) and came (+), in order; a rendered file's change at a glance. */
function lineChanges(before: string, after: string): string[] {
    const count = (lines: string[]) => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    const only = (lines: string[], other: Map<string, number>) =>
        lines.filter((l) => {
            const left = other.get(l) ?? 0;
            other.set(l, left - 1);
            return left <= 0;
        });
    const [old, next] = [before.split("\n"), after.split("\n")];
    const [removed, added] = [only(old, count(next)), only(next, count(old))];
    // A removed line and the added line in its place are cut around their first difference.
    const pair = (i: number): [string, string] => cutPair(removed[i] ?? "", added[i] ?? "");
    const lines = [...removed.map((_, i) => `- ${pair(i)[0]}`), ...added.map((_, i) => `+ ${pair(i)[1]}`)];
    return lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more changed line(s)`] : lines;
}

/** One changed input as lines: "~ inputs.spec.replicas: 1 → 2", "+ path: value", "- path: value". */
export function changeLines(change: PropertyChange): string[] {
    const path = change.path.replace(/^inputs\./, "");
    if (change.before === undefined) return [`+ ${path}: ${formatValue(change.after)}`];
    if (change.after === undefined) return [`- ${path}: ${formatValue(change.before)}`];
    if (typeof change.before === "string" && typeof change.after === "string" && `${change.before}${change.after}`.includes("\n")) {
        return [`~ ${path}: (multi-line value)`, ...lineChanges(change.before, change.after).map((l) => `    ${l}`)];
    }
    const [before, after] = cutPair(valueText(change.before), valueText(change.after));
    return [`~ ${path}: ${before} → ${after}`];
}

/**
 * A type as `pulumi preview` displays it: a module named after the resource is dropped
 * ("aws:s3/bucketPolicy:BucketPolicy" → "aws:s3:BucketPolicy"); other types stay whole.
 */
export function displayType(type: string): string {
    const match = /^([^:]+):([^:/]+)\/([^:/]+):([^:]+)$/.exec(type);
    return match && match[3].toLowerCase() === match[4].toLowerCase() ? `${match[1]}:${match[2]}:${match[4]}` : type;
}

interface Row {
    readonly marker: string;
    readonly type: string;
    readonly name: string;
    readonly op: Operation;
    /** Changed inputs, already indented under the row. */
    readonly details: string[];
}

/** Rows of a tree, with the branches `pulumi preview` draws (├─ └─ │). */
function rows(nodes: readonly PreviewNode[], continuation: string, isRoot: boolean): Row[] {
    return nodes.flatMap((node, i) => {
        const last = i === nodes.length - 1;
        const branch = isRoot ? "" : last ? "└─ " : "├─ ";
        const below = isRoot ? "" : `${continuation}${last ? "   " : "│  "}`;
        const detailIndent = `${node.children.length > 0 ? `${below}│  ` : `${below}   `}  `;
        const row: Row = {
            marker: MARKERS[node.op],
            type: `${continuation}${branch}${displayType(node.resource.type)}`,
            name: node.resource.name,
            op: node.op,
            details: node.changes.flatMap(changeLines).map((l) => `${detailIndent}${l}`),
        };
        return [row, ...rows(node.children, below, false)];
    });
}

/** The preview of a plan: the tree (against `before` when given) and the counts line. */
export function formatPreview(plan: PlanFile, options: PreviewOptions = {}): Preview {
    const tree = buildTree(plan, options.before);
    const counts = countsLine(countOperations(tree, { create: 0, update: 0, delete: 0, same: 0 }));
    const all = rows(visible(tree, options.showSames ?? !options.before), "", true);
    const typeWidth = Math.max(4, ...all.map((r) => r.type.length));
    const nameWidth = Math.max(4, ...all.map((r) => r.name.length));
    const lines = [`     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan`];
    for (const r of all) {
        lines.push(` ${r.marker}   ${r.type.padEnd(typeWidth)}  ${r.name.padEnd(nameWidth)}  ${r.op === "same" ? "" : r.op}`.trimEnd());
        lines.push(...r.details.map((d) => `     ${d}`));
    }
    return { lines, counts };
}
