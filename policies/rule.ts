/**
 * The shape every rule of the pack takes. Rules are plain functions over resources as Pulumi hands
 * them to a policy pack (type, URN, name, input properties), so the same rule runs in
 * `pulumi preview --policy-pack policies`, in the offline plan, and in the tests.
 */

export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

export interface PolicyResource {
    readonly type: string;
    readonly urn: string;
    readonly name: string;
    /** Input properties; secret values appear as "[secret]" offline. */
    readonly props: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RuleContext {
    readonly stack: string;
    /** The rule's own config (policy config per stack), merged over the pack's defaults. */
    readonly config: Readonly<Record<string, unknown>>;
}

interface RuleMetadata {
    /** Verb-first, kebab-case: "disallow-privileged", "enforce-read-only-root-fs". */
    readonly id: string;
    readonly description: string;
    /** Why the rule exists, for the policy reference. */
    readonly rationale: string;
    /** What to change to comply. */
    readonly remediation: string;
    readonly severity: "low" | "medium" | "high" | "critical";
    readonly topics: readonly string[];
}

/** A rule over one resource: the messages of each violation, or none. */
export interface ResourceRule extends RuleMetadata {
    readonly kind: "resource";
    /** Resource type tokens the rule applies to. */
    readonly resourceTypes: readonly string[];
    check(resource: PolicyResource, context: RuleContext): string[];
}

/** A rule over the whole stack: violations with the URN they concern. */
export interface StackRule extends RuleMetadata {
    readonly kind: "stack";
    check(resources: readonly PolicyResource[], context: RuleContext): { urn: string; message: string }[];
}

export type Rule = ResourceRule | StackRule;
