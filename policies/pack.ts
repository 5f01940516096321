import type {
    PolicyResource as PackResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { ruleDefaults } from "./config";
import { engineProps, secretConfig } from "./engine";
import type { ConfigProperty, PolicyResource, ResourceRule, Rule, RuleContext, StackRule } from "./rule";

/** Rules never branch on the stack's name (stack differences are policy config); the pack does not know it. */
const PACK_STACK = "";

function context(rule: Rule, args: { getConfig<T extends object>(): T }, secretValues: readonly string[] = []): RuleContext {
    return { stack: PACK_STACK, config: { ...ruleDefaults(rule), ...args.getConfig<Record<string, unknown>>() }, secretValues };
}

const configSchema = (schema: Readonly<Record<string, ConfigProperty>> | undefined) =>
    schema ? { properties: Object.fromEntries(Object.entries(schema).map(([k, p]) => [k, { ...p } as never])) } : undefined;

const metadata = (rule: Rule) => ({
    name: rule.id,
    description: rule.description,
    severity: rule.severity,
    tags: [...rule.topics],
    remediationSteps: rule.remediation,
    configSchema: configSchema(rule.configSchema),
});

/**
 * A resource as the engine hands it to a stack validation, in the rules' shape: secrets as SECRET
 * (their plaintext added to `secrets`), unknown values as UNKNOWN, relationships by URN.
 */
export function fromPackResource(r: PackResource, secrets: string[] = []): PolicyResource {
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: engineProps(r.urn, r.props, secrets),
        dependencies: (r.dependencies ?? []).map((d) => d.urn),
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
        parent: r.parent?.urn,
    };
}

export function toResourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
    return {
        ...metadata(rule),
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (!rule.resourceTypes.includes(args.type)) return;
            const resource: PolicyResource = { type: args.type, urn: args.urn, name: args.name, props: engineProps(args.urn, args.props) };
            for (const message of rule.check(resource, context(rule, args))) reportViolation(message);
        },
    };
}

export function toStackPolicy(rule: StackRule): StackValidationPolicy {
    return {
        ...metadata(rule),
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            // Secret config, then the plaintext of every secret value inside the resources.
            const secrets = secretConfig();
            const resources = args.resources.map((r) => fromPackResource(r, secrets));
            for (const v of rule.check(resources, context(rule, args, secrets))) reportViolation(v.message, v.urn);
        },
    };
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
    return rule.kind === "resource" ? toResourcePolicy(rule) : toStackPolicy(rule);
}
