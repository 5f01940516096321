import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { isControlPlane, k3sScript } from "./hosts";
import { clusterAddress, connectionOf } from "./preparation";
import { runScriptCommand } from "./scripts/common";
import { K3S_KUBECONFIG, renderK3sGpuAddons } from "./scripts/k3s";
import { ClusterArgs, leaderOf } from "./swarm";

/** The kubeconfig K3s writes points at 127.0.0.1; the platform reaches the leader's public address. */
export function publicKubeconfig(kubeconfig: string, address: string): string {
    return kubeconfig.replace(/https:\/\/127\.0\.0\.1:6443/g, `https://${address}:6443`);
}

/**
 * K3s: the leader starts embedded etcd when no cluster answers at the registration address, every
 * other server (one at a time) and agent joins through that address; all at the
 * pinned release, with a generated cluster token (secret, on standard input). GPU nodes get the
 * NVIDIA runtime class and device plugin. The kubeconfig is a secret output.
 */
export class K3sCluster extends pulumi.ComponentResource {
    readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:clusters:K3sCluster", name, {}, opts);
        const { settings, machines, privateKey, ready } = args;
        // Secret in any case: the stdin of every install carries it.
        const token = pulumi.secret(new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this }).result);
        const leader = leaderOf(settings, machines);
        const install = (machine: (typeof machines)[number], first: boolean, after: pulumi.Resource[]) =>
            new command.remote.Command(
                `${name}-${machine.name}-k3s`,
                {
                    connection: connectionOf(machine, settings, privateKey),
                    create: pulumi
                        .all([clusterAddress(settings, machine), machine.instance.ip])
                        .apply(([own, publicIp]) =>
                            runScriptCommand(
                                first ? "k3s-first-server" : `k3s-${isControlPlane(settings, machine.pool) ? "server" : "agent"}`,
                                k3sScript(settings, machine.pool, first),
                                [own, publicIp],
                            ),
                        ),
                    stdin: token,
                },
                { parent: this, dependsOn: [ready.get(machine.name)!, ...after] },
            );
        const first = install(leader, true, []);
        // Servers join one at a time: etcd adds one member per change.
        let previousServer: pulumi.Resource = first;
        for (const machine of machines.filter((m) => m !== leader)) {
            const joined = install(machine, false, [previousServer]);
            if (isControlPlane(settings, machine.pool)) previousServer = joined;
        }
        const leaderConnection = connectionOf(leader, settings, privateKey);
        if (settings.pools.some((p) => p.gpu && p.count > 0)) {
            new command.remote.Command(
                `${name}-gpu-addons`,
                { connection: leaderConnection, create: runScriptCommand("k3s-gpu-addons", renderK3sGpuAddons()) },
                { parent: this, dependsOn: [first] },
            );
        }
        const read = new command.remote.Command(
            `${name}-kubeconfig`,
            { connection: leaderConnection, create: `sudo cat ${K3S_KUBECONFIG}` },
            { parent: this, dependsOn: [first], additionalSecretOutputs: ["stdout"] },
        );
        this.kubeconfig = pulumi.secret(pulumi.all([read.stdout, leader.instance.ip]).apply(([text, ip]) => publicKubeconfig(text ?? "", ip)));
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
