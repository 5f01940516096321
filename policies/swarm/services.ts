/** The Swarm service type token of @pulumi/docker. */
export const SWARM_SERVICE = "docker:index/service:Service";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function containerSpecOf(props: Obj): Obj {
    return props?.taskSpec?.containerSpec ?? {};
}

/** Service labels as a map (the provider takes a list of { label, value }). */
export function serviceLabels(props: Obj): Record<string, string> {
    const list: Obj[] = Array.isArray(props?.labels) ? props.labels : [];
    return Object.fromEntries(list.map((l) => [String(l.label), String(l.value)]));
}

export function bindMounts(props: Obj): { source: string; target: string }[] {
    const mounts: Obj[] = containerSpecOf(props).mounts ?? [];
    return mounts.filter((m) => m?.type === "bind").map((m) => ({ source: String(m.source ?? ""), target: String(m.target ?? "") }));
}
