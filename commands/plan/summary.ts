import { cpuCores, memoryBytes } from "../../components/platform/quantity";
import {
    kubernetesProps,
    list,
    swarmProps,
    type ComputeQuantities,
    type Container,
    type KubernetesProps,
    type ObjectMeta,
    type PodTemplate,
    type SwarmResources,
    type SwarmServiceProps,
} from "../../policies/shapes";
import type { RecordedResource } from "./recorder";

export interface Compute {
    cpu: number;
    memoryBytes: number;
}

export interface UsageRow {
    requests: Compute;
    limits: Compute;
    replicas: number;
}

export interface PlanSummary {
    resourceCount: number;
    byType: Record<string, number>;
    components: { urn: string; type: string; name: string; resources: Record<string, number> }[];
    /** Requested and limited compute of every workload at its base replica count, per tier ("platform" for the rest). */
    usage: { byTier: Record<string, UsageRow>; total: UsageRow };
    capacity: { nodes: number; cpu: number; memoryBytes: number };
    fits: { requests: boolean; limits: boolean };
}

const zero = (): UsageRow => ({ requests: { cpu: 0, memoryBytes: 0 }, limits: { cpu: 0, memoryBytes: 0 }, replicas: 0 });

interface WorkloadUsage {
    tier: string;
    replicas: number;
    requests: Compute;
    limits: Compute;
}

const quantity = (q: ComputeQuantities | undefined): Compute => ({
    cpu: q?.cpu ? cpuCores(String(q.cpu)) : 0,
    memoryBytes: q?.memory ? memoryBytes(String(q.memory)) : 0,
});

const tierOf = (metadata: ObjectMeta | undefined): string => metadata?.labels?.["sophia.ai/tier"] ?? "platform";

/** The pod template of a workload, or of a CronJob's job. */
const podTemplateOf = (inputs: KubernetesProps): PodTemplate | undefined => inputs.spec?.template ?? inputs.spec?.jobTemplate?.spec?.template;

function kubernetesUsage(inputs: KubernetesProps): WorkloadUsage | undefined {
    const template = podTemplateOf(inputs);
    const containers = list(template?.spec?.containers) as Container[];
    if (!template || containers.length === 0) return undefined;
    return {
        tier: tierOf(template.metadata),
        replicas: inputs.spec?.replicas ?? 1,
        requests: sumOf(containers, "requests"),
        limits: sumOf(containers, "limits"),
    };
}

/**
 * Cores added in whole millicores (Kubernetes' finest CPU unit), so that a total is the same number
 * whatever order the workloads were registered in (0.1 + 0.2 is not 0.2 + 0.1 in floating point).
 */
export const addCores = (a: number, b: number): number => Math.round((a + b) * 1000) / 1000;

/** The containers' requests or limits, added up. */
const sumOf = (containers: readonly Container[], key: "requests" | "limits"): Compute =>
    containers.reduce<Compute>(
        (acc, c) => {
            const q = quantity(c.resources?.[key]);
            return { cpu: addCores(acc.cpu, q.cpu), memoryBytes: acc.memoryBytes + q.memoryBytes };
        },
        { cpu: 0, memoryBytes: 0 },
    );

function swarmUsage(inputs: SwarmServiceProps): WorkloadUsage {
    const r = inputs.taskSpec?.resources ?? {};
    const compute = (x: SwarmResources | undefined): Compute => ({ cpu: (x?.nanoCpus ?? 0) / 1e9, memoryBytes: x?.memoryBytes ?? 0 });
    const labels = list(inputs.labels) as { label: string; value: string }[];
    return {
        tier: labels.find((l) => l.label === "sophia.ai/tier")?.value ?? "platform",
        replicas: inputs.mode?.replicated?.replicas ?? 1,
        requests: compute(r.reservation),
        limits: compute(r.limits),
    };
}

