import * as pulumi from "@pulumi/pulumi";
import { FirewallRule, firewallProvider, machineProvider, sshKeyProvider } from "./provider";

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
    readonly instanceType: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly sshKeyName: pulumi.Input<string>;
    readonly fileSystemNames?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A Lambda Cloud instance, active with a public IP once created. */
export class LambdaMachine extends pulumi.dynamic.Resource {
    declare readonly ip: pulumi.Output<string>;
    declare readonly privateIp: pulumi.Output<string>;
    declare readonly hostname: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: LambdaMachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            machineProvider,
            name,
            {
                ...args.api,
                name: args.name,
                instanceType: args.instanceType,
                region: args.region,
                sshKeyName: args.sshKeyName,
                fileSystemNames: args.fileSystemNames ?? [],
                // GPU machines can take several minutes to boot.
                bootTimeoutSeconds: 1200,
                pollSeconds: 10,
                ip: undefined,
                privateIp: undefined,
                hostname: undefined,
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

/** This stack's inbound rules in the account's firewall, beside the rules of every other stack. */
export class LambdaFirewallRules extends pulumi.dynamic.Resource {
    constructor(name: string, args: { api: LambdaApi; owner: string; rules: pulumi.Input<FirewallRule[]> }, opts?: pulumi.CustomResourceOptions) {
        super(firewallProvider, name, { ...args.api, owner: args.owner, rules: args.rules }, sealed(opts));
    }
}
