import { expect } from "chai";
import { apiCost, fallbackCost, HOURS_PER_MONTH, INSTANCE_TYPES, PRICES_AS_OF, PRICES_SOURCE, PricedPool } from "../../clusters/pricing";
import { instanceTypesAnswer } from "../support/lambdaApi";

const API_URL = "https://cloud.lambda.ai/api/v1";
const API_LIST = `GET ${API_URL}/instance-types`;
const AS_OF = "2026-12-06T00:00:00.000Z";
const TABLE_LIST = `the dated table of ${PRICES_AS_OF}`;

const pool = (name: string, instanceType: string, count: number, gpu: boolean, region = "us-east-1"): PricedPool => ({
    name,
    instanceType,
    region,
    count,
    gpu,
});

const cents = (usd: number): number => Math.round(usd * 100) / 100;
const perMonth = (usdPerHour: number): string => `$${cents(usdPerHour * HOURS_PER_MONTH).toFixed(2)}/month`;

const noCpuOnlyWhy = (p: PricedPool, idle: number, list: string): string =>
    `${p.name}: ${p.count} × ${p.instanceType} with ${idle} GPU(s) each unused (gpu: false): Lambda Cloud offers no CPU-only instance type (${list} has none without GPUs), so machines that need none still carry them`;

describe("The cost of a cluster's pools", () => {
    it("prices each pool at its type's hourly price times its machines, a month at HOURS_PER_MONTH hours, and leaves capacity out with the dated table", () => {
        const [first, second] = Object.keys(INSTANCE_TYPES);
        const pools = [pool("servers", first, 3, false), pool("workers", second, 2, true, "us-west-1")];
        const cost = fallbackCost(pools, "no key");
        const hourly = (p: PricedPool): number => INSTANCE_TYPES[p.instanceType].usdPerHour * p.count;
        expect(cost.pools).to.deep.equal(
            pools.map((p) => ({
                pool: p.name,
                instanceType: p.instanceType,
                region: p.region,
                count: p.count,
                usdPerHour: cents(hourly(p)),
                usdPerMonth: cents(hourly(p) * HOURS_PER_MONTH),
            })),
        );
        // Capacity is unknown offline: the field is absent, not false or undefined.
        for (const row of cost.pools) expect(row).to.not.have.property("capacityNow");
        const total = hourly(pools[0]) + hourly(pools[1]);
        expect(cost.usdPerHour).to.equal(cents(total));
        expect(cost.usdPerMonth).to.equal(cents(total * HOURS_PER_MONTH));
        expect(cost).to.deep.include({
            pricesFrom: "fallback",
            asOf: PRICES_AS_OF,
            source: `dated fallback table (${PRICES_SOURCE}); the API's prices could not be read: no key`,
        });
    });

    it("prices pools at the API's cents per hour and says whether each pool's region has capacity for its type now", () => {
        const types = instanceTypesAnswer([["gpu_1x_a10", { gpus: 1, cents: 86, capacityIn: ["us-east-1"] }]]);
        const cost = apiCost([pool("east", "gpu_1x_a10", 3, true, "us-east-1"), pool("west", "gpu_1x_a10", 2, true, "us-west-1")], types, AS_OF, API_URL);
        expect(cost.pools).to.deep.equal([
            {
                pool: "east",
                instanceType: "gpu_1x_a10",
                region: "us-east-1",
                count: 3,
                usdPerHour: 2.58,
                usdPerMonth: cents(2.58 * HOURS_PER_MONTH),
                capacityNow: true,
            },
            {
                pool: "west",
                instanceType: "gpu_1x_a10",
                region: "us-west-1",
                count: 2,
                usdPerHour: 1.72,
                usdPerMonth: cents(1.72 * HOURS_PER_MONTH),
                capacityNow: false,
            },
        ]);
        expect(cost.usdPerHour).to.equal(4.3);
        expect(cost.usdPerMonth).to.equal(cents(0.86 * 5 * HOURS_PER_MONTH));
        expect(cost).to.deep.include({ pricesFrom: "api", asOf: AS_OF, source: `${API_LIST} (price_cents_per_hour, regions_with_capacity_available)` });
    });

    it("totals the rows as printed, so the month's total is their sum to the cent", () => {
        // A cent an hour is half a cent over a month of HOURS_PER_MONTH hours: each row rounds it up.
        const types = instanceTypesAnswer([["gpu_1x_penny", { gpus: 1, cents: 1 }]]);
        const pools = [pool("a", "gpu_1x_penny", 1, true), pool("b", "gpu_1x_penny", 1, true), pool("c", "gpu_1x_penny", 1, true)];
        const cost = apiCost(pools, types, AS_OF, API_URL);
        const sum = (figure: "usdPerHour" | "usdPerMonth") => cents(cost.pools.reduce((total, r) => total + r[figure], 0));
        expect(cost.usdPerMonth).to.equal(sum("usdPerMonth"));
        expect(cost.usdPerHour).to.equal(sum("usdPerHour"));
        expect(cost.pools.map((r) => r.usdPerMonth)).to.deep.equal(pools.map(() => cents(0.01 * HOURS_PER_MONTH)));
    });

    it("refuses pools whose type the API does not list, naming each such type once", () => {
        const types = instanceTypesAnswer([["gpu_1x_a10", { gpus: 1, cents: 86 }]]);
        const pools = [
            pool("a", "gpu_1x_h100_pcie", 1, true),
            pool("b", "gpu_1x_a10", 1, true),
            pool("c", "gpu_1x_h100_pcie", 2, true),
            pool("d", "gpu_1x_gh200", 1, true),
        ];
        expect(() => apiCost(pools, types, AS_OF, API_URL))
            .to.throw(Error)
            .with.property("message", `${API_LIST} does not list gpu_1x_h100_pcie, gpu_1x_gh200: the account cannot launch them`);
    });
});

