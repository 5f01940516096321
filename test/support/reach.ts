// Who may open a connection to a workload, judged from a plan's rendered resources with each
// target's own rules: Kubernetes NetworkPolicy semantics (networking.k8s.io/v1) for a pod, and for a
// Swarm service the overlay networks it joins (services reach each other only on a shared network).
// Where a pod may connect to (egress) is judged with the same rules.
import { BlockList } from "net";
import type { RecordedResource } from "../../commands/plan/recorder";
import { podTemplateOf } from "./containers";

type Json = Record<string, any>;

/** Every port: a rule that lists none admits them all. */
export const ALL_PORTS = "all";
export type Admitted = ReadonlySet<number | typeof ALL_PORTS>;

/** A label selector's requirement (apimachinery labels.Requirement): NotIn and DoesNotExist hold for a missing label. */
function requirementHolds(requirement: Json, labels: Readonly<Record<string, string>>): boolean {
    const present = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const values = (requirement.values ?? []) as string[];
    switch (requirement.operator) {
        case "In":
            return present && values.includes(labels[requirement.key]);
        case "NotIn":
            return !present || !values.includes(labels[requirement.key]);
        case "Exists":
            return present;
        case "DoesNotExist":
            return !present;
        default:
            throw new Error(`unknown label selector operator ${String(requirement.operator)}`);
    }
}

/** Whether a label selector selects an object with these labels: every matchLabels pair and every matchExpressions requirement. */
export const matches = (selector: Json | undefined, labels: Readonly<Record<string, string>>): boolean =>
    Object.entries((selector?.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v) &&
    ((selector?.matchExpressions ?? []) as Json[]).every((requirement) => requirementHolds(requirement, labels));

/** A namespace's labels as the API server keeps them: its own, and kubernetes.io/metadata.name, which it always sets. */
export function namespaceLabels(resources: readonly RecordedResource[], namespace: string): Record<string, string> {
    const object = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as Json)?.name === namespace);
    return { ...((object?.inputs.metadata as Json)?.labels ?? {}), "kubernetes.io/metadata.name": namespace };
}

/** A pod of a workload: its namespace, its labels and its named container ports. */
export interface PodOf {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly ports: ReadonlyMap<string, number>;
}

export function podOf(workload: RecordedResource): PodOf {
    const template = podTemplateOf(workload);
    const containers = (template.spec.containers ?? []) as Json[];
    const ports = new Map(containers.flatMap((c) => ((c.ports ?? []) as Json[]).map((p) => [p.name as string, p.containerPort as number] as const)));
    return { namespace: (workload.inputs.metadata as Json).namespace, labels: template.metadata?.labels ?? {}, ports };
}

/** A peer of an ingress rule admits the source: a namespace selector on its namespace, and a pod selector (if any) on the pod. */
function peerAdmits(
    peer: Json,
    policyNamespace: string,
    source: { namespace: string; labels: Readonly<Record<string, string>> },
    nsLabels: Record<string, string>,
): boolean {
    if (peer.ipBlock) return false; // pod addresses are private; the rules' ipBlocks name public ranges
    const namespaceOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels) : source.namespace === policyNamespace;
    return namespaceOk && (peer.podSelector ? matches(peer.podSelector, source.labels) : true);
}

/**
 * The ports of `target` that a pod of `source` (its namespace and labels) may connect to: the union of
 * the ingress rules of every policy selecting the target that admit the source; every port when no
 * policy isolates it.
 */
