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

/**
 * A pool on GPU machines whose GPUs nobody uses (the control plane, `gpu: false`): why it is on
 * such machines, and the cheapest instance type that would do instead.
 */
export interface IdleGpuPool {
    readonly pool: string;
    readonly instanceType: string;
    readonly idleGpusPerNode: number;
    /** Instance types without GPUs in the price list (the API's, or the dated table): none on Lambda today. */
    readonly cpuOnlyTypes: readonly string[];
    /** The cheapest type of the price list: a CPU-only one when there is one, else the cheapest of all. */
    readonly cheapest: { readonly instanceType: string; readonly usdPerHour: number };
    /** One line for the plan: why, and the cheapest alternative. */
    readonly note: string;
}

export interface ClusterCost {
    readonly pools: readonly PoolCost[];
    /** Pools whose machines' GPUs go unused (empty when none). */
    readonly idleGpuPools: readonly IdleGpuPool[];
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
    /** Whether the pool's GPUs are offered to workloads; false on a GPU type leaves them idle. */
    readonly gpu: boolean;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

interface PriceSheet {
    readonly usdPerHour: (instanceType: string) => number;
    readonly capacityNow: (instanceType: string, region: string) => boolean | undefined;
    /** Every type the list prices, with its GPUs per machine. */
    readonly types: readonly { readonly name: string; readonly gpus: number }[];
    /** What the list is, for the note: "GET …/instance-types" or "the dated table". */
    readonly listName: string;
}

const perMonth = (usdPerHour: number): string => `$${cents(usdPerHour * HOURS_PER_MONTH).toFixed(2)}/month`;

/** The pools whose GPU machines' GPUs go unused, each with why and the cheapest alternative from the price list. */
export function idleGpuPools(pools: readonly PricedPool[], sheet: PriceSheet): IdleGpuPool[] {
    const byPrice = [...sheet.types].sort((a, b) => sheet.usdPerHour(a.name) - sheet.usdPerHour(b.name) || a.name.localeCompare(b.name));
    const cpuOnly = byPrice.filter((t) => t.gpus === 0);
    return pools
        .filter((p) => p.count > 0 && !p.gpu && (sheet.types.find((t) => t.name === p.instanceType)?.gpus ?? 0) > 0)
        .map((p) => {
            const idle = sheet.types.find((t) => t.name === p.instanceType)!.gpus;
            const best = cpuOnly[0] ?? byPrice[0];
            const cheapest = { instanceType: best.name, usdPerHour: sheet.usdPerHour(best.name) };
            const saving = (sheet.usdPerHour(p.instanceType) - cheapest.usdPerHour) * p.count;
            const why =
                cpuOnly.length > 0
                    ? `${p.name}: ${p.count} × ${p.instanceType} with ${idle} GPU(s) each unused (gpu: false), though ${sheet.listName} has CPU-only types`
                    : `${p.name}: ${p.count} × ${p.instanceType} with ${idle} GPU(s) each unused (gpu: false): Lambda Cloud offers no CPU-only instance type (${sheet.listName} has none without GPUs), so machines that need none still carry them`;
            const kind = cpuOnly.length > 0 ? " CPU-only" : "";
            // A move is proposed only when it saves something: a GPU type can cost less than every CPU-only one.
            const alternative =
                cheapest.instanceType === p.instanceType
                    ? `${p.instanceType} is already the cheapest type there is, at $${cheapest.usdPerHour.toFixed(2)}/h a machine`
                    : saving <= 0
                      ? `${p.instanceType} at $${sheet.usdPerHour(p.instanceType).toFixed(2)}/h a machine costs no more than the cheapest${kind} type, ${cheapest.instanceType} at $${cheapest.usdPerHour.toFixed(2)}/h: no move saves anything`
                      : `the cheapest${kind} type is ${cheapest.instanceType} at $${cheapest.usdPerHour.toFixed(2)}/h a machine: pools.${p.name}.instanceType: ${cheapest.instanceType} saves ${perMonth(saving)}`;
            return {
                pool: p.name,
                instanceType: p.instanceType,
                idleGpusPerNode: idle,
                cpuOnlyTypes: cpuOnly.map((t) => t.name),
                cheapest,
                note: `${why}; ${alternative}`,
            };
        });
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
    // The totals add up the rows as printed, so that they agree to the cent with what a reader sums.
    const total = (figure: "usdPerHour" | "usdPerMonth"): number => cents(rows.reduce((sum, r) => sum + r[figure], 0));
    return { pools: rows, idleGpuPools: idleGpuPools(pools, sheet), usdPerHour: total("usdPerHour"), usdPerMonth: total("usdPerMonth"), ...from };
}

/** The cost at the dated table's prices, saying why the API's were not used. */
export function fallbackCost(pools: readonly PricedPool[], reason: string): ClusterCost {
    return costOf(
        pools,
        {
            usdPerHour: (t) => INSTANCE_TYPES[t].usdPerHour,
            capacityNow: () => undefined,
            types: Object.entries(INSTANCE_TYPES).map(([name, t]) => ({ name, gpus: t.gpus })),
            listName: `the dated table of ${PRICES_AS_OF}`,
        },
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
            types: Object.entries(types).map(([name, t]) => ({ name, gpus: t.instance_type.specs.gpus })),
            listName: `GET ${apiUrl}/instance-types`,
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
