import type { ResourceRule } from "../rule";
import { containerSpecOf, SWARM_SERVICE } from "./services";

export const requireSwarmHealthcheck: ResourceRule = {
    kind: "resource",
    id: "require-swarm-healthcheck",
    description: "Swarm services must define a healthcheck.",
    rationale: "Swarm's rolling updates and automatic rollback judge a task by its health; without a healthcheck a broken release counts as running.",
    remediation: "Set taskSpec.containerSpec.healthcheck.tests (e.g. [CMD, wget, -q, --spider, http://127.0.0.1:<port>/health]).",
    severity: "medium",
    topics: ["swarm", "reliability"],
    resourceTypes: [SWARM_SERVICE],
    check(resource) {
        const tests = containerSpecOf(resource.props).healthcheck?.tests ?? [];
        return tests.length === 0 || tests[0] === "NONE" ? ["the service has no healthcheck"] : [];
    },
};
