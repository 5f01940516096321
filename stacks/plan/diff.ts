import type { PlanFile } from "./planFile";

export interface PlanDiff {
    added: string[];
    removed: string[];
    changed: { urn: string; paths: string[] }[];
}

/** Paths where two JSON values differ ("spec.replicas", "metadata.labels.tier"); arrays by index. */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const bothObjects = before && after && typeof before === "object" && typeof after === "object";
    if (!bothObjects || Array.isArray(before) !== Array.isArray(after)) return [prefix || "(value)"];
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    return keys.flatMap((key) => {
        const path = Array.isArray(before) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
        return changedPaths(b[key], a[key], path);
    });
}

/** Added, removed and changed resources between two plans, by URN. */
export function diffPlans(before: PlanFile, after: PlanFile): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const next = new Map(after.resources.map((r) => [r.urn, r]));
    const changed: PlanDiff["changed"] = [];
    for (const [urn, r] of next) {
        const previous = old.get(urn);
        if (!previous) continue;
        const paths = [
            ...changedPaths(previous.inputs, r.inputs).map((p) => `inputs.${p}`),
            ...(JSON.stringify(previous.dependsOn) !== JSON.stringify(r.dependsOn) ? ["dependsOn"] : []),
            ...(previous.parent !== r.parent ? ["parent"] : []),
        ];
        if (paths.length > 0) changed.push({ urn, paths });
    }
    return {
        added: [...next.keys()].filter((urn) => !old.has(urn)).sort(),
        removed: [...old.keys()].filter((urn) => !next.has(urn)).sort(),
        changed: changed.sort((x, y) => x.urn.localeCompare(y.urn)),
    };
}

export function formatDiff(diff: PlanDiff): string {
    const lines = [`Plan diff: ${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove`];
    for (const urn of diff.added) lines.push(`  + ${urn}`);
    for (const { urn, paths } of diff.changed) {
        lines.push(`  ~ ${urn}`);
        for (const p of paths) lines.push(`      ${p}`);
    }
    for (const urn of diff.removed) lines.push(`  - ${urn}`);
    return lines.join("\n");
}
