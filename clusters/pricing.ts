// Lambda Cloud instance types the clusters may use: their shape (what the platform can schedule on
// them, known offline) and the cost of the pools. Prices and capacity come from the API's
// GET /instance-types; the dated table's prices stand in only when the API cannot be reached (an
// offline plan has no key), and the cost says which it is.
import type { LambdaConnection } from "./lambda/client";
import { instanceTypes } from "./lambda/provider";

/** When the fallback prices below were read from the source, and where. */
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
    readonly region: string;
    readonly count: number;
    readonly usdPerHour: number;
    readonly usdPerMonth: number;
    /** Whether the pool's region has capacity for its type now; unknown (absent) with the fallback table. */
    readonly capacityNow?: boolean;
}

export interface ClusterCost {
    readonly pools: readonly PoolCost[];
    readonly usdPerHour: number;
    readonly usdPerMonth: number;
    /** "api": read from GET /instance-types at asOf; "fallback": the dated table, because the API could not be read. */
    readonly pricesFrom: "api" | "fallback";
    readonly asOf: string;
    readonly source: string;
}

export interface PricedPool {
    readonly name: string;
    readonly instanceType: string;
    readonly region: string;
    readonly count: number;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

interface PriceSheet {
    readonly usdPerHour: (instanceType: string) => number;
    readonly capacityNow: (instanceType: string, region: string) => boolean | undefined;
}

function costOf(pools: readonly PricedPool[], sheet: PriceSheet, from: Pick<ClusterCost, "pricesFrom" | "asOf" | "source">): ClusterCost {
    const rows = pools.map((p): PoolCost => {
        const hourly = sheet.usdPerHour(p.instanceType) * p.count;
        const capacityNow = sheet.capacityNow(p.instanceType, p.region);
        return {
            pool: p.name,
            instanceType: p.instanceType,
            region: p.region,
            count: p.count,
            usdPerHour: cents(hourly),
            usdPerMonth: cents(hourly * HOURS_PER_MONTH),
            ...(capacityNow === undefined ? {} : { capacityNow }),
        };
    });
    const hourly = pools.reduce((sum, p) => sum + sheet.usdPerHour(p.instanceType) * p.count, 0);
    return { pools: rows, usdPerHour: cents(hourly), usdPerMonth: cents(hourly * HOURS_PER_MONTH), ...from };
}

/** The cost at the dated table's prices, saying why the API's were not used. */
export function fallbackCost(pools: readonly PricedPool[], reason: string): ClusterCost {
    return costOf(
        pools,
        { usdPerHour: (t) => INSTANCE_TYPES[t].usdPerHour, capacityNow: () => undefined },
        { pricesFrom: "fallback", asOf: PRICES_AS_OF, source: `dated fallback table (${PRICES_SOURCE}); the API's prices could not be read: ${reason}` },
    );
}

/** The cost at the API's prices (price_cents_per_hour) with each pool's capacity now. */
export function apiCost(pools: readonly PricedPool[], types: Awaited<ReturnType<typeof instanceTypes>>, asOf: string, apiUrl: string): ClusterCost {
    const missing = [...new Set(pools.map((p) => p.instanceType))].filter((t) => !(t in types));
    if (missing.length > 0) throw new Error(`GET ${apiUrl}/instance-types does not list ${missing.join(", ")}: the account cannot launch them`);
    return costOf(
        pools,
        {
            usdPerHour: (t) => types[t].instance_type.price_cents_per_hour / 100,
            capacityNow: (t, region) => types[t].regions_with_capacity_available.some((r) => r.name === region),
        },
        { pricesFrom: "api", asOf, source: `GET ${apiUrl}/instance-types (price_cents_per_hour, regions_with_capacity_available)` },
    );
}

/** How long a plan waits for the prices before it takes the fallback table. */
export const PRICE_LOOKUP_TIMEOUT_MS = 10_000;

/** The pools' cost from the API now; the dated table when the API cannot be reached (no network, a placeholder key). */
export async function clusterCost(conn: LambdaConnection, pools: readonly PricedPool[], now: () => Date = () => new Date()): Promise<ClusterCost> {
    let types: Awaited<ReturnType<typeof instanceTypes>>;
    try {
        types = await instanceTypes(conn, { timeoutMs: PRICE_LOOKUP_TIMEOUT_MS, maxAttempts: 1 });
    } catch (error) {
        return fallbackCost(pools, (error as Error).message);
    }
    return apiCost(pools, types, now().toISOString(), conn.apiUrl);
}
