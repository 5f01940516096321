import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformNodeCapacity, poolCapacities } from "../../clusters/capacity";
import { handoffDocument, handoffEnvironmentRef, renderHandoff } from "../../clusters/handoff";
import { leaderName } from "../../clusters/hosts";
import { CLUSTER_PROJECT_DIR, clusterStacks, importedClusterPools, offlineHandoffConfig, offlineIp } from "../../clusters/offline";
import { INSTANCE_TYPES } from "../../clusters/pricing";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { platformCopy } from "../support/esc";
import { ROOT } from "../support/plan";

describe("cluster hand-off to the platform stacks", () => {
    const stacks = clusterStacks();

    it("derives the platform's node capacity from the machines: every node, each as the smallest", () => {
        for (const s of stacks) {
            const capacity = platformNodeCapacity(s.pools);
            const types = s.pools.filter((p) => p.count > 0).map((p) => INSTANCE_TYPES[p.instanceType]);
            expect(capacity.nodes, s.stack).to.equal(s.pools.reduce((n, p) => n + p.count, 0));
            expect(Number(capacity.cpu)).to.equal(Math.min(...types.map((t) => t.vcpus)));
            expect(capacity.memory).to.equal(`${Math.min(...types.map((t) => t.memoryGib))}Gi`);
            expect(poolCapacities(s.pools).map((p) => p.gpus)).to.deep.equal(
                s.pools.filter((p) => p.count > 0).map((p) => (p.gpu ? INSTANCE_TYPES[p.instanceType].gpus : 0)),
            );
        }
    });

    it("writes the kubeconfig only as an ESC secret, and the Docker host in plain config", () => {
        const k3s = stacks.find((s) => s.orchestrator === "k3s")!;
        const doc = renderHandoff(handoffDocument(k3s, { kubeconfig: "apiVersion: v1\nclusters: []\n" }));
        expect(doc).to.include("sophia:kubeconfig: ${cluster.kubeconfig}").and.include("fn::secret: |");
        const swarm = stacks.find((s) => s.orchestrator === "swarm")!;
        expect(handoffDocument(swarm, { dockerHost: "ssh://ubuntu@192.0.2.1" })).to.deep.include({
            values: {
                cluster: { orchestrator: "swarm", stack: swarm.stack, pools: poolCapacities(swarm.pools) },
                pulumiConfig: { "sophia:nodeCapacity": platformNodeCapacity(swarm.pools), "sophia:dockerHost": "ssh://ubuntu@192.0.2.1" },
            },
        });
    });

    it("gives a platform stack file that imports a hand-off its values offline, and its own values win", () => {
        const dev = stacks.find((s) => s.environment === "dev")!;
        const offline = offlineHandoffConfig([`${handoffEnvironmentRef(dev)}@stable`]);
        expect(offline.values["sophia:dockerHost"]).to.equal(`ssh://${dev.sshUser}@${offlineIp(leaderName(dev))}`);
        expect(JSON.parse(offline.values["sophia:nodeCapacity"])).to.deep.equal(platformNodeCapacity(dev.pools));
        expect(offlineHandoffConfig(["sophia/dev"])).to.deep.equal({ values: {}, secretKeys: [] });
        const staging = readStackConfig(ROOT, "staging", () => []);
        expect(staging.placeholders).to.include("sophia:kubeconfig");
        expect(JSON.parse(staging.config["sophia:nodeCapacity"])).to.deep.equal(platformNodeCapacity(stacks.find((s) => s.environment === "staging")!.pools));
        const own = { nodes: 9, cpu: "4", memory: "8Gi" };
        const dir = platformCopy((stack, data) => {
            if (stack === "staging") (data.config as Record<string, unknown>)["sophia:nodeCapacity"] = own;
        });
        try {
            expect(JSON.parse(readStackConfig(dir, "staging", () => []).config["sophia:nodeCapacity"])).to.deep.equal(own);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the cluster stacks a platform plan reads", () => {
    const stacks = clusterStacks();
    let project: string;
    before(() => {
        // A copy of the cluster stack files, one of them broken: clusters/ itself stays as it is.
        project = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cluster-stacks-"));
        for (const file of fs.readdirSync(CLUSTER_PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)))
            fs.copyFileSync(path.join(CLUSTER_PROJECT_DIR, file), path.join(project, file));
        fs.writeFileSync(path.join(project, "Pulumi.broken.yaml"), "config:\n  sophia-clusters:environment: nowhere\n  sophia-clusters:managers: 5\n");
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    it("validates only the stacks whose hand-offs are imported: a broken one that is not stops nothing", () => {
        for (const s of stacks) {
            const handoff = offlineHandoffConfig([handoffEnvironmentRef(s)], project);
            expect(handoff).to.deep.equal(offlineHandoffConfig([handoffEnvironmentRef(s)]), s.stack);
            expect(Object.keys(handoff.values), s.stack).to.not.be.empty;
        }
    });

    it("still stops, naming the file, when the imported hand-off's stack is the broken one", () => {
        expect(() => offlineHandoffConfig(["sophia/nowhere-cluster"], project)).to.throw(
            /Invalid settings for cluster stack "broken"[\s\S]*Pulumi\.broken\.yaml/,
        );
        expect(() => importedClusterPools(["sophia/nowhere-cluster"], project)).to.throw(/Invalid settings for cluster stack "broken"/);
    });
});
