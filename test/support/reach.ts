// Who may open a connection to a workload, judged from a plan's rendered resources with each
// target's own rules: Kubernetes NetworkPolicy semantics (networking.k8s.io/v1) for a pod, and for a
// Swarm service the overlay networks it joins (services reach each other only on a shared network).
import type { RecordedResource } from "../../commands/plan/recorder";
import { podTemplateOf } from "./containers";

type Json = Record<string, any>;

/** Every port: a rule that lists none admits them all. */
export const ALL_PORTS = "all";
export type Admitted = ReadonlySet<number | typeof ALL_PORTS>;

const matches = (selector: Json | undefined, labels: Readonly<Record<string, string>>): boolean => {
    if (selector?.matchExpressions?.length) throw new Error("matchExpressions are not judged here");
    return Object.entries((selector?.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
};

/** A namespace's labels as the API server keeps them: its own, and kubernetes.io/metadata.name, which it always sets. */
function namespaceLabels(resources: readonly RecordedResource[], namespace: string): Record<string, string> {
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