describe("The idle-GPU note of a pool on GPU machines that does no GPU work", () => {
    const tableByPrice = Object.entries(INSTANCE_TYPES).sort(([an, a], [bn, b]) => a.usdPerHour - b.usdPerHour || an.localeCompare(bn));
    const [cheapestInTable, cheapestPrice] = [tableByPrice[0][0], tableByPrice[0][1].usdPerHour];

    it("says in full, from the dated table, that no CPU-only type exists and what the cheapest type would save", () => {
        expect(
            tableByPrice.filter(([, t]) => t.gpus === 0),
            "CPU-only types in the dated table",
        ).to.be.empty;
        // A type whose GPU count differs from the table's first entry's, so the note's count is this pool's own.
        const [type, shape] = Object.entries(INSTANCE_TYPES).find(([name, t]) => name !== cheapestInTable && t.gpus !== Object.values(INSTANCE_TYPES)[0].gpus)!;
        const servers = pool("servers", type, 3, false);
        const [idle, ...more] = fallbackCost([servers], "offline").idleGpuPools;
        expect(more).to.be.empty;
        const saving = (shape.usdPerHour - cheapestPrice) * 3;
        expect(idle).to.deep.equal({
            pool: "servers",
            instanceType: type,
            idleGpusPerNode: shape.gpus,
            cpuOnlyTypes: [],
            cheapest: { instanceType: cheapestInTable, usdPerHour: cheapestPrice },
            note:
                `${noCpuOnlyWhy(servers, shape.gpus, TABLE_LIST)}; the cheapest type is ${cheapestInTable} at $${cheapestPrice.toFixed(2)}/h a machine: ` +
                `pools.servers.instanceType: ${cheapestInTable} saves ${perMonth(saving)}`,
        });
    });

    it("says a pool already on the cheapest type cannot get cheaper", () => {
        const servers = pool("servers", cheapestInTable, 2, false);
        const [idle] = fallbackCost([servers], "offline").idleGpuPools;
        expect(idle.note).to.equal(
            `${noCpuOnlyWhy(servers, INSTANCE_TYPES[cheapestInTable].gpus, TABLE_LIST)}; ${cheapestInTable} is already the cheapest type there is, at $${cheapestPrice.toFixed(2)}/h a machine`,
        );
    });

    it("takes the lowest price as the cheapest, whatever order the API lists the types in", () => {
        // Neither the first listed nor the first by name is the cheapest.
        const types = instanceTypesAnswer([
            ["gpu_a_dear", { gpus: 1, cents: 300 }],
            ["gpu_c_mid", { gpus: 2, cents: 200 }],
            ["gpu_b_cheap", { gpus: 1, cents: 100 }],
        ]);
        const servers = pool("servers", "gpu_c_mid", 2, false);
        const [idle] = apiCost([servers], types, AS_OF, API_URL).idleGpuPools;
        expect(idle.cheapest).to.deep.equal({ instanceType: "gpu_b_cheap", usdPerHour: 1 });
        expect(idle.note).to.equal(
            `${noCpuOnlyWhy(servers, 2, API_LIST)}; the cheapest type is gpu_b_cheap at $1.00/h a machine: pools.servers.instanceType: gpu_b_cheap saves ${perMonth(2)}`,
        );
    });

    it("takes the first by name among types of the same lowest price", () => {
        const types = instanceTypesAnswer([
            ["gpu_z_same", { gpus: 1, cents: 100 }],
            ["gpu_m_same", { gpus: 1, cents: 100 }],
            ["gpu_8x_dear", { gpus: 8, cents: 900 }],
        ]);
        const [idle] = apiCost([pool("servers", "gpu_8x_dear", 1, false)], types, AS_OF, API_URL).idleGpuPools;
        expect(idle.cheapest).to.deep.equal({ instanceType: "gpu_m_same", usdPerHour: 1 });
    });

    it("proposes the cheapest CPU-only type, even over a cheaper GPU type, when the API lists CPU-only types", () => {
        const types = instanceTypesAnswer([
            ["cpu_16x_dear", { gpus: 0, cents: 40 }],
            ["gpu_1x_a10", { gpus: 1, cents: 86 }],
            ["gpu_1x_tiny", { gpus: 1, cents: 10 }],
            ["cpu_8x_cheap", { gpus: 0, cents: 20 }],
        ]);
        const [idle] = apiCost([pool("servers", "gpu_1x_a10", 3, false)], types, AS_OF, API_URL).idleGpuPools;
        expect(idle).to.deep.equal({
            pool: "servers",
            instanceType: "gpu_1x_a10",
            idleGpusPerNode: 1,
            cpuOnlyTypes: ["cpu_8x_cheap", "cpu_16x_dear"],
            cheapest: { instanceType: "cpu_8x_cheap", usdPerHour: 0.2 },
            note:
                `servers: 3 × gpu_1x_a10 with 1 GPU(s) each unused (gpu: false), though ${API_LIST} has CPU-only types; ` +
                `the cheapest CPU-only type is cpu_8x_cheap at $0.20/h a machine: pools.servers.instanceType: cpu_8x_cheap saves ${perMonth(0.66 * 3)}`,
        });
    });

    it("proposes no move when the pool's GPU type costs no more than the cheapest CPU-only type", () => {
        const types = instanceTypesAnswer([
            ["cpu_8x_cheap", { gpus: 0, cents: 20 }],
            ["gpu_1x_tiny", { gpus: 1, cents: 10 }],
            ["gpu_1x_same", { gpus: 1, cents: 20 }],
        ]);
        for (const [instanceType, price] of [
            ["gpu_1x_tiny", "0.10"],
            ["gpu_1x_same", "0.20"],
        ]) {
            const [idle] = apiCost([pool("servers", instanceType, 3, false)], types, AS_OF, API_URL).idleGpuPools;
            expect(idle.note, instanceType).to.equal(
                `servers: 3 × ${instanceType} with 1 GPU(s) each unused (gpu: false), though ${API_LIST} has CPU-only types; ` +
                    `${instanceType} at $${price}/h a machine costs no more than the cheapest CPU-only type, cpu_8x_cheap at $0.20/h: no move saves anything`,
            );
            expect(idle.note).to.not.include("saves $");
        }
    });

    it("notes nothing for a pool with no machines, a pool that uses its GPUs, or a pool on a CPU-only type", () => {
        // The CPU-only type is listed first, so each pool's own type decides, not the list's first entry.
        const types = instanceTypesAnswer([
            ["cpu_8x_general", { gpus: 0, cents: 20 }],
            ["gpu_1x_a10", { gpus: 1, cents: 86 }],
            ["gpu_8x_h100_sxm5", { gpus: 8, cents: 2392 }],
        ]);
        const pools = [
            pool("empty", "gpu_8x_h100_sxm5", 0, false),
            pool("workers", "gpu_8x_h100_sxm5", 2, true),
            pool("cpu", "cpu_8x_general", 2, false),
            pool("servers", "gpu_1x_a10", 1, false),
        ];
        const idle = apiCost(pools, types, AS_OF, API_URL).idleGpuPools;
        expect(idle.map((i) => [i.pool, i.idleGpusPerNode])).to.deep.equal([["servers", 1]]);
    });
});