/** Compute of each workload-shaped resource; Deployments under an HPA count their minimum. */
function workloadUsage(resources: RecordedResource[]): WorkloadUsage[] {
    const hpaMin = new Map<string, number>();
    for (const r of resources.filter((x) => x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
        const i = kubernetesProps({ props: r.inputs });
        hpaMin.set(`${i.metadata?.namespace}/${i.spec?.scaleTargetRef?.name}`, i.spec?.minReplicas ?? 1);
    }
    return resources.flatMap((r) => {
        if (r.type === "docker:index/service:Service") return [swarmUsage(swarmProps({ props: r.inputs }))];
        if (!/^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/.test(r.type)) return [];
        const i = kubernetesProps({ props: r.inputs });
        const u = kubernetesUsage(i);
        return u ? [{ ...u, replicas: i.spec?.replicas ?? hpaMin.get(`${i.metadata?.namespace}/${i.metadata?.name}`) ?? 1 }] : [];
    });
}

function add(row: UsageRow, u: WorkloadUsage): void {
    row.replicas += u.replicas;
    row.requests.cpu = addCores(row.requests.cpu, u.requests.cpu * u.replicas);
    row.requests.memoryBytes += u.requests.memoryBytes * u.replicas;
    row.limits.cpu = addCores(row.limits.cpu, u.limits.cpu * u.replicas);
    row.limits.memoryBytes += u.limits.memoryBytes * u.replicas;
}

/** Each component (non-custom resource but the stack) with the count, per type, of the custom resources it owns. */
function componentsOf(resources: RecordedResource[]): PlanSummary["components"] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const componentOf = (r: RecordedResource): RecordedResource | undefined => {
        let parent = r.parent ? byUrn.get(r.parent) : undefined;
        while (parent && parent.custom) parent = parent.parent ? byUrn.get(parent.parent) : undefined;
        return parent;
    };
    const components = new Map<string, PlanSummary["components"][number]>();
    for (const r of resources.filter((x) => !x.custom && x.type !== "pulumi:pulumi:Stack")) {
        components.set(r.urn, { urn: r.urn, type: r.type, name: r.name, resources: {} });
    }
    for (const r of resources.filter((x) => x.custom)) {
        const owner = componentOf(r);
        const entry = owner && components.get(owner.urn);
        if (entry) entry.resources[r.type] = (entry.resources[r.type] ?? 0) + 1;
    }
    return [...components.values()];
}

export function summarize(resources: RecordedResource[], capacity: { nodes: number; cpu: string; memory: string }): PlanSummary {
    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const byTier: Record<string, UsageRow> = {};
    const total = zero();
    for (const u of workloadUsage(resources)) {
        add((byTier[u.tier] ??= zero()), u);
        add(total, u);
    }
    const cap = { nodes: capacity.nodes, cpu: cpuCores(capacity.cpu) * capacity.nodes, memoryBytes: memoryBytes(capacity.memory) * capacity.nodes };
    return {
        resourceCount: resources.length,
        byType,
        components: componentsOf(resources),
        usage: { byTier, total },
        capacity: cap,
        fits: {
            requests: total.requests.cpu <= cap.cpu && total.requests.memoryBytes <= cap.memoryBytes,
            limits: total.limits.cpu <= cap.cpu && total.limits.memoryBytes <= cap.memoryBytes,
        },
    };
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
const cores = (n: number): string => `${n.toFixed(2)} CPU`;

/** Requested and limited compute per tier and in all, set against the stack's node capacity. */
export function formatSummary(summary: PlanSummary): string {
    const lines = ["Compute (base replicas)      requests                 limits"];
    const row = (label: string, r: UsageRow) =>
        `  ${label.padEnd(10)} ${String(r.replicas).padStart(4)} pods  ${cores(r.requests.cpu).padStart(10)} ${gib(r.requests.memoryBytes).padStart(10)}   ${cores(r.limits.cpu).padStart(10)} ${gib(r.limits.memoryBytes).padStart(10)}`;
    for (const [tier, r] of Object.entries(summary.usage.byTier)) lines.push(row(tier, r));
    lines.push(row("total", summary.usage.total));
    const cap = summary.capacity;
    lines.push(`  capacity   ${cap.nodes} node(s)  ${cores(cap.cpu).padStart(10)} ${gib(cap.memoryBytes).padStart(10)}`);
    lines.push(fitLine(summary.fits));
    return lines.join("\n");
}

function fitLine(fits: PlanSummary["fits"]): string {
    if (!fits.requests) return "  DOES NOT FIT: the requests exceed the stack's node capacity; pods will stay Pending.";
    if (!fits.limits) return "  Fits by requests; limits overcommit the nodes (allowed, but bursts can contend).";
    return "  Fits: requests and limits are within the stack's node capacity.";
}
