import type * as docker from "@pulumi/docker";
import type { ConfigHandle, JobSpec, ScheduledJobSpec, WorkloadSpec } from "../types";
import { cpuCores, memoryBytes } from "../quantity";
import { DEFAULT_UID, scrapeLabels } from "../conventions";

/** Docker secrets and configs created so far, by handle name and then by key or file. */
export interface SwarmObjects {
    readonly secrets: Map<string, Map<string, docker.Secret>>;
    readonly configs: Map<string, Map<string, docker.ServiceConfig>>;
}

export interface SwarmContext {
    readonly networks: readonly docker.Network[];
    readonly volumes: ReadonlyMap<string, docker.Volume>;
    readonly objects: SwarmObjects;
    readonly prefix: string;
}

type ServiceArgs = docker.ServiceArgs;
type Labels = { label: string; value: string }[];

/** Where a secret is mounted; the workload reads <ENV>_FILE, the usual convention for docker secrets. */
export const secretPath = (env: string): string => `/run/secrets/${env}`;

function labelList(labels: Record<string, string>): Labels {
    return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

function resources(spec: Pick<WorkloadSpec, "resources">): docker.types.input.ServiceTaskSpecResources {
    const { requests, limits } = spec.resources;
    return {
        limits: { nanoCpus: Math.round(cpuCores(limits.cpu) * 1e9), memoryBytes: memoryBytes(limits.memory) },
        reservation: { nanoCpus: Math.round(cpuCores(requests.cpu) * 1e9), memoryBytes: memoryBytes(requests.memory) },
    };
}

function secretFiles(spec: Pick<WorkloadSpec, "secretEnv" | "name">, ctx: SwarmContext) {
    return (spec.secretEnv ?? []).map(({ env, secret, key }) => {
        const dockerSecret = ctx.objects.secrets.get(secret.name)?.get(key);
        if (!dockerSecret) throw new Error(`${spec.name}: secret ${secret.name}/${key} was not created on this platform`);
        return { secretId: dockerSecret.id, secretName: dockerSecret.name, fileName: secretPath(env), fileUid: "0", fileGid: "0", fileMode: 0o444 };
    });
}

function configFiles(files: WorkloadSpec["configFiles"], ctx: SwarmContext, owner: string) {
    return (files ?? []).map(({ config, file, mountPath }) => {
        const dockerConfig = ctx.objects.configs.get(config.name)?.get(file);
        if (!dockerConfig) throw new Error(`${owner}: config ${config.name}/${file} was not created on this platform`);
        return { configId: dockerConfig.id, configName: dockerConfig.name, fileName: mountPath, fileMode: 0o444 };
    });
}

function mounts(spec: WorkloadSpec, ctx: SwarmContext): docker.types.input.ServiceTaskSpecContainerSpecMount[] {
    const scratch = [{ target: "/tmp", type: "tmpfs" }];
    const volumes = (spec.volumes ?? []).map((v) =>
        v.persistent ? { target: v.mountPath, type: "volume", source: ctx.volumes.get(v.name)!.name } : { target: v.mountPath, type: "tmpfs" },
    );
    const host = (spec.hostMounts ?? []).map((path) => ({ target: path, source: path, type: "bind" }));
    return [...scratch, ...volumes, ...host];
}

/** The health endpoint when there is one, else the main port, else the main process. */
function healthTest(spec: WorkloadSpec): string[] {
    if (spec.health) {
        const port = spec.ports.find((p) => p.name === spec.health!.port)?.port;
        return ["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${port}${spec.health.path}`];
    }
    if (spec.healthCommand) return ["CMD", ...spec.healthCommand];
    if (spec.ports.length > 0) return ["CMD", "nc", "-z", "127.0.0.1", String(spec.ports[0].port)];
    return ["CMD", "pgrep", "-x", spec.command?.[0] ?? spec.name];
}

/** The workload's container: read-only, no capabilities, secrets as files (their paths in <NAME>_FILE). */
function workloadContainerSpec(
    spec: WorkloadSpec,
    ctx: SwarmContext,
    labels: docker.types.input.ServiceLabel[],
): docker.types.input.ServiceTaskSpecContainerSpec {
    const env = {
        ...spec.env,
        ...Object.fromEntries((spec.secretEnv ?? []).map(({ env }) => [`${env}_FILE`, secretPath(env)])),
    };
    return {
        image: spec.image,
        commands: spec.command ? [...spec.command] : undefined,
        args: spec.args ? [...spec.args] : undefined,
        env,
        user: String(spec.runAsUser ?? DEFAULT_UID),
        readOnly: true,
        capDrops: ["ALL"],
        labels,
        secrets: secretFiles(spec, ctx),
        configs: configFiles(spec.configFiles, ctx, spec.name),
        mounts: mounts(spec, ctx),
        healthcheck: { tests: healthTest(spec), interval: "15s", timeout: "3s", retries: 3, startPeriod: "20s" },
        stopGracePeriod: "30s",
    };
}

const RESTART_ALWAYS: docker.types.input.ServiceTaskSpecRestartPolicy = { condition: "any", delay: "5s", window: "120s" };

/** A replicated Swarm service for a long-running workload (or, with another restart policy, a job). */
export function workloadServiceArgs(spec: WorkloadSpec, ctx: SwarmContext, restartPolicy = RESTART_ALWAYS): ServiceArgs {
    const stateful = (spec.volumes ?? []).some((v) => v.persistent);
    const labels = labelList({
        "sophia.ai/group": spec.group,
        ...spec.labels,
        ...scrapeLabels(spec),
        "sophia.ai/outbound-hosts": (spec.outbound ?? []).join(","),
    });
    return {
        name: `${ctx.prefix}-${spec.name}`,
        labels,
        taskSpec: {
            containerSpec: workloadContainerSpec(spec, ctx, labels),
            resources: resources(spec),
            restartPolicy,
            // The Docker socket is the manager's: a server that drives the engine runs there.
            placement: { constraints: (spec.hostMounts ?? []).length > 0 || stateful ? ["node.role == manager"] : [] },
            networksAdvanceds: ctx.networks.map((n) => ({ name: n.id, aliases: [spec.name] })),
        },
        mode: { replicated: { replicas: spec.replicas } },
        // A stateful service never runs two containers on one volume, so it stops before it starts.
        updateConfig: {
            parallelism: 1,
            delay: "10s",
            failureAction: "rollback",
            monitor: "30s",
            maxFailureRatio: "0",
            order: stateful ? "stop-first" : "start-first",
        },
        rollbackConfig: {
            parallelism: 1,
            delay: "5s",
            failureAction: "pause",
            monitor: "30s",
            maxFailureRatio: "0",
            order: stateful ? "stop-first" : "start-first",
        },
        endpointSpec: { mode: "vip", ports: publishedPorts(spec) },
    };
}

/** Ports the routing mesh publishes on every node (the edge's 80 and 443). */
function publishedPorts(spec: WorkloadSpec): docker.types.input.ServiceEndpointSpecPort[] | undefined {
    const published = spec.ports.filter((p) => p.published !== undefined);
    // Stryker disable next-line ConditionalExpression: an empty list of ports publishes nothing, as no list does: the provider sends Docker the same endpoint
    if (published.length === 0) return undefined;
    return published.map((p) => ({ name: p.name, protocol: "tcp", targetPort: p.port, publishedPort: p.published, publishMode: "ingress" }));
}

/** A one-replica service running `supercronic` on the job's crontab (the job image ships it). */
export function jobServiceArgs(spec: ScheduledJobSpec, crontab: ConfigHandle, ctx: SwarmContext): ServiceArgs {
    const asWorkload: WorkloadSpec = {
        ...spec,
        command: ["supercronic", "-passthrough-logs", "/etc/sophia/crontab"],
        configFiles: [{ config: crontab, file: "crontab", mountPath: "/etc/sophia/crontab" }],
        ports: [],
        replicas: 1,
        labels: { ...spec.labels, "sophia.ai/schedule": spec.schedule },
    };
    return workloadServiceArgs(asWorkload, ctx);
}

/**
 * A one-replica service that runs the job once: Swarm restarts its task only on failure, at most
 * twice, so a success stays done. Docker's job mode would say so directly, but the provider has no
 * field for it; nor does it wait for the task to finish (docs/03-architecture/backups.md).
 */
export function oneShotServiceArgs(spec: JobSpec, ctx: SwarmContext): ServiceArgs {
    return workloadServiceArgs({ ...spec, ports: [], replicas: 1, labels: { ...spec.labels, "sophia.ai/one-shot": "true" } }, ctx, {
        condition: "on-failure",
        delay: "10s",
        maxAttempts: 2,
    });
}
