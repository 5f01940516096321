// What a platform stack's import of a cluster hand-off (`<project>/<environment>-cluster`) provides,
// computed offline from the cluster stack's settings: the node capacity as the hand-off will write
// it, the Docker host with a stand-in for the leader's address, and the kubeconfig (a secret) as a
// key only. Lets the platform's offline plan and its checks use the cluster stack's numbers.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PoolCapacity, poolCapacities } from "./capacity";
import { throwIfProblems, type Problem } from "../stacks/problems";
import { PlatformStackTarget, targetProblem } from "./agreement";
import { handoffDocument, handoffEnvironmentRef } from "./handoff";
import { leaderName } from "./hosts";
import { CLUSTER_CONFIG_NAMESPACE, ClusterSettings, loadClusterSettings } from "./settings";

/** The cluster project is part of the repository: always this folder, wherever a platform copy lives. */
export const CLUSTER_PROJECT_DIR = __dirname;

/** The address of a machine in an offline plan: only a launch knows the real one. */
export const offlineIp = (machine: string): string => `offline-ip-of-${machine}`;

interface ClusterStackFile {
    readonly stack: string;
    readonly read: (key: string) => string | undefined;
    /** Why the file is not YAML, when it is not: its config reads as empty. */
    readonly notYaml?: string;
}

/** The raw config of every cluster stack file, by stack, in stack-file order. */
function clusterStackFiles(projectDir: string): ClusterStackFile[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort()
        .map((stack) => {
            let data: { config?: Record<string, unknown> };
            try {
                data = (YAML.parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as typeof data;
            } catch (error) {
                return { stack, read: () => undefined, notYaml: (error as Error).message.split("\n")[0] };
            }
            const config = data.config ?? {};
            const read = (key: string): string | undefined => {
                const value = config[`${CLUSTER_CONFIG_NAMESPACE}:${key}`];
                // Stryker disable next-line ConditionalExpression: JSON.stringify(undefined) is undefined too; the check is written out for the type checker
                return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
            };
            return { stack, read };
        });
}

/** The ESC project a stack file's hand-off goes to; the default when its esc is not an object (its settings say why). */
function escProjectOf(read: ClusterStackFile["read"]): string {
    let esc: unknown;
    try {
        esc = JSON.parse(read("esc") ?? "{}");
    } catch {
        esc = undefined;
    }
    const project = (esc as { project?: unknown } | undefined)?.project;
    return typeof project === "string" ? project : "sophia";
}

/** Every cluster stack of the project, with its settings, in stack-file order. */
export function clusterStacks(projectDir = CLUSTER_PROJECT_DIR): ClusterSettings[] {
    return clusterStackFiles(projectDir).map((file) => {
        if (file.notYaml) throwIfProblems(`Invalid cluster stack "${file.stack}"`, [notYamlProblem(projectDir, file)]);
        return loadClusterSettings(file.stack, file.read, projectDir);
    });
}

const notYamlProblem = (projectDir: string, file: ClusterStackFile): Problem => ({
    where: path.join(path.basename(projectDir), `Pulumi.${file.stack}.yaml`),
    message: `not YAML (${file.notYaml}); fix it so its settings can be read`,
});

/**
 * The cluster stacks whose hand-offs `environments` import, validated; the other stack files are not
 * read further, so one being edited (or invalid) never stops a platform plan that does not use it.
 */
export function importedClusterStacks(environments: readonly string[], projectDir = CLUSTER_PROJECT_DIR): ClusterSettings[] {
    // Stryker disable next-line Regex: /@.*/ differs from /@.*$/ only across a line break, which no ESC reference holds
    const imported = new Set(environments.map((e) => e.replace(/@.*$/, "")));
    if (![...imported].some((e) => e.endsWith("-cluster"))) return [];
    const files = clusterStackFiles(projectDir);
    const handoffOf = ({ read }: ClusterStackFile) =>
        handoffEnvironmentRef({ environment: read("environment") ?? "", esc: { project: escProjectOf(read) } } as ClusterSettings);
    const used = files.filter((f) => !f.notYaml && imported.has(handoffOf(f)));
    // A stack file that is not YAML may be the one an import needs: say so when an import has no other.
    const provided = new Set(used.map(handoffOf));
    const unprovided = [...imported].filter((e) => e.endsWith("-cluster") && !provided.has(e));
    const broken = files.filter((f) => f.notYaml);
    if (unprovided.length > 0 && broken.length > 0)
        throwIfProblems(
            `No readable cluster stack hands off ${unprovided.join(", ")}`,
            broken.map((f) => ({
                where: path.join(path.basename(projectDir), `Pulumi.${f.stack}.yaml`),
                message: `not YAML (${f.notYaml}); fix it so its hand-off can be read`,
            })),
        );
    return used.map(({ stack, read }) => loadClusterSettings(stack, read, projectDir));
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
