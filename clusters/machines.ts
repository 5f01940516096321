import * as pulumi from "@pulumi/pulumi";
import type { FirewallRule } from "./lambda/provider";
import { LambdaApi, LambdaFirewallRules, LambdaMachine, LambdaSshKey } from "./lambda/resources";
import { PUBLIC_PORTS } from "./hosts";
import { K3S_ADMIN_PORTS, K3S_PEER_PORTS } from "./scripts/k3s";
import { SWARM_PEER_PORTS } from "./scripts/swarm";
import type { ClusterSettings, Pool } from "./settings";

/** One machine of a pool: <stack>-<pool>-<index> in the Lambda console. */
export interface Machine {
    readonly name: string;
    readonly pool: Pool;
    readonly index: number;
    readonly instance: LambdaMachine;
}

/** Machine names in pool order; the first machine of the first control-plane pool leads the cluster. */
export function machineNames(settings: ClusterSettings): { name: string; pool: Pool; index: number }[] {
    return settings.pools.flatMap((pool) =>
        Array.from({ length: pool.count }, (_, index) => ({ name: `${settings.environment}-${pool.name}-${index}`, pool, index })),
    );
}

const rangeOf = (port: string): [number, number] => {
    const [from, to] = port.split(":").map(Number);
    return [from, to ?? from];
};

/**
 * The stack's share of the account's firewall: SSH (and the K3s API) from the admin ranges, the
 * edge to everyone, the cluster's ports between its own machines. Descriptions carry the owner.
 */
export function firewallRules(settings: ClusterSettings, peers: readonly string[]): FirewallRule[] {
    const owner = firewallOwner(settings);
    const k3s = settings.orchestrator === "k3s";
    const rule = (proto: "tcp" | "udp", port: string, source: string, why: string): FirewallRule => ({
        protocol: proto,
        port_range: rangeOf(port),
        source_network: source,
        description: `${owner}: ${why}`,
    });
    const admin = settings.allowedSshCidrs.flatMap((c) => [
        rule("tcp", "22", c, "SSH"),
        ...(k3s ? K3S_ADMIN_PORTS : []).map((p) => rule(p.proto, p.port, c, "K3s API")),
    ]);
    const open = PUBLIC_PORTS.map((p) => rule(p.proto, p.port, "0.0.0.0/0", "edge"));
    const peerPorts = k3s ? K3S_PEER_PORTS : SWARM_PEER_PORTS;
    const cluster = [...peers].sort().flatMap((ip) => peerPorts.map((p) => rule(p.proto, p.port, `${ip}/32`, `cluster ${p.port}/${p.proto}`)));
    return [...admin, ...open, ...cluster];
}

export const firewallOwner = (settings: ClusterSettings): string => `sophia-${settings.environment}`;

export interface MachinesArgs {
    readonly settings: ClusterSettings;
    readonly api: LambdaApi;
}

/** The SSH key, every pool's machines and the firewall rules between them. */
export class Machines extends pulumi.ComponentResource {
    readonly machines: readonly Machine[];
    readonly sshKey: LambdaSshKey;

    constructor(name: string, args: MachinesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:clusters:Machines", name, {}, opts);
        const { settings, api } = args;
        this.sshKey = new LambdaSshKey(`${name}-ssh-key`, { api, name: settings.sshKeyName, publicKey: settings.sshPublicKey }, { parent: this });
        this.machines = machineNames(settings).map((m): Machine => ({
            ...m,
            instance: new LambdaMachine(
                `${name}-${m.name}`,
                { api, name: m.name, instanceType: m.pool.instanceType, region: m.pool.region, sshKeyName: this.sshKey.name },
                { parent: this },
            ),
        }));
        const peers = pulumi.all(this.machines.map((m) => m.instance.ip));
        new LambdaFirewallRules(
            `${name}-firewall`,
            { api, owner: firewallOwner(settings), rules: peers.apply((ips) => firewallRules(settings, ips)) },
            { parent: this },
        );
        this.registerOutputs({ machines: Object.fromEntries(this.machines.map((m) => [m.name, m.instance.ip])) });
    }
}
