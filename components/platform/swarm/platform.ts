import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { INGRESS_CONTROLLER } from "../types";
import type { ConfigHandle, Group, JobSpec, PerTarget, Platform, ScheduledJobSpec, SecretHandle, WorkloadHandle, WorkloadSpec } from "../types";
import { imageFrom } from "../images";
import { jobServiceArgs, oneShotServiceArgs, workloadServiceArgs, SwarmObjects } from "./service";

export interface SwarmPlatformArgs {
    /** Docker engine of the Swarm manager, e.g. ssh://deploy@swarm-manager. */
    readonly host: string;
    /** Prefix of networks, secrets and volumes. */
    readonly prefix: string;
    /** The stack's registry; upstream images are pulled through its mirror. */
    readonly registry: string;
    /** Image digests from the release pipeline's lock (catalog/images.lock.yaml); listed images are pulled by digest. */
    readonly imageDigests?: Readonly<Record<string, string>>;
}

const base64 = (value: pulumi.Input<string>): pulumi.Output<string> => pulumi.output(value).apply((v) => Buffer.from(v, "utf8").toString("base64"));

/** Secret data stays a Pulumi secret even when a caller hands over a plain value. */
const secretBase64 = (value: pulumi.Input<string>): pulumi.Output<string> => base64(pulumi.secret(value));

/**
 * A Docker Swarm reached through one manager. Groups are encrypted overlay networks: a workload
 * joins its own group's network and the networks of the groups allowed to reach it.
 */
export class SwarmPlatform extends pulumi.ComponentResource implements Platform {
    readonly target = "swarm" as const;
    readonly provider: docker.Provider;
    private readonly networks = new Map<Group, docker.Network>();
    private readonly objects: SwarmObjects = { secrets: new Map(), configs: new Map() };

    constructor(
        name: string,
        private readonly args: SwarmPlatformArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("sophia:platform:SwarmCluster", name, {}, opts);
        this.provider = new docker.Provider(`${name}-provider`, { host: args.host }, { parent: this });
        this.registerOutputs({});
    }

    networkName(group: Group): string {
        return `${this.args.prefix}-${group}`;
    }

    /** The group's overlay network, created on first use. */
    network(group: Group): docker.Network {
        const existing = this.networks.get(group);
        if (existing) return existing;
        const name = this.networkName(group);
        const network = new docker.Network(
            name,
            {
                name,
                driver: "overlay",
                attachable: false,
                options: { encrypted: "true" },
                labels: [{ label: "sophia.ai/group", value: group }],
            },
            { parent: this, provider: this.provider },
        );
        this.networks.set(group, network);
        return network;
    }

    resourceOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
        return { parent, provider: this.provider };
    }

    pick<T>(choices: PerTarget<T>): T {
        return choices.swarm(this);
    }

    /** One docker secret per key, mounted as a file; docker secrets are immutable, so names are generated. */
    secret(name: string, group: Group, data: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): SecretHandle {
        const perKey = new Map<string, docker.Secret>();
        for (const [key, value] of Object.entries(data)) {
            perKey.set(
                key,
                new docker.Secret(
                    `${name}-${key.toLowerCase().replace(/_/g, "-")}`,
                    { data: secretBase64(value), labels: [{ label: "sophia.ai/secret", value: key }] },
                    { ...this.resourceOptions(parent), deleteBeforeReplace: false },
                ),
            );
        }
        this.objects.secrets.set(name, perKey);
        return { name, group, keys: Object.keys(data), resource: [...perKey.values()][0] ?? parent };
    }

    configFiles(name: string, group: Group, files: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): ConfigHandle {
        const perFile = new Map<string, docker.ServiceConfig>();
        for (const [file, content] of Object.entries(files)) {
            perFile.set(
                file,
                new docker.ServiceConfig(`${name}-${file.replace(/[^a-z0-9-]/gi, "-")}`, { data: base64(content) }, this.resourceOptions(parent)),
            );
        }
        this.objects.configs.set(name, perFile);
        return { name, group, files: Object.keys(files), resource: [...perFile.values()][0] ?? parent };
    }

    private volume(workload: string, volume: string, parent: pulumi.Resource): docker.Volume {
        const name = `${this.args.prefix}-${workload}-${volume}`;
        return new docker.Volume(`${workload}-${volume}`, { name, labels: [{ label: "sophia.ai/workload", value: workload }] }, this.resourceOptions(parent));
    }

    private networksFor(spec: { group: Group; ingress?: WorkloadSpec["ingress"]; connectsTo?: readonly Group[] }): docker.Network[] {
        // The ingress controller reaches a workload through published ports, not a network.
        const allowed = (spec.ingress ?? []).map((i) => i.from).filter((from): from is Group => from !== INGRESS_CONTROLLER);
        const groups = new Set<Group>([spec.group, ...allowed, ...(spec.connectsTo ?? [])]);
        return [...groups].map((g) => this.network(g));
    }

    workload(requested: WorkloadSpec, parent: pulumi.Resource): WorkloadHandle {
        const spec = { ...requested, image: imageFrom(this.args.registry, requested.image, this.args.imageDigests) };
        const volumes = new Map((spec.volumes ?? []).filter((v) => v.persistent).map((v) => [v.name, this.volume(spec.name, v.name, parent)]));
        const networks = this.networksFor(spec);
        const service = new docker.Service(
            `${spec.name}-service`,
            workloadServiceArgs(spec, { networks, volumes, objects: this.objects, prefix: this.args.prefix }),
            { ...this.resourceOptions(parent), dependsOn: [...networks, ...volumes.values(), ...(spec.after ?? [])] },
        );
        return { address: spec.name, resources: [service] };
    }

    /** Swarm has no cron: a one-replica service runs the job under supercronic with a crontab config. */
    scheduledJob(requested: ScheduledJobSpec, parent: pulumi.Resource): WorkloadHandle {
        const spec = { ...requested, image: imageFrom(this.args.registry, requested.image, this.args.imageDigests) };
        const crontab = this.configFiles(`${spec.name}-crontab`, spec.group, { crontab: `${spec.schedule} ${spec.command.join(" ")}\n` }, parent);
        const networks = this.networksFor(spec);
        const service = new docker.Service(
            `${spec.name}-service`,
            jobServiceArgs(spec, crontab, { networks, volumes: new Map(), objects: this.objects, prefix: this.args.prefix }),
            { ...this.resourceOptions(parent), dependsOn: [...networks, ...(spec.after ?? [])] },
        );
        return { address: spec.name, resources: [service] };
    }

    /** A service whose task runs once; what lists it in `after` is created once the service is. */
    job(requested: JobSpec, parent: pulumi.Resource): WorkloadHandle {
        const spec = { ...requested, image: imageFrom(this.args.registry, requested.image, this.args.imageDigests) };
        const networks = this.networksFor(spec);
        const service = new docker.Service(
            `${spec.name}-service`,
            oneShotServiceArgs(spec, { networks, volumes: new Map(), objects: this.objects, prefix: this.args.prefix }),
            { ...this.resourceOptions(parent), dependsOn: [...networks, ...(spec.after ?? [])] },
        );
        return { address: spec.name, resources: [service] };
    }
}
