import * as pulumi from "@pulumi/pulumi";
import { machineProvider, sshKeyProvider } from "./provider";
import { FirewallRule, rulesetProvider, rulesetRulesProvider } from "./rulesets";

/** How every Lambda resource reaches the API; the key is a secret (from ESC) and stays one in state. */
export interface LambdaApi {
    readonly apiUrl: pulumi.Input<string>;
    readonly apiKey: pulumi.Input<string>;
}

/** The key is an input of every resource (delete needs it) and never a readable output. */
const sealed = (opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions => ({
    ...opts,
    additionalSecretOutputs: ["apiKey"],
});

export interface LambdaMachineArgs {
    readonly api: LambdaApi;
    /** Display name in the Lambda console: <stack>-<pool>-<n>. */
    readonly name: pulumi.Input<string>;
    /** Identifies the instance as this resource's: a create adopts an instance carrying all of them. */
    readonly tags: Record<string, string>;
    /** The rulesets it carries from launch: the stack's ruleset of its region. */
    readonly firewallRulesetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly instanceType: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly sshKeyName: pulumi.Input<string>;
    readonly fileSystemNames?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A Lambda Cloud instance, active with a public IP once created. */
export class LambdaMachine extends pulumi.dynamic.Resource {
    declare readonly ip: pulumi.Output<string>;
    declare readonly privateIp: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: LambdaMachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            machineProvider,
            name,
            {
                ...args.api,
                name: args.name,
                hostname: args.name,
                tags: args.tags,
                firewallRulesetIds: args.firewallRulesetIds,
                instanceType: args.instanceType,
                region: args.region,
                sshKeyName: args.sshKeyName,
                fileSystemNames: args.fileSystemNames ?? [],
                // GPU machines can take several minutes to boot.
                bootTimeoutSeconds: 1200,
                pollSeconds: 10,
                ip: undefined,
                privateIp: undefined,
                status: undefined,
            },
            sealed(opts),
        );
    }
}

/** An SSH key of the Lambda account: machines launch with it. */
export class LambdaSshKey extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: { api: LambdaApi; name: pulumi.Input<string>; publicKey: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(sshKeyProvider, name, { ...args.api, name: args.name, publicKey: args.publicKey }, sealed(opts));
    }
}

/** The stack's firewall ruleset of one region: its machines carry it from launch. */
export class LambdaFirewallRuleset extends pulumi.dynamic.Resource {
    constructor(name: string, args: { api: LambdaApi; name: string; region: string; initialRules: FirewallRule[] }, opts?: pulumi.CustomResourceOptions) {
        super(
            rulesetProvider,
            name,
            // Terminated instances let go of the ruleset within minutes; a delete waits that long.
            { ...args.api, name: args.name, region: args.region, initialRules: args.initialRules, releaseTimeoutSeconds: 900, pollSeconds: 10 },
            sealed(opts),
        );
    }
}

/** The rules of a ruleset, written once its machines have addresses (their peers' rules need them). */
export class LambdaFirewallRulesetRules extends pulumi.dynamic.Resource {
    constructor(
        name: string,
        args: { api: LambdaApi; rulesetId: pulumi.Input<string>; rules: pulumi.Input<FirewallRule[]> },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(rulesetRulesProvider, name, { ...args.api, rulesetId: args.rulesetId, rules: args.rules }, sealed(opts));
    }
}
