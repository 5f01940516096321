// Lambda Cloud instance types the clusters may use: their shape (what the platform can schedule on
// them) and their published on-demand price. One dated table: a price review edits it here.

/** When the prices below were read from the source, and where. */
export const PRICES_AS_OF = "2025-06-01";
export const PRICES_SOURCE = "https://lambda.ai/service/gpu-cloud#pricing (on-demand, per instance-hour, USD)";

export type Arch = "amd64" | "arm64";

export interface InstanceType {
    readonly vcpus: number;
    readonly memoryGib: number;
    readonly gpus: number;
    readonly gpuModel?: string;
    /** CPU architecture: GH200 nodes are Grace (arm64), every other type is x86-64. */
    readonly arch: Arch;
    readonly usdPerHour: number;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceType>> = {
    gpu_1x_a10: { vcpus: 30, memoryGib: 200, gpus: 1, gpuModel: "A10 (24 GB)", arch: "amd64", usdPerHour: 0.75 },
    gpu_1x_a6000: { vcpus: 14, memoryGib: 46, gpus: 1, gpuModel: "RTX A6000 (48 GB)", arch: "amd64", usdPerHour: 0.8 },
    gpu_1x_a100_sxm4: { vcpus: 30, memoryGib: 200, gpus: 1, gpuModel: "A100 SXM (40 GB)", arch: "amd64", usdPerHour: 1.29 },
    gpu_8x_a100_80gb_sxm4: { vcpus: 240, memoryGib: 1800, gpus: 8, gpuModel: "A100 SXM (80 GB)", arch: "amd64", usdPerHour: 14.32 },
    gpu_1x_h100_pcie: { vcpus: 26, memoryGib: 200, gpus: 1, gpuModel: "H100 PCIe (80 GB)", arch: "amd64", usdPerHour: 2.49 },
    gpu_8x_h100_sxm5: { vcpus: 208, memoryGib: 1800, gpus: 8, gpuModel: "H100 SXM (80 GB)", arch: "amd64", usdPerHour: 23.92 },
    gpu_1x_gh200: { vcpus: 64, memoryGib: 432, gpus: 1, gpuModel: "GH200 (96 GB)", arch: "arm64", usdPerHour: 1.49 },
};

/** Hours in an average month (365.25 × 24 / 12): what a machine left running costs. */
export const HOURS_PER_MONTH = 730.5;

export interface PoolCost {
    readonly pool: string;
    readonly instanceType: string;
    readonly count: number;
    readonly usdPerHour: number;
    readonly usdPerMonth: number;
}

export interface ClusterCost {
    readonly pools: readonly PoolCost[];
    readonly usdPerHour: number;
    readonly usdPerMonth: number;
    readonly asOf: string;
    readonly source: string;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

/** Monthly cost of the pools at the table's prices, each pool and in all. */
export function clusterCost(pools: readonly { name: string; instanceType: string; count: number }[]): ClusterCost {
    const rows = pools.map((p): PoolCost => {
        const hourly = INSTANCE_TYPES[p.instanceType].usdPerHour * p.count;
        return { pool: p.name, instanceType: p.instanceType, count: p.count, usdPerHour: cents(hourly), usdPerMonth: cents(hourly * HOURS_PER_MONTH) };
    });
    const hourly = pools.reduce((sum, p) => sum + INSTANCE_TYPES[p.instanceType].usdPerHour * p.count, 0);
    return { pools: rows, usdPerHour: cents(hourly), usdPerMonth: cents(hourly * HOURS_PER_MONTH), asOf: PRICES_AS_OF, source: PRICES_SOURCE };
}
