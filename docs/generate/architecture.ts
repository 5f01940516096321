import type { RecordedResource } from "../../commands/plan/recorder";
import type { PlanFile } from "../../commands/plan/planFile";

/** The few input fields the diagram reads. */
interface WorkloadInputs {
    readonly name?: string;
    readonly metadata?: { readonly namespace?: string };
    readonly taskSpec?: { readonly networksAdvanceds?: readonly { readonly name?: string }[] };
    readonly spec?: { readonly ingress?: readonly NetworkPolicyRule[] };
}
interface NetworkPolicyRule {
    readonly from?: readonly { readonly namespaceSelector?: { readonly matchLabels?: Readonly<Record<string, string>> } }[];
}

const inputs = (r: RecordedResource): WorkloadInputs => r.inputs;
const short = (type: string): string => type.split(":").pop()!;
/** The Kubernetes kinds whose pods run a component's code (not their lists or patches). */
const WORKLOAD_TYPES: ReadonlySet<string> = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:CronJob"]);
const isComponent = (r: RecordedResource): boolean => !r.custom && r.type !== "pulumi:pulumi:Stack";

/** The component (non-custom resource below the stack) that owns each resource. */
function owners(resources: readonly RecordedResource[]): Map<string, RecordedResource> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const owner = new Map<string, RecordedResource>();
    for (const r of resources) {
        let x: RecordedResource | undefined = r;
        while (x?.custom) x = x.parent ? byUrn.get(x.parent) : undefined;
        if (x && isComponent(x)) owner.set(r.urn, x);
    }
    return owner;
}

/** The namespace (Kubernetes) or first overlay network (Swarm) a resource's workload runs in. */
function groupOf(r: RecordedResource, networkNames: ReadonlyMap<string, string>): string | undefined {
    if (WORKLOAD_TYPES.has(r.type)) return inputs(r).metadata?.namespace;
    // Only a Swarm service has a task spec.
    const network = inputs(r).taskSpec?.networksAdvanceds?.[0]?.name;
    return network ? (networkNames.get(network) ?? network) : undefined;
}

/** Component types by the group their workloads live in. */
function placement(plan: PlanFile, owner: ReadonlyMap<string, RecordedResource>): Map<string, Set<string>> {
    const groups = new Map<string, Set<string>>();
    const networkNames = new Map(plan.resources.filter((r) => r.type === "docker:index/network:Network").map((r) => [`${r.name}-id`, String(inputs(r).name)]));
    for (const r of plan.resources) {
        const component = owner.get(r.urn);
        const group = component && groupOf(r, networkNames);
        if (component && group) (groups.get(group) ?? groups.set(group, new Set()).get(group)!).add(component.type);
    }
    return groups;
}

/** Namespaces a NetworkPolicy admits traffic from. */
function sourceNamespaces(policy: RecordedResource): string[] {
    return (inputs(policy).spec?.ingress ?? [])
        .flatMap((rule) => rule.from ?? [])
        .map((from) => from.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"])
        .filter((n): n is string => Boolean(n));
}

/** Which component types may open connections to which, from the NetworkPolicies' ingress rules. */
function trafficEdges(plan: PlanFile, owner: ReadonlyMap<string, RecordedResource>, groups: ReadonlyMap<string, Set<string>>): Set<string> {
    const edges = new Set<string>();
    for (const policy of plan.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        const target = owner.get(policy.urn)?.type;
        const sources = sourceNamespaces(policy).flatMap((namespace) => [...(groups.get(namespace) ?? [])]);
        for (const source of target ? sources : []) if (source !== target) edges.add(`${source}|${target}`);
    }
    return edges;
}

/** Component types that depend on each other's resources (dependsOn, including inputs from outputs). */
function dependencyEdges(plan: PlanFile, owner: ReadonlyMap<string, RecordedResource>): Set<string> {
    const components = new Map(plan.resources.filter(isComponent).map((r) => [r.urn, r]));
    const componentOf = (urn: string) => owner.get(urn) ?? components.get(urn);
    const edges = new Set<string>();
    for (const r of plan.resources) {
        const from = componentOf(r.urn);
        const targets = from ? r.dependsOn.map(componentOf) : [];
        for (const to of targets) if (to && to.type !== from!.type) edges.add(`${from!.type}|${to.type}`);
    }
    return edges;
}

function edgeLines(edges: Set<string>, arrow: string): string[] {
    return [...edges].sort().map((edge) => {
        const [a, b] = edge.split("|");
        return `    ${short(a)} ${arrow} ${short(b)}`;
    });
}

/** A mermaid flowchart of one stack: components (with counts) grouped where they run, and how they relate. */
export function stackDiagram(plan: PlanFile): string {
    const owner = owners(plan.resources);
    const counts = new Map<string, number>();
    for (const r of plan.resources.filter(isComponent)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const node = (type: string) => `${short(type)}["${short(type)}${(counts.get(type) ?? 1) > 1 ? ` ×${counts.get(type)}` : ""}"]`;
    const groups = placement(plan, owner);
    const lines = ["```mermaid", "flowchart LR"];
    const placed = new Set<string>();
    for (const [group, types] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
        // A component whose workloads span groups is drawn in the first.
        const fresh = [...types].sort().filter((type) => !placed.has(type));
        fresh.forEach((type) => placed.add(type));
        lines.push(`    subgraph ${group.replace(/[^a-zA-Z0-9_-]/g, "_")}["${group}"]`, ...fresh.map((type) => `        ${node(type)}`), "    end");
    }
    lines.push(
        ...[...counts.keys()]
            .sort()
            .filter((type) => !placed.has(type))
            .map((type) => `    ${node(type)}`),
    );
    lines.push(...edgeLines(dependencyEdges(plan, owner), "-->"), ...edgeLines(trafficEdges(plan, owner, groups), "-. traffic .->"), "```");
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
