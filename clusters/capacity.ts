import { INSTANCE_TYPES } from "./pricing";
import type { Pool } from "./settings";

/** What one pool offers the platform: its machines and what each has. */
export interface PoolCapacity {
    readonly pool: string;
    readonly role: string;
    readonly instanceType: string;
    readonly nodes: number;
    readonly vcpus: number;
    readonly memoryGib: number;
    readonly gpus: number;
}

export function poolCapacities(pools: readonly Pool[]): PoolCapacity[] {
    return pools
        .filter((p) => p.count > 0)
        .map((p) => {
            const t = INSTANCE_TYPES[p.instanceType];
            return {
                pool: p.name,
                role: p.role,
                instanceType: p.instanceType,
                nodes: p.count,
                vcpus: t.vcpus,
                memoryGib: t.memoryGib,
                gpus: p.gpu ? t.gpus : 0,
            };
        });
}

/**
 * The platform's sophia:nodeCapacity (one node's CPU and memory, and the node count) from the
 * machines: every node counts (Swarm managers and K3s servers run workloads too), each as the
 * smallest of them, so the platform's fit check never counts on capacity a node lacks.
 */
export function platformNodeCapacity(pools: readonly Pool[]): { nodes: number; cpu: string; memory: string } {
    const capacities = poolCapacities(pools);
    return {
        nodes: capacities.reduce((n, c) => n + c.nodes, 0),
        cpu: String(Math.min(...capacities.map((c) => c.vcpus))),
        memory: `${Math.min(...capacities.map((c) => c.memoryGib))}Gi`,
    };
}
