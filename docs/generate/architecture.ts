import type { RecordedResource } from "../../stacks/plan/recorder";
import type { PlanFile } from "../../stacks/plan/planFile";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const short = (type: string): string => type.split(":").pop()!;

/** The component (non-custom resource below the stack) that owns each resource. */
function owners(resources: readonly RecordedResource[]): Map<string, RecordedResource> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const owner = new Map<string, RecordedResource>();
    for (const r of resources) {
        let x: RecordedResource | undefined = r;
        while (x && x.custom) x = x.parent ? byUrn.get(x.parent) : undefined;
        if (x && x.type !== "pulumi:pulumi:Stack") owner.set(r.urn, x);
    }
    return owner;
}

/** Component types by namespace (Kubernetes) or overlay network (Swarm) their workloads live in. */
function placement(plan: PlanFile, owner: Map<string, RecordedResource>): Map<string, Set<string>> {
    const groups = new Map<string, Set<string>>();
    const add = (group: string, type: string) => (groups.get(group) ?? groups.set(group, new Set()).get(group)!).add(type);
    const networks = new Map(plan.resources.filter((r) => r.type === "docker:index/network:Network").map((r) => [`${r.name}-id`, String((r.inputs as Inputs).name)]));
    for (const r of plan.resources) {
        const component = owner.get(r.urn);
        if (!component) continue;
        const i = r.inputs as Inputs;
        if (/^kubernetes:apps\/v1:(Deployment|StatefulSet)$|^kubernetes:batch\/v1:CronJob$/.test(r.type)) add(String(i.metadata?.namespace), component.type);
        if (r.type === "docker:index/service:Service") {
            const first = (i.taskSpec?.networksAdvanceds ?? [])[0] as { name?: string } | undefined;
            if (first?.name) add(networks.get(first.name) ?? first.name, component.type);
        }
    }
    return groups;
}

/** Which component types may open connections to which, from the NetworkPolicies' ingress rules. */
function trafficEdges(plan: PlanFile, owner: Map<string, RecordedResource>, groups: Map<string, Set<string>>): Set<string> {
    const edges = new Set<string>();
    for (const r of plan.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        const target = owner.get(r.urn);
        if (!target) continue;
        for (const rule of ((r.inputs as Inputs).spec?.ingress ?? []) as Inputs[]) {
            for (const from of (rule.from ?? []) as Inputs[]) {
                const namespace = from.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] as string | undefined;
                for (const source of namespace ? (groups.get(namespace) ?? []) : []) if (source !== target.type) edges.add(`${source}|${target.type}`);
            }
        }
    }
    return edges;
}

/** Component types that depend on each other's resources (dependsOn, including inputs from outputs). */
function dependencyEdges(plan: PlanFile, owner: Map<string, RecordedResource>): Set<string> {
    const edges = new Set<string>();
    for (const r of plan.resources) {
        const from = owner.get(r.urn) ?? (r.custom ? undefined : r);
        if (!from || from.type === "pulumi:pulumi:Stack") continue;
        for (const d of r.dependsOn) {
            const to = owner.get(d) ?? plan.resources.find((x) => x.urn === d && !x.custom);
            if (to && to.type !== from.type && to.type !== "pulumi:pulumi:Stack") edges.add(`${from.type}|${to.type}`);
        }
    }
    return edges;
}

/** A mermaid flowchart of one stack: components (with counts) grouped where they run, and how they relate. */
export function stackDiagram(plan: PlanFile): string {
    const owner = owners(plan.resources);
    const counts = new Map<string, number>();
    for (const r of plan.resources.filter((x) => !x.custom && x.type !== "pulumi:pulumi:Stack")) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const id = (type: string) => short(type);
    const label = (type: string) => `${short(type)}${(counts.get(type) ?? 1) > 1 ? ` ×${counts.get(type)}` : ""}`;
    const groups = placement(plan, owner);
    const lines = ["```mermaid", "flowchart LR"];
    const placed = new Set<string>();
    for (const [group, types] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`    subgraph ${group.replace(/[^a-zA-Z0-9_-]/g, "_")}["${group}"]`);
        for (const type of [...types].sort()) {
            // A component whose workloads span groups is drawn in the first.
            if (placed.has(type)) continue;
            placed.add(type);
            lines.push(`        ${id(type)}["${label(type)}"]`);
        }
        lines.push("    end");
    }
    for (const type of [...counts.keys()].sort()) if (!placed.has(type)) lines.push(`    ${id(type)}["${label(type)}"]`);
    for (const edge of [...dependencyEdges(plan, owner)].sort()) {
        const [a, b] = edge.split("|");
        lines.push(`    ${id(a)} --> ${id(b)}`);
    }
    for (const edge of [...trafficEdges(plan, owner, groups)].sort()) {
        const [a, b] = edge.split("|");
        lines.push(`    ${id(a)} -. traffic .-> ${id(b)}`);
    }
    lines.push("```");
    return lines.join("\n");
}

/** The architecture diagrams of every stack (docs/03-architecture/diagram.md). Pure over plan files. */
export function renderArchitecture(plans: readonly PlanFile[]): string {
    const lines = [
        "# Architecture diagrams",
        "",
        "<!-- Generated by `npm run docs` from the offline plan of each stack; do not edit by hand. -->",
        "",
        "Components of each stack, drawn inside the namespace (Kubernetes) or overlay network (Swarm) their workloads run in.",
        "A solid arrow is a deployment dependency (a component uses another's resources: the cluster's provider and",
        "namespaces, a database's secret); a dotted arrow is traffic a NetworkPolicy allows. Counts are instances.",
    ];
    for (const plan of plans) lines.push("", `## ${plan.stack} (${plan.target})`, "", stackDiagram(plan));
    return `${lines.join("\n")}\n`;
}
