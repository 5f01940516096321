import { expect } from "chai";
import { poolCapacities } from "../../clusters/capacity";
import { clusterStacks } from "../../clusters/offline";
import { formatNodePools, nodePoolsSummary, requestedGpus } from "../../commands/plan/nodePools";
import type { RecordedResource } from "../../commands/plan/recorder";
import { summarize } from "../../commands/plan/summary";

const resource = (type: string, inputs: Record<string, unknown>): RecordedResource => ({
    urn: `urn:${type}`,
    type,
    name: "x",
    parent: null,
    custom: true,
    inputs,
    dependsOn: [],
});

describe("node pools in the platform plan: requested against available", () => {
    const swarmGpu = resource("docker:index/service:Service", {
        mode: { replicated: { replicas: 2 } },
        taskSpec: { resources: { reservation: { nanoCpus: 1e9, memoryBytes: 2 ** 30, genericResources: { discreteResourcesSpecs: ["NVIDIA-GPU=1"] } } } },
    });
    const k8sGpu = resource("kubernetes:apps/v1:Deployment", {
        spec: {
            replicas: 3,
            template: { spec: { containers: [{ name: "c", resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { "nvidia.com/gpu": 2 } } }] } },
        },
    });

    it("counts GPUs from Swarm generic resources and Kubernetes limits, times replicas", () => {
        expect(requestedGpus([swarmGpu])).to.equal(2);
        expect(requestedGpus([k8sGpu])).to.equal(6);
        expect(requestedGpus([swarmGpu, k8sGpu, resource("kubernetes:core/v1:Service", {})])).to.equal(8);
    });

    it("sums the imported cluster stack's pools and sets the stack's requests beside them", () => {
        const staging = clusterStacks().find((s) => s.environment === "staging")!;
        const resources = [k8sGpu];
        const summary = summarize(resources, { nodes: 1, cpu: "1", memory: "1Gi" });
        const pools = nodePoolsSummary(["sophia/common", "sophia/staging-cluster"], resources, summary)!;
        const capacities = poolCapacities(staging.pools);
        expect(pools.pools).to.deep.equal(capacities);
        expect(pools.available.cpu).to.equal(capacities.reduce((n, p) => n + p.vcpus * p.nodes, 0));
        expect(pools.available.gpus).to.equal(capacities.reduce((n, p) => n + p.gpus * p.nodes, 0));
        expect(pools.requested).to.deep.equal({ cpu: 3, memoryBytes: 3 * 2 ** 30, gpus: 6 });
        const text = formatNodePools(pools).join("\n");
        expect(text).to.include(`GPUs 6 / ${pools.available.gpus}`);
        for (const p of capacities) expect(text).to.include(`${p.pool} (${p.instanceType})`);
        expect(nodePoolsSummary(["sophia/common"], resources, summary)).to.equal(undefined);
    });
});