export function admittedPorts(
    resources: readonly RecordedResource[],
    target: PodOf,
    source: { namespace: string; labels?: Readonly<Record<string, string>> },
): Admitted {
    const from = { namespace: source.namespace, labels: source.labels ?? {} };
    const nsLabels = namespaceLabels(resources, source.namespace);
    const policies = resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => r.inputs as Json)
        .filter((p) => p.metadata.namespace === target.namespace && matches(p.spec.podSelector, target.labels))
        .filter((p) => (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
    if (policies.length === 0) return new Set([ALL_PORTS]);
    const admitted = new Set<number | typeof ALL_PORTS>();
    for (const policy of policies)
        for (const rule of (policy.spec.ingress ?? []) as Json[])
            if (ruleAdmits(rule, policy.metadata.namespace, from, nsLabels)) for (const port of rulePorts(rule, target)) admitted.add(port);
    return admitted;
}

/** An ingress rule admits a source when it lists no peer, or a peer that admits it. */
function ruleAdmits(
    rule: Json,
    policyNamespace: string,
    source: { namespace: string; labels: Readonly<Record<string, string>> },
    nsLabels: Record<string, string>,
): boolean {
    const peers = (rule.from ?? []) as Json[];
    return peers.length === 0 || peers.some((peer) => peerAdmits(peer, policyNamespace, source, nsLabels));
}

/** The ports a rule opens: those it lists (a named one is the target container's), or every port when it lists none. */
function rulePorts(rule: Json, target: PodOf): (number | typeof ALL_PORTS)[] {
    const ports = (rule.ports ?? []) as Json[];
    if (ports.length === 0) return [ALL_PORTS];
    return ports.map((p) => (typeof p.port === "number" ? p.port : (target.ports.get(p.port) ?? -1)));
}

/** Where a pod connects to: another pod (its namespace and labels), or an IPv4 address outside the cluster. */
export type Destination = { readonly namespace: string; readonly labels: Readonly<Record<string, string>> } | { readonly address: string };

/** The policy types a NetworkPolicy enforces: as written, else Ingress, and Egress when it has egress rules (the API server's default). */
const policyTypesOf = (policy: Json): string[] => policy.spec.policyTypes ?? ["Ingress", ...(policy.spec.egress?.length ? ["Egress"] : [])];

/**
 * Whether a pod of `source` may open a connection to `destination` on `port` over `protocol`: yes
 * when no policy selecting it isolates its egress, else when an egress rule of one of those policies
 * admits both the destination and the port.
 */
export function egressAllowed(
    resources: readonly RecordedResource[],
    source: { namespace: string; labels: Readonly<Record<string, string>> },
    destination: Destination,
    port: number,
    protocol: "TCP" | "UDP" | "SCTP" = "TCP",
): boolean {
    const policies = resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => r.inputs as Json)
        .filter((p) => p.metadata.namespace === source.namespace && matches(p.spec.podSelector, source.labels))
        .filter((p) => policyTypesOf(p).includes("Egress"));
    if (policies.length === 0) return true;
    return policies.some((policy) =>
        ((policy.spec.egress ?? []) as Json[]).some(
            (rule) => egressPeersAdmit(resources, (rule.to ?? []) as Json[], policy.metadata.namespace, destination) && portsAdmit(rule, port, protocol),
        ),
    );
}

/** A rule's `to` admits the destination when it lists no peer, or a peer that admits it. */
function egressPeersAdmit(resources: readonly RecordedResource[], peers: Json[], policyNamespace: string, destination: Destination): boolean {
    if (peers.length === 0) return true;
    return peers.some((peer) => {
        if (!peer.ipBlock && !peer.namespaceSelector && !peer.podSelector)
            throw new Error("a NetworkPolicy peer that names no pods, namespaces or ipBlock: the API server refuses it");
        if ("address" in destination) return peer.ipBlock ? inBlock(destination.address, peer.ipBlock) : false;
        if (peer.ipBlock) return false; // pod addresses are private; the rules' ipBlocks name public ranges
        const namespaceOk = peer.namespaceSelector
            ? matches(peer.namespaceSelector, namespaceLabels(resources, destination.namespace))
            : destination.namespace === policyNamespace;
        return namespaceOk && (peer.podSelector ? matches(peer.podSelector, destination.labels) : true);
    });
}

/** An address in an ipBlock: inside its CIDR and outside each of its exceptions (Node's own CIDR matching). */
function inBlock(address: string, block: Json): boolean {
    const within = (cidr: string) => {
        const [network, prefix] = cidr.split("/");
        const list = new BlockList();
        list.addSubnet(network, Number(prefix), "ipv4");
        return list.check(address, "ipv4");
    };
    return within(block.cidr) && !((block.except ?? []) as string[]).some(within);
}

/** A rule's ports admit the port when it lists none, or one of the protocol (TCP unless said) that is the port, covers it up to endPort, or names no port. */
function portsAdmit(rule: Json, port: number, protocol: string): boolean {
    const ports = (rule.ports ?? []) as Json[];
    if (ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port !== "number") throw new Error(`an egress rule names port "${p.port}": named ports are not judged here`);
        return p.endPort === undefined ? p.port === port : p.port <= port && port <= p.endPort;
    });
}

/** The groups whose overlay networks a Swarm service joins: the only services that can reach it are on one of them. */
export function swarmGroups(resources: readonly RecordedResource[], service: RecordedResource): string[] {
    const networks = resources.filter((r) => r.type === "docker:index/network:Network");
    const joined = ((service.inputs.taskSpec as Json).networksAdvanceds ?? []) as { name: string }[];
    return joined
        .map(({ name }) => {
            // The mock engine's id of a resource is "<its name>-id"; the service names a network by its id.
            const network = networks.find((n) => `${n.name}-id` === name);
            if (!network) throw new Error(`${service.name} joins network ${name}, which the plan does not create`);
            return (network.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "sophia.ai/group")!.value;
        })
        .sort();
}
