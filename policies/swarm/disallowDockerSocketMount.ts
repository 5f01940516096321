import { exemptionFor } from "../exemptions";
import type { ResourceRule } from "../rule";
import { bindMounts, SWARM_SERVICE } from "./services";

const RULE_ID = "disallow-docker-socket-mount";
/** The Docker engine's socket, at both of its paths: this rule alone judges a mount of it (with its own exemptions). */
export const DOCKER_SOCKETS = new Set(["/var/run/docker.sock", "/run/docker.sock"]);

export const disallowDockerSocketMount: ResourceRule = {
    kind: "resource",
    id: RULE_ID,
    description: "Swarm services must not mount the Docker socket, except the exemptions listed for a component.",
    rationale: "The Docker socket is root on the node and, on a manager, control of the whole Swarm.",
    remediation: "Remove the bind mount of /var/run/docker.sock; if the component truly drives the engine, add a reviewed entry to policies/exemptions.ts.",
    severity: "critical",
    topics: ["swarm", "container"],
    resourceTypes: [SWARM_SERVICE],
    check(resource) {
        return bindMounts(resource.props)
            .filter((m) => DOCKER_SOCKETS.has(m.source) && !exemptionFor(RULE_ID, resource, m.source))
            .map((m) => `the service mounts the Docker socket ${m.source}`);
    },
};
