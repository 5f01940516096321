/**
 * The shape every rule of the pack takes. Rules are plain functions over resources as Pulumi hands
 * them to a policy pack (type, URN, name, input properties), so the same rule runs in
 * `pulumi preview --policy-pack policies`, in the offline plan, and in the tests.
 */

export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

/** How a secret value appears in `props`, offline and in the pack alike: its plaintext never reaches a rule's inputs. */
export const SECRET = "[secret]";
/** How a value appears that cannot be known yet (a first preview: ids, ARNs, generated passwords). */
export const UNKNOWN = "[unknown]";

export interface PolicyResource {
    readonly type: string;
    readonly urn: string;
    readonly name: string;
    /** Input properties; secret values appear as SECRET ("[secret]"), values unknown in a preview as UNKNOWN ("[unknown]"). */
    readonly props: Readonly<Record<string, unknown>>;
    /** URNs this resource depends on, per input property ("bucket" → the bucket's URN); stack rules link resources by it. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** URNs of every dependency. */
    readonly dependencies?: readonly string[];
    /** URN of the parent (a component), when there is one. */
    readonly parent?: string;
}

export interface RuleContext {
    readonly stack: string;
    /** The rule's own config (policy config per stack), merged over the pack's defaults. */
    readonly config: Readonly<Record<string, unknown>>;
    /** Plaintext of the values known to be secret (secret config, secret inputs the engine sent); a stack rule checks none leaks into plain outputs. */
    readonly secretValues?: readonly string[];
}

/** JSON schema of one config property, as `configSchema` of a Pulumi policy declares it. */
export interface ConfigProperty {
    readonly type: "string" | "number" | "boolean" | "array" | "object";
    readonly description: string;
    readonly items?: { readonly type: string };
    readonly default: unknown;
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
    /** Settings the rule reads from policy config, with their defaults (policies/config/<stack>.json). */
    readonly configSchema?: Readonly<Record<string, ConfigProperty>>;
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
