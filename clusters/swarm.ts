import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { isControlPlane, nodeLabels } from "./hosts";
import type { Machine } from "./machines";
import { clusterAddress, connectionOf } from "./preparation";
import { runScriptCommand } from "./scripts/common";
import { renderSwarmInit, renderSwarmJoin, renderSwarmLabels } from "./scripts/swarm";
import type { ClusterSettings } from "./settings";

export interface ClusterArgs {
    readonly settings: ClusterSettings;
    readonly machines: readonly Machine[];
    readonly privateKey: pulumi.Output<string>;
    /** Each machine's last preparation step, by name. */
    readonly ready: ReadonlyMap<string, pulumi.Resource>;
}

/** The machine that starts the cluster: the first of the first control-plane pool. */
export function leaderOf(settings: ClusterSettings, machines: readonly Machine[]): Machine {
    const leader = machines.find((m) => isControlPlane(settings, m.pool));
    if (!leader) throw new Error("the cluster has no control-plane machine");
    return leader;
}

/** Reads a value over SSH as a secret: the command's output never appears in state in the clear. */
function secretRead(
    name: string,
    connection: command.types.input.remote.ConnectionArgs,
    create: string,
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
    const read = new command.remote.Command(name, { connection, create }, { ...opts, additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(read.stdout.apply((s) => (s ?? "").trim()));
}

/**
 * Docker Swarm: init on the leader, managers and workers joining with their tokens (secrets, read
 * over SSH and passed on standard input), and the node labels (gpu, tier, pool) the platform places by.
 */
export class SwarmCluster extends pulumi.ComponentResource {
    /** The platform's sophia:dockerHost: the leader's engine over SSH. */
    readonly dockerHost: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:clusters:SwarmCluster", name, {}, opts);
        const { settings, machines, privateKey, ready } = args;
        const leader = leaderOf(settings, machines);
        const leaderConnection = connectionOf(leader, settings, privateKey);
        const leaderAddress = clusterAddress(settings, leader);
        const init = new command.remote.Command(
            `${name}-init`,
            { connection: leaderConnection, create: leaderAddress.apply((a) => runScriptCommand("swarm-init", renderSwarmInit(), [a])) },
            { parent: this, dependsOn: [ready.get(leader.name)!] },
        );
        const token = (role: "manager" | "worker") =>
            secretRead(`${name}-${role}-token`, leaderConnection, `sudo docker swarm join-token -q ${role}`, { parent: this, dependsOn: [init] });
        const tokens = { manager: token("manager"), worker: token("worker") };
        const labelled: pulumi.Resource[] = [];
        // Managers join one at a time: each join changes Raft's membership, which takes one change at a time.
        let previousManager: pulumi.Resource = init;
        for (const machine of machines) {
            const connection = connectionOf(machine, settings, privateKey);
            let member: pulumi.Resource = init;
            if (machine !== leader) {
                const role = isControlPlane(settings, machine.pool) ? "manager" : "worker";
                const after = role === "manager" ? [previousManager] : [init];
                member = new command.remote.Command(
                    `${name}-${machine.name}-join`,
                    {
                        connection,
                        create: pulumi
                            .all([clusterAddress(settings, machine), leaderAddress])
                            .apply(([own, lead]) => runScriptCommand("swarm-join", renderSwarmJoin(), [own, lead])),
                        stdin: tokens[role],
                    },
                    { parent: this, dependsOn: [ready.get(machine.name)!, ...after] },
                );
                if (role === "manager") previousManager = member;
            }
            const nodeId = new command.remote.Command(
                `${name}-${machine.name}-node-id`,
                { connection, create: "sudo docker info --format '{{.Swarm.NodeID}}'" },
                { parent: this, dependsOn: [member] },
            );
            const labels = Object.entries(nodeLabels(machine.pool)).map(([k, v]) => `${k}=${v}`);
            labelled.push(
                new command.remote.Command(
                    `${name}-${machine.name}-labels`,
                    {
                        connection: leaderConnection,
                        create: nodeId.stdout.apply((id) => runScriptCommand("swarm-labels", renderSwarmLabels(), [(id ?? "").trim(), ...labels])),
                    },
                    { parent: this },
                ),
            );
        }
        this.dockerHost = pulumi.interpolate`ssh://${settings.sshUser}@${leader.instance.ip}`;
        this.registerOutputs({ dockerHost: this.dockerHost });
    }
}
