import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "./policies";

export interface AccessUserArgs {
    /** The IAM user whose access key ESC rotates, and the group that holds its grant. */
    readonly user: string;
    readonly group: string;
    readonly description: string;
    readonly policy: pulumi.Input<PolicyDocument>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * A job's IAM identity: a user whose key ESC rotates, in a group that holds the one grant. The grant
 * goes to the group, never to the user: rotating or replacing the user (or adding a second one
 * during a key rotation) never touches what the job may do. Resources are `<name>-<part>`,
 * `<name>-<part>-policy`, `<name>-<part>s`, `-attachment` and `-membership`.
 */
export function createAccessUser(name: string, part: string, args: AccessUserArgs, opts: pulumi.CustomResourceOptions): iam.User {
    const user = new iam.User(`${name}-${part}`, { name: args.user, path: "/sophia/", tags: { ...args.tags, "sophia.ai/rotated-by": "esc" } }, opts);
    const grant = new iam.Policy(
        `${name}-${part}-policy`,
        {
            name: args.user,
            path: "/sophia/",
            description: args.description,
            policy: pulumi.output(args.policy).apply((d) => JSON.stringify(d)),
            tags: { ...args.tags },
        },
        opts,
    );
    const group = new iam.Group(`${name}-${part}s`, { name: args.group, path: "/sophia/" }, opts);
    new iam.GroupPolicyAttachment(`${name}-${part}-attachment`, { group: group.name, policyArn: grant.arn }, opts);
    new iam.UserGroupMembership(`${name}-${part}-membership`, { user: user.name, groups: [group.name] }, opts);
    return user;
}
