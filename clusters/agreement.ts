// Whether a cluster stack and the platform stack it serves agree on the kind of cluster: the
// platform's sophia:target decides how it deploys (its adapter and, on Kubernetes, its flavor),
// and a cluster of another kind would take the deployment and fail in it.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { TARGETS } from "../catalog/schema";
import type { Problem } from "../stacks/problems";
import { handoffEnvironmentRef } from "./handoff";
import { CLUSTER_CONFIG_NAMESPACE, type ClusterSettings, type Orchestrator } from "./settings";
import { locateKey } from "./stackFile";

/**
 * The platform target each orchestrator's clusters take. Not `kubernetes` for K3s: that target's
 * flavor expects an nginx ingress in ingress-nginx, the gp3 storage class and zone labels, none of
 * which a K3s cluster has (docs/04-deployment/clusters.md, "Which target a cluster takes").
 */
export const TARGET_OF: Readonly<Record<Orchestrator, string>> = { swarm: "swarm", k3s: "k3s" };

export interface PlatformStackTarget {
    /** The folder of the platform's stack files. */
    readonly dir: string;
    readonly stack: string;
    /** Its sophia:target; undefined when the stack file does not set it. */
    readonly target: string | undefined;
}

/** "clusters/Pulumi.prod.yaml:5" for the orchestrator key of a cluster stack file. */
const clusterKey = (cluster: ClusterSettings, clustersDir: string): string =>
    `${path.basename(clustersDir)}/${locateKey(clustersDir, cluster.stack, CLUSTER_CONFIG_NAMESPACE, ["orchestrator"])}`;

/**
 * The problem when a platform stack and a cluster stack of another kind meet, naming both files,
 * keys and values and the fix; none when they agree. `at` is the side the problem is reported on:
 * the platform's sophia:target (its plan) or the cluster's orchestrator (the cluster's plan).
 */
export function targetProblem(platform: PlatformStackTarget, cluster: ClusterSettings, clustersDir: string, at: "platform" | "cluster"): Problem | undefined {
    const expected = TARGET_OF[cluster.orchestrator];
    // An unset or unknown target is the platform settings' to report, with every other problem of the file.
    if (platform.target === expected || !(TARGETS as readonly (string | undefined)[]).includes(platform.target)) return undefined;
    const platformKey = `${locateKey(platform.dir, platform.stack, "sophia", ["target"])}: sophia:target`;
    const target = platform.target!;
    const orchestrator = `${CLUSTER_CONFIG_NAMESPACE}:orchestrator`;
    const matching = Object.entries(TARGET_OF).find(([, t]) => t === platform.target)?.[0];
    const why = `a ${cluster.orchestrator} cluster takes sophia:target: ${expected}, never another (docs/04-deployment/clusters.md, "Which target a cluster takes")`;
    if (at === "platform") {
        return {
            where: platformKey,
            message:
                `${target}, but the cluster it imports (${handoffEnvironmentRef(cluster)}) is ${clusterKey(cluster, clustersDir)}: ${orchestrator}: ${cluster.orchestrator}; ${why}. ` +
                `Set sophia:target: ${expected} in Pulumi.${platform.stack}.yaml, or ` +
                (matching
                    ? `import the hand-off of a cluster stack whose orchestrator is ${matching}`
                    : `import no cluster stack's hand-off: the cluster project builds ${Object.keys(TARGET_OF).join(" and ")} clusters only, and a ${target} cluster's kubeconfig comes from the stack's own ESC environment`),
        };
    }
    return {
        where: `${clusterKey(cluster, clustersDir)}: ${orchestrator}`,
        message:
            `${cluster.orchestrator}, but the platform stack it serves (${CLUSTER_CONFIG_NAMESPACE}:environment: ${cluster.environment}) deploys to ${platformKey}: ${target}; ${why}. ` +
            `${matching ? `Set ${orchestrator}: ${matching}, or set` : "Set"} ${CLUSTER_CONFIG_NAMESPACE}:environment to a stack of its own that the platform stack imports when it moves ` +
            `(e.g. ${cluster.environment}-${cluster.orchestrator}, as dev-k3s is built beside dev)`,
    };
}

/** A platform stack file's sophia:target, read from the file; undefined when there is no such stack file. */
export function platformTarget(dir: string, stack: string): PlatformStackTarget | undefined {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const data = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const target = data.config?.["sophia:target"];
    return { dir, stack, target: typeof target === "string" ? target : undefined };
}

/**
 * The cluster's side: the platform stack its `environment` names (Pulumi.<environment>.yaml beside
 * the cluster project), when there is one, must deploy to this kind of cluster.
 */
export function servedPlatformProblems(cluster: ClusterSettings, clustersDir: string): Problem[] {
    const platform = platformTarget(path.dirname(clustersDir), cluster.environment);
    const problem = platform && targetProblem(platform, cluster, clustersDir, "cluster");
    return problem ? [problem] : [];
}
