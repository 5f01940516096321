// The exact findings of the Swarm service rules, the edge values they judge (zero limits, trailing
// slashes, an unset failure action), and the bind mounts and labels they read from a service.
import { expect } from "chai";
import { disallowHostRootMount } from "../../policies/swarm/disallowHostRootMount";
import { enforceSwarmUpdateRollback } from "../../policies/swarm/enforceSwarmUpdateRollback";
import { requireSwarmResourceLimits } from "../../policies/swarm/requireSwarmResourceLimits";
import { bindMounts, serviceLabels } from "../../policies/swarm/services";
import { checkResource, swarmService } from "./fixtures";

describe("Swarm service findings", () => {
    it("enforce-swarm-update-rollback names the failure action a service sets, or that it leaves it unset", () => {
        const paused = swarmService("web", { updateConfig: { failureAction: "pause" } });
        expect(checkResource(enforceSwarmUpdateRollback, paused)).to.deep.equal(["updateConfig.failureAction is pause, not rollback"]);
        const unset = swarmService("web", { updateConfig: { parallelism: 1 } });
        expect(checkResource(enforceSwarmUpdateRollback, unset)).to.deep.equal(["updateConfig.failureAction is unset (pause), not rollback"]);
    });

    it("require-swarm-resource-limits counts a zero limit as none, and lists every missing one in one message", () => {
        const s = swarmService();
        s.props.taskSpec.resources.limits = { nanoCpus: 0, memoryBytes: 0 };
        expect(checkResource(requireSwarmResourceLimits, s)).to.deep.equal(["the service has no limits.nanoCpus, limits.memoryBytes"]);
    });

    it("disallow-host-root-mount sees a system directory through any number of trailing slashes", () => {
        const s = swarmService();
        s.props.taskSpec.containerSpec.mounts.push({ type: "bind", source: "/etc//", target: "/host/etc" });
        expect(checkResource(disallowHostRootMount, s)).to.deep.equal(["the service bind-mounts the host's /etc//"]);
    });
});

describe("what the Swarm rules read from a service", () => {
    it("takes the bind mounts only, with an empty source or target where the service leaves one out", () => {
        const props = {
            taskSpec: {
                containerSpec: {
                    mounts: [
                        null,
                        { type: "volume", source: "data", target: "/data" },
                        { type: "bind", source: "/srv/sophia", target: "/srv" },
                        { type: "bind", target: "/cache" },
                        { type: "bind", source: "/srv/logs" },
                    ],
                },
            },
        };
        expect(bindMounts(props)).to.deep.equal([
            { source: "/srv/sophia", target: "/srv" },
            { source: "", target: "/cache" },
            { source: "/srv/logs", target: "" },
        ]);
    });

    it("reads no labels from a service whose labels are not a list", () => {
        expect(serviceLabels({})).to.deep.equal({});
        expect(serviceLabels({ labels: { "sophia.ai/tier": "critical" } })).to.deep.equal({});
    });
});
