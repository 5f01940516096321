// Requested against available per node pool, when the stack takes its nodes from a cluster stack's
// hand-off: the numbers a cost review starts from (docs/04-deployment/clusters.md).
import { importedClusterPools } from "../../clusters/offline";
import type { PoolCapacity } from "../../clusters/capacity";
import { kubernetesProps, list, swarmProps, type Container } from "../../policies/shapes";
import type { RecordedResource } from "./recorder";
import type { PlanSummary } from "./summary";

export interface NodePoolsSummary {
    readonly pools: readonly PoolCapacity[];
    readonly available: { readonly cpu: number; readonly memoryBytes: number; readonly gpus: number };
    readonly requested: { readonly cpu: number; readonly memoryBytes: number; readonly gpus: number };
}

const GIB = 2 ** 30;

type SwarmGpuReservation = { taskSpec?: { resources?: { reservation?: { genericResources?: { discreteResourcesSpecs?: unknown } } } } };

/** A Swarm service's NVIDIA-GPU generic resources, times its replicas. */
function swarmGpus(r: RecordedResource): number {
    const props = swarmProps({ props: r.inputs });
    const specs = list((props as SwarmGpuReservation).taskSpec?.resources?.reservation?.genericResources?.discreteResourcesSpecs).map(String);
    const each = specs.filter((s) => s.startsWith("NVIDIA-GPU=")).reduce((n, s) => n + Number(s.split("=")[1]), 0);
    return each * (props.mode?.replicated?.replicas ?? 1);
}

/** A Deployment's or StatefulSet's nvidia.com/gpu limits, times its replicas. */
function kubernetesGpus(r: RecordedResource): number {
    const k = kubernetesProps({ props: r.inputs });
    const containers = list(k.spec?.template?.spec?.containers) as Container[];
    const each = containers.reduce((n, c) => n + Number((c.resources?.limits as Record<string, unknown> | undefined)?.["nvidia.com/gpu"] ?? 0), 0);
    return each * (k.spec?.replicas ?? 1);
}

/** GPUs the stack's workloads ask for. */
export function requestedGpus(resources: readonly RecordedResource[]): number {
    return resources.reduce((n, r) => {
        if (r.type === "docker:index/service:Service") return n + swarmGpus(r);
        return /^kubernetes:apps\/v1:(Deployment|StatefulSet)$/.test(r.type) ? n + kubernetesGpus(r) : n;
    }, 0);
}

/** The pools of the imported cluster hand-offs with what the stack requests; undefined without one. */
export function nodePoolsSummary(environments: readonly string[], resources: readonly RecordedResource[], summary: PlanSummary): NodePoolsSummary | undefined {
    const pools = importedClusterPools(environments);
    if (pools.length === 0) return undefined;
    const available = pools.reduce(
        (sum, p) => ({ cpu: sum.cpu + p.vcpus * p.nodes, memoryBytes: sum.memoryBytes + p.memoryGib * GIB * p.nodes, gpus: sum.gpus + p.gpus * p.nodes }),
        { cpu: 0, memoryBytes: 0, gpus: 0 },
    );
    const requested = { cpu: summary.usage.total.requests.cpu, memoryBytes: summary.usage.total.requests.memoryBytes, gpus: requestedGpus(resources) };
    return { pools, available, requested };
}

export function formatNodePools(n: NodePoolsSummary): string[] {
    const lines = ["Node pools (from the cluster stack)   nodes   vCPU  memory GiB  GPUs"];
    for (const p of n.pools)
        lines.push(
            `  ${`${p.pool} (${p.instanceType})`.padEnd(34)} ${String(p.nodes).padStart(5)} ${String(p.vcpus * p.nodes).padStart(6)} ${String(p.memoryGib * p.nodes).padStart(11)} ${String(p.gpus * p.nodes).padStart(5)}`,
        );
    const pct = (used: number, of: number): string => (of === 0 ? "-" : `${Math.round((used / of) * 100)}%`);
    lines.push(
        `  requested / available: CPU ${n.requested.cpu.toFixed(2)} / ${n.available.cpu} (${pct(n.requested.cpu, n.available.cpu)}), ` +
            `memory ${(n.requested.memoryBytes / GIB).toFixed(1)} / ${(n.available.memoryBytes / GIB).toFixed(0)} GiB (${pct(n.requested.memoryBytes, n.available.memoryBytes)}), ` +
            `GPUs ${n.requested.gpus} / ${n.available.gpus} (${pct(n.requested.gpus, n.available.gpus)})`,
    );
    return lines;
}
