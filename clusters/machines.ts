import * as pulumi from "@pulumi/pulumi";
import type { FirewallRule } from "./lambda/rulesets";
import { LambdaApi, LambdaFirewallRuleset, LambdaFirewallRulesetRules, LambdaMachine, LambdaSshKey } from "./lambda/resources";
import { PUBLIC_PORTS } from "./hosts";
import { K3S_ADMIN_PORTS } from "./scripts/k3s";
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
 * What every machine of the stack accepts from launch on: SSH (and the K3s API) from the admin
 * ranges, the edge from everyone.
 */
export function initialRules(settings: ClusterSettings): FirewallRule[] {
    const k3s = settings.orchestrator === "k3s";
    const rule = (protocol: "tcp" | "udp", port: string, source: string, why: string): FirewallRule => ({
        protocol,
        port_range: rangeOf(port),
        source_network: source,
        description: why,
    });
    const admin = settings.allowedSshCidrs.flatMap((c) => [
        rule("tcp", "22", c, "SSH from the admin ranges"),
        ...(k3s ? K3S_ADMIN_PORTS : []).map((p) => rule(p.proto, p.port, c, "K3s API from the admin ranges")),
    ]);
    const open = PUBLIC_PORTS.map((p) => rule(p.proto, p.port, "0.0.0.0/0", "edge"));
    return [...admin, ...open];
}

/**
 * The initial rules plus everything from the cluster's own machines. Every protocol ("all"), since
 * a ruleset can otherwise name only tcp, udp and icmp and the nodes need more between them (ESP, IP
 * protocol 50, for Swarm's encrypted overlay); each host's own firewall narrows it to the ports.
 */
export function firewallRules(settings: ClusterSettings, peers: readonly string[]): FirewallRule[] {
    const cluster = [...new Set(peers)].sort().map((ip): FirewallRule => ({ protocol: "all", source_network: `${ip}/32`, description: "cluster peer" }));
    return [...initialRules(settings), ...cluster];
}

/** The stack's ruleset of a region: sophia-<environment>-<region>, which says whose it is in the console. */
export const rulesetName = (settings: ClusterSettings, region: string): string => `sophia-${settings.environment}-${region}`;

/** Tags that mark a machine as this stack's: a create adopts an instance carrying them instead of launching another. */
export const machineTags = (settings: ClusterSettings, machine: string): Record<string, string> => ({
    "sophia-clusters:stack": settings.stack,
    "sophia-clusters:machine": machine,
});

/** The regions of the pools that have machines, each once. */
export const poolRegions = (settings: ClusterSettings): string[] => [...new Set(settings.pools.filter((p) => p.count > 0).map((p) => p.region))].sort();

export interface MachinesArgs {
    readonly settings: ClusterSettings;
    readonly api: LambdaApi;
}

/** The SSH key, a firewall ruleset per region, every pool's machines (carrying their region's ruleset) and the ruleset's rules. */
export class Machines extends pulumi.ComponentResource {
    readonly machines: readonly Machine[];
    readonly sshKey: LambdaSshKey;
    readonly rulesets: ReadonlyMap<string, LambdaFirewallRuleset>;

    constructor(name: string, args: MachinesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:clusters:Machines", name, {}, opts);
        const { settings, api } = args;
        this.sshKey = new LambdaSshKey(`${name}-ssh-key`, { api, name: settings.sshKeyName, publicKey: settings.sshPublicKey }, { parent: this });
        const rulesets = new Map<string, LambdaFirewallRuleset>();
        for (const region of poolRegions(settings)) {
            rulesets.set(
                region,
                new LambdaFirewallRuleset(
                    `${name}-ruleset-${region}`,
                    { api, name: rulesetName(settings, region), region, initialRules: initialRules(settings) },
                    { parent: this },
                ),
            );
        }
        this.rulesets = rulesets;
        this.machines = machineNames(settings).map((m): Machine => ({
            ...m,
            instance: new LambdaMachine(
                `${name}-${m.name}`,
                {
                    api,
                    name: m.name,
                    tags: machineTags(settings, m.name),
                    firewallRulesetIds: [rulesets.get(m.pool.region)!.id],
                    instanceType: m.pool.instanceType,
                    region: m.pool.region,
                    sshKeyName: this.sshKey.name,
                },
                { parent: this },
            ),
        }));
        const peers = pulumi.all(this.machines.map((m) => m.instance.ip));
        for (const [region, ruleset] of rulesets) {
            new LambdaFirewallRulesetRules(
                `${name}-ruleset-${region}-rules`,
                { api, rulesetId: ruleset.id, rules: peers.apply((ips) => firewallRules(settings, ips)) },
                { parent: this },
            );
        }
        this.registerOutputs({ machines: Object.fromEntries(this.machines.map((m) => [m.name, m.instance.ip])) });
    }
}
