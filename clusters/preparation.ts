import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { poolScripts } from "./hosts";
import type { Machine } from "./machines";
import { runScriptCommand } from "./scripts/common";
import type { ClusterSettings } from "./settings";

/** How the stack reaches a machine: its public IP, the image's login user, the stack's private key (secret). */
export function connectionOf(machine: Machine, settings: ClusterSettings, privateKey: pulumi.Output<string>): command.types.input.remote.ConnectionArgs {
    return { host: machine.instance.ip, user: settings.sshUser, privateKey };
}

/**
 * The address cluster traffic uses: the private network when every pool is in one region, else
 * the public IP (Lambda's private networks do not span regions).
 */
export function clusterAddress(settings: ClusterSettings, machine: Machine): pulumi.Output<string> {
    const oneRegion = new Set(settings.pools.map((p) => p.region)).size === 1;
    return oneRegion ? machine.instance.privateIp : machine.instance.ip;
}

export interface PreparationArgs {
    readonly settings: ClusterSettings;
    readonly machines: readonly Machine[];
    readonly privateKey: pulumi.Output<string>;
}

/**
 * Each machine's preparation over SSH, step after step (hardening, NVIDIA on GPU nodes, Docker for
 * Swarm). A changed script runs again, which changes only what differs.
 */
export class HostPreparation extends pulumi.ComponentResource {
    /** The last step of each machine, by machine name: what joining the cluster waits for. */
    readonly ready: ReadonlyMap<string, pulumi.Resource>;

    constructor(name: string, args: PreparationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:clusters:HostPreparation", name, {}, opts);
        const { settings, machines, privateKey } = args;
        const peers = pulumi.all(machines.map((m) => clusterAddress(settings, m))).apply((ips) => [...ips].sort());
        const ready = new Map<string, pulumi.Resource>();
        for (const machine of machines) {
            let previous: pulumi.Resource = machine.instance;
            for (const [step, script] of poolScripts(settings, machine.pool)) {
                const create = step === "hardening" ? peers.apply((ips) => runScriptCommand(step, script, ips)) : runScriptCommand(step, script);
                previous = new command.remote.Command(
                    `${name}-${machine.name}-${step}`,
                    { connection: connectionOf(machine, settings, privateKey), create },
                    { parent: this, dependsOn: [previous] },
                );
            }
            ready.set(machine.name, previous);
        }
        this.ready = ready;
        this.registerOutputs({});
    }
}
