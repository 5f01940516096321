import { cpuCores, memoryBytes } from "../../components/platform/quantity";
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

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const quantity = (q: Inputs | undefined): Compute => ({
    cpu: q?.cpu ? cpuCores(String(q.cpu)) : 0,
    memoryBytes: q?.memory ? memoryBytes(String(q.memory)) : 0,
});

function kubernetesUsage(inputs: Inputs): WorkloadUsage | undefined {
    const template = inputs.spec?.template ?? inputs.spec?.jobTemplate?.spec?.template;
    const containers: Inputs[] = template?.spec?.containers ?? [];
    if (containers.length === 0) return undefined;
    const sum = (key: "requests" | "limits"): Compute =>
        containers.reduce<Compute>(
            (acc, c) => {
                const q = quantity(c.resources?.[key]);
                return { cpu: acc.cpu + q.cpu, memoryBytes: acc.memoryBytes + q.memoryBytes };
            },
            { cpu: 0, memoryBytes: 0 },
        );
    return {
        tier: template.metadata?.labels?.["sophia.ai/tier"] ?? "platform",
        replicas: inputs.spec?.replicas ?? 1,
        requests: sum("requests"),
        limits: sum("limits"),
    };
}

function swarmUsage(inputs: Inputs): WorkloadUsage {
    const r = inputs.taskSpec?.resources ?? {};
    const compute = (x: Inputs | undefined): Compute => ({ cpu: (x?.nanoCpus ?? 0) / 1e9, memoryBytes: x?.memoryBytes ?? 0 });
    const labels: { label: string; value: string }[] = inputs.labels ?? [];
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
        const i = r.inputs as Inputs;
        hpaMin.set(`${i.metadata?.namespace}/${i.spec?.scaleTargetRef?.name}`, i.spec?.minReplicas ?? 1);
    }
    const usages: WorkloadUsage[] = [];
    for (const r of resources) {
        const i = r.inputs as Inputs;
        if (r.type === "docker:index/service:Service") usages.push(swarmUsage(i));
        else if (/^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/.test(r.type)) {
            const u = kubernetesUsage(i);
            if (u) usages.push({ ...u, replicas: i.spec?.replicas ?? hpaMin.get(`${i.metadata?.namespace}/${i.metadata?.name}`) ?? 1 });
        }
    }
    return usages;
}

function add(row: UsageRow, u: WorkloadUsage): void {
    row.replicas += u.replicas;
    row.requests.cpu += u.requests.cpu * u.replicas;
    row.requests.memoryBytes += u.requests.memoryBytes * u.replicas;
    row.limits.cpu += u.limits.cpu * u.replicas;
    row.limits.memoryBytes += u.limits.memoryBytes * u.replicas;
}

export function summarize(resources: RecordedResource[], capacity: { nodes: number; cpu: string; memory: string }): PlanSummary {
    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
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
        components: [...components.values()],
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

/** A preview-like text: components and their resources, totals, compute against capacity. */
export function formatSummary(summary: PlanSummary, title: string): string {
    const lines = [title, ""];
    const groups = new Map<string, PlanSummary["components"]>();
    for (const c of summary.components) groups.set(c.type, [...(groups.get(c.type) ?? []), c]);
    for (const [type, list] of groups) {
        lines.push(`${type} ×${list.length}`);
        const shown = list.length > 6 ? list.slice(0, 3) : list;
        for (const c of shown)
            lines.push(
                `  ${c.name}: ${
                    Object.entries(c.resources)
                        .map(([t, n]) => `${n} ${t.split(":").pop()}`)
                        .join(", ") || "(no resources)"
                }`,
            );
        if (shown.length < list.length) lines.push(`  … and ${list.length - shown.length} more`);
    }
    lines.push("", `Resources: ${summary.resourceCount}`);
    for (const [type, n] of Object.entries(summary.byType).sort()) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    lines.push("", "Compute (base replicas)      requests                 limits");
    const row = (label: string, r: UsageRow) =>
        `  ${label.padEnd(10)} ${String(r.replicas).padStart(4)} pods  ${cores(r.requests.cpu).padStart(10)} ${gib(r.requests.memoryBytes).padStart(10)}   ${cores(r.limits.cpu).padStart(10)} ${gib(r.limits.memoryBytes).padStart(10)}`;
    for (const [tier, r] of Object.entries(summary.usage.byTier)) lines.push(row(tier, r));
    lines.push(row("total", summary.usage.total));
    const cap = summary.capacity;
    lines.push(`  capacity   ${cap.nodes} node(s)  ${cores(cap.cpu).padStart(10)} ${gib(cap.memoryBytes).padStart(10)}`);
    if (!summary.fits.requests) lines.push("  DOES NOT FIT: the requests exceed the stack's node capacity; pods will stay Pending.");
    else if (!summary.fits.limits) lines.push("  Fits by requests; limits overcommit the nodes (allowed, but bursts can contend).");
    else lines.push("  Fits: requests and limits are within the stack's node capacity.");
    return lines.join("\n");
}
