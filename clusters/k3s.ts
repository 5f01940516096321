import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { isControlPlane, k3sScript } from "./hosts";
import { clusterAddress, connectionOf } from "./preparation";
import { runScriptCommand } from "./scripts/common";
import { renderK3sGpuAddons } from "./scripts/k3s";
import { renderK3sDeployer } from "./scripts/k3sDeployer";
import { ClusterArgs, leaderOf } from "./swarm";

/**
 * K3s: the leader starts embedded etcd when no cluster answers at the registration address, every
 * other server (one at a time) and agent joins through that address; all at the
 * pinned release, with a generated cluster token (secret, on standard input). GPU nodes get the
 * NVIDIA runtime class and device plugin. The kubeconfig is the platform deployer's (a
 * ServiceAccount token, scoped and revocable), through the registration address; a secret output.
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
        // Rotation: delete the token Secret, then replace this command (clusters-runbook.md).
        const deployer = new command.remote.Command(
            `${name}-kubeconfig`,
            {
                connection: leaderConnection,
                create: runScriptCommand("k3s-deployer", renderK3sDeployer({ registrationAddress: settings.k3sRegistrationAddress! })),
            },
            { parent: this, dependsOn: [first], additionalSecretOutputs: ["stdout"] },
        );
        this.kubeconfig = pulumi.secret(deployer.stdout);
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
