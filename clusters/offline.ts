// What a platform stack's import of a cluster hand-off (`<project>/<environment>-cluster`) provides,
// computed offline from the cluster stack's settings: the node capacity as the hand-off will write
// it, the Docker host with a stand-in for the leader's address, and the kubeconfig (a secret) as a
// key only. Lets the platform's offline plan and its checks use the cluster stack's numbers.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PoolCapacity, poolCapacities } from "./capacity";
import type { Problem } from "../stacks/problems";
import { PlatformStackTarget, targetProblem } from "./agreement";
import { handoffDocument, handoffEnvironmentRef } from "./handoff";
import { leaderName } from "./hosts";
import { CLUSTER_CONFIG_NAMESPACE, ClusterSettings, loadClusterSettings } from "./settings";

/** The cluster project is part of the repository: always this folder, wherever a platform copy lives. */
export const CLUSTER_PROJECT_DIR = __dirname;

/** The address of a machine in an offline plan: only a launch knows the real one. */
export const offlineIp = (machine: string): string => `offline-ip-of-${machine}`;

/** The raw config of every cluster stack file, by stack, in stack-file order. */
function clusterStackFiles(projectDir: string): { stack: string; read: (key: string) => string | undefined }[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort()
        .map((stack) => {
            const data = (YAML.parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config?: Record<string, unknown> };
            const config = data.config ?? {};
            const read = (key: string): string | undefined => {
                const value = config[`${CLUSTER_CONFIG_NAMESPACE}:${key}`];
                return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
            };
            return { stack, read };
        });
}

/** Every cluster stack of the project, with its settings, in stack-file order. */
export function clusterStacks(projectDir = CLUSTER_PROJECT_DIR): ClusterSettings[] {
    return clusterStackFiles(projectDir).map(({ stack, read }) => loadClusterSettings(stack, read, projectDir));
}

/**
 * The cluster stacks whose hand-offs `environments` import, validated; the other stack files are not
 * read further, so one being edited (or invalid) never stops a platform plan that does not use it.
 */
export function importedClusterStacks(environments: readonly string[], projectDir = CLUSTER_PROJECT_DIR): ClusterSettings[] {
    const imported = new Set(environments.map((e) => e.replace(/@.*$/, "")));
    if (![...imported].some((e) => e.endsWith("-cluster"))) return [];
    return clusterStackFiles(projectDir)
        .filter(({ read }) => {
            const esc = JSON.parse(read("esc") ?? "{}") as { project?: string };
            const environment = read("environment") ?? "";
            return imported.has(handoffEnvironmentRef({ environment, esc: { project: esc.project ?? "sophia" } } as ClusterSettings));
        })
        .map(({ stack, read }) => loadClusterSettings(stack, read, projectDir));
}

export interface OfflineHandoff {
    /** Plain config values, JSON-encoded where structured, by qualified key. */
    readonly values: Record<string, string>;
    /** Secret keys the hand-off provides (the kubeconfig). */
    readonly secretKeys: string[];
}

/** The config the imported hand-off environments provide; environments that are not hand-offs provide nothing here. */
export function offlineHandoffConfig(environments: readonly string[], projectDir = CLUSTER_PROJECT_DIR): OfflineHandoff {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const settings of importedClusterStacks(environments, projectDir)) {
        const swarm = settings.orchestrator === "swarm";
        const doc = handoffDocument(
            settings,
            swarm ? { dockerHost: `ssh://${settings.sshUser}@${offlineIp(leaderName(settings))}` } : { kubeconfig: "offline" },
        );
        const pulumiConfig = (doc.values as { pulumiConfig: Record<string, unknown> }).pulumiConfig;
        for (const [key, value] of Object.entries(pulumiConfig)) {
            if (key === "sophia:kubeconfig") secretKeys.push(key);
            else values[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { values, secretKeys };
}

/** The pools of the cluster stacks whose hand-offs a platform stack file imports; none when it imports none. */
export function importedClusterPools(environments: readonly string[], projectDir = CLUSTER_PROJECT_DIR): PoolCapacity[] {
    return importedClusterStacks(environments, projectDir).flatMap((s) => poolCapacities(s.pools));
}

/** The platform's side: every cluster stack whose hand-off the platform stack imports must be of the kind its target deploys to. */
export function importedClusterTargetProblems(environments: readonly string[], platform: PlatformStackTarget, projectDir = CLUSTER_PROJECT_DIR): Problem[] {
    return importedClusterStacks(environments, projectDir).flatMap((cluster) => targetProblem(platform, cluster, projectDir, "platform") ?? []);
}
