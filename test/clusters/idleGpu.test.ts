import { expect } from "chai";
import { clusterStacks } from "../../clusters/offline";
import { apiCost, fallbackCost, HOURS_PER_MONTH, INSTANCE_TYPES, PricedPool } from "../../clusters/pricing";
import { instanceTypesAnswer } from "../support/lambdaApi";
import { clusterPlanOf } from "../support/plan";

const priced = (pools: { name: string; instanceType: string; count: number; gpu: boolean }[]): PricedPool[] =>
    pools.map((p) => ({ ...p, region: "us-east-1" }));

/** An /instance-types answer: each type with its GPUs and price, capacity in us-east-1. */
const apiTypes = (types: Record<string, { gpus: number; cents: number }>) => instanceTypesAnswer(Object.entries(types));

describe("GPU machines that carry no GPU work (the control plane) say why, and the cheapest alternative", () => {
    const byPrice = Object.entries(INSTANCE_TYPES).sort(([, a], [, b]) => a.usdPerHour - b.usdPerHour);
    const cpuOnlyInTable = byPrice.filter(([, t]) => t.gpus === 0);

    it("says so under the pools of every shipped stack that has such a pool, from the same price list as the cost", function () {
        this.timeout(120_000);
        const stacks = clusterStacks().filter((s) => s.pools.some((p) => p.count > 0 && !p.gpu && INSTANCE_TYPES[p.instanceType].gpus > 0));
        expect(stacks, "cluster stacks with a GPU-type pool that uses no GPU").to.not.be.empty;
        for (const settings of stacks) {
            const run = clusterPlanOf(settings.stack);
            const plan = run.plan!;
            const idle = plan.summary.cost!.idleGpuPools;
            const expected = settings.pools.filter((p) => p.count > 0 && !p.gpu && INSTANCE_TYPES[p.instanceType].gpus > 0);
            expect(idle.map((i) => i.pool)).to.deep.equal(expected.map((p) => p.name));
            const pools = run.stdout.slice(run.stdout.indexOf("Pools "), run.stdout.indexOf("Instances "));
            for (const pool of expected) {
                const note = idle.find((i) => i.pool === pool.name)!;
                expect(pools, settings.stack).to.include(`  note: ${note.note}`);
                expect(note.idleGpusPerNode).to.equal(INSTANCE_TYPES[pool.instanceType].gpus);
                expect(note.cpuOnlyTypes).to.deep.equal(cpuOnlyInTable.map(([name]) => name));
                expect(note.cheapest.instanceType).to.equal((cpuOnlyInTable[0] ?? byPrice[0])[0]);
                if (cpuOnlyInTable.length === 0) expect(note.note).to.include("Lambda Cloud offers no CPU-only instance type");
            }
        }
    });

    it("names the cheapest type and the monthly saving when the pool is not on it", () => {
        const [cheapest, dearer] = [byPrice[0], byPrice.find(([, t]) => t.gpus > 0 && t.usdPerHour > byPrice[0][1].usdPerHour)!];
        const cost = fallbackCost(priced([{ name: "servers", instanceType: dearer[0], count: 3, gpu: false }]), "offline");
        const [idle] = cost.idleGpuPools;
        const saving = Math.round((dearer[1].usdPerHour - cheapest[1].usdPerHour) * 3 * HOURS_PER_MONTH * 100) / 100;
        expect(idle.note).to.include(`pools.servers.instanceType: ${cheapest[0]} saves $${saving.toFixed(2)}/month`);
    });

    it("proposes a CPU-only type when the API lists one, and notes nothing for pools that use their GPUs", () => {
        const types = apiTypes({ gpu_1x_a10: { gpus: 1, cents: 86 }, gpu_1x_a100_sxm4: { gpus: 1, cents: 140 }, cpu_8x_general: { gpus: 0, cents: 20 } });
        const cost = apiCost(
            priced([
                { name: "servers", instanceType: "gpu_1x_a10", count: 3, gpu: false },
                { name: "workers", instanceType: "gpu_1x_a100_sxm4", count: 2, gpu: true },
            ]),
            types,
            "2026-12-06T00:00:00.000Z",
            "https://cloud.lambda.ai/api/v1",
        );
        expect(cost.idleGpuPools).to.have.length(1);
        const [idle] = cost.idleGpuPools;
        expect(idle).to.deep.include({ pool: "servers", cpuOnlyTypes: ["cpu_8x_general"], cheapest: { instanceType: "cpu_8x_general", usdPerHour: 0.2 } });
        expect(idle.note).to.include("GET https://cloud.lambda.ai/api/v1/instance-types has CPU-only types");
        expect(idle.note).to.include(
            `the cheapest CPU-only type is cpu_8x_general at $0.20/h a machine: pools.servers.instanceType: cpu_8x_general saves $${(Math.round(0.66 * 3 * HOURS_PER_MONTH * 100) / 100).toFixed(2)}/month`,
        );
    });
});
