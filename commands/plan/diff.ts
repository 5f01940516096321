import type { PlanFile } from "./planFile";

/** One input that differs: `before` is undefined for an added property, `after` for a removed one. */
export interface PropertyChange {
    path: string;
    before?: unknown;
    after?: unknown;
}

export interface PlanDiff {
    added: string[];
    removed: string[];
    changed: { urn: string; paths: string[]; changes: PropertyChange[] }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === "object";

/** Where two JSON values differ, with the old and new value at each place; arrays by index. */
export function propertyChanges(before: unknown, after: unknown, prefix = ""): PropertyChange[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after)) return [{ path: prefix || "(value)", before, after }];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
        const path = Array.isArray(before) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
        return propertyChanges(before[key], after[key], path);
    });
}

/** Paths where two JSON values differ ("spec.replicas", "metadata.labels.tier"); arrays by index. */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
    return propertyChanges(before, after, prefix).map((c) => c.path);
}

/** Added, removed and changed resources between two plans, by URN, with each changed input's old and new value. */
export function diffPlans(before: PlanFile, after: PlanFile): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const next = new Map(after.resources.map((r) => [r.urn, r]));
    const changed: PlanDiff["changed"] = [];
    for (const [urn, r] of next) {
        const previous = old.get(urn);
        if (!previous) continue;
        const dependsOnChanged = JSON.stringify(previous.dependsOn) !== JSON.stringify(r.dependsOn);
        const changes = [
            ...propertyChanges(previous.inputs, r.inputs).map((c) => ({ ...c, path: `inputs.${c.path}` })),
            ...(dependsOnChanged ? [{ path: "dependsOn", before: previous.dependsOn, after: r.dependsOn }] : []),
            ...(previous.parent !== r.parent ? [{ path: "parent", before: previous.parent, after: r.parent }] : []),
        ];
        if (changes.length > 0) changed.push({ urn, paths: changes.map((c) => c.path), changes });
    }
    return {
        added: [...next.keys()].filter((urn) => !old.has(urn)).sort(),
        removed: [...old.keys()].filter((urn) => !next.has(urn)).sort(),
        changed: changed.sort((x, y) => x.urn.localeCompare(y.urn)),
    };
}
