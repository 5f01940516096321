import { exemptionFor } from "../exemptions";
import type { ResourceRule } from "../rule";
import { DOCKER_SOCKETS } from "./disallowDockerSocketMount";
import { bindMounts, SWARM_SERVICE } from "./services";

const RULE_ID = "disallow-host-root-mount";
/** The host's root and the directories that hold its credentials, kernel interfaces and container state. */
const SENSITIVE = ["/", "/etc", "/root", "/proc", "/sys", "/boot", "/dev", "/var/lib/docker", "/var/run", "/run"];

/**
 * The directory itself or anything in it (/etc/shadow, /proc/1/root, /var/lib/docker/volumes); only
 * "/" is refused exactly. The Docker socket is left to disallow-docker-socket-mount and its exemptions.
 */
const isSensitive = (source: string): boolean => {
    const path = source.replace(/\/+$/, "") || "/";
    if (DOCKER_SOCKETS.has(path)) return false;
    return SENSITIVE.some((s) => path === s || (s !== "/" && path.startsWith(`${s}/`)));
};

export const disallowHostRootMount: ResourceRule = {
    kind: "resource",
    id: RULE_ID,
    description: "Swarm services must not bind-mount the host's root, its system directories (/etc, /proc, /sys, /var/lib/docker…) or anything in them.",
    rationale: "These mounts hand the container the node's credentials, kernel interfaces or other containers' data.",
    remediation: "Use a named volume or a Docker config/secret; if the component truly needs the host, add a reviewed entry to policies/exemptions.ts.",
    severity: "critical",
    topics: ["swarm", "container", "storage"],
    resourceTypes: [SWARM_SERVICE],
    check(resource) {
        return bindMounts(resource.props)
            .filter((m) => isSensitive(m.source) && !exemptionFor(RULE_ID, resource, m.source))
            .map((m) => `the service bind-mounts the host's ${m.source}`);
    },
};
