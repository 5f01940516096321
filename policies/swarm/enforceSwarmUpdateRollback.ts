import type { ResourceRule } from "../rule";
import { swarmProps } from "../shapes";
import { SWARM_SERVICE } from "./services";

export const enforceSwarmUpdateRollback: ResourceRule = {
    kind: "resource",
    id: "enforce-swarm-update-rollback",
    description: "Swarm services must roll back a failed update (updateConfig.failureAction rollback).",
    rationale: "Swarm's default is to pause a failed update halfway, leaving a mix of old and broken tasks until someone intervenes.",
    remediation: 'Set updateConfig: { failureAction: rollback, monitor: 30s, maxFailureRatio: "0" }.',
    severity: "medium",
    topics: ["swarm", "reliability", "deployment"],
    resourceTypes: [SWARM_SERVICE],
    check(resource) {
        const action = swarmProps(resource).updateConfig?.failureAction;
        return action === "rollback" ? [] : [`updateConfig.failureAction is ${action ?? "unset (pause)"}, not rollback`];
    },
};
