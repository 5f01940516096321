import type { PolicyResource } from "../rule";
import { list, swarmProps, type SwarmContainerSpec } from "../shapes";

/** The Swarm service type token of @pulumi/docker. */
export const SWARM_SERVICE = "docker:index/service:Service";

export function containerSpecOf(props: PolicyResource["props"]): SwarmContainerSpec {
    return swarmProps({ props }).taskSpec?.containerSpec ?? {};
}

/** Service labels as a map (the provider takes a list of { label, value }). */
export function serviceLabels(props: PolicyResource["props"]): Record<string, string> {
    const labels = list(swarmProps({ props }).labels) as ({ label?: unknown; value?: unknown } | undefined)[];
    return Object.fromEntries(labels.map((l) => [String(l?.label), String(l?.value)]));
}

export function bindMounts(props: PolicyResource["props"]): { source: string; target: string }[] {
    const mounts = containerSpecOf(props).mounts ?? [];
    return mounts.filter((m) => m?.type === "bind").map((m) => ({ source: String(m.source ?? ""), target: String(m.target ?? "") }));
}
