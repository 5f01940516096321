import type { ResourceRule } from "../rule";
import { swarmProps } from "../shapes";
import { SWARM_SERVICE } from "./services";

export const requireSwarmResourceLimits: ResourceRule = {
    kind: "resource",
    id: "require-swarm-resource-limits",
    description: "Swarm services must limit CPU and memory and reserve what they need.",
    rationale: "An unlimited service can take the whole node, and Swarm places unreserved tasks on nodes that cannot hold them.",
    remediation: "Set taskSpec.resources.limits and .reservation (nanoCpus and memoryBytes); the platform derives them from the tier sizes.",
    severity: "medium",
    topics: ["swarm", "reliability"],
    resourceTypes: [SWARM_SERVICE],
    check(resource) {
        const r = swarmProps(resource).taskSpec?.resources ?? {};
        const missing = (["limits", "reservation"] as const).flatMap((k) =>
            (["nanoCpus", "memoryBytes"] as const).filter((f) => !(Number(r[k]?.[f]) > 0)).map((f) => `${k}.${f}`),
        );
        return missing.length > 0 ? [`the service has no ${missing.join(", ")}`] : [];
    },
};
