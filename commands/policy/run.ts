import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "../plan/recorder";
import type { PolicyViolation } from "../plan/planFile";
import { configProblems, PolicyPackConfig, resolveRule } from "../../policies/config";
import type { PolicyResource, Rule } from "../../policies/rule";
import { RULES } from "../../policies/rules";
import { STACK } from "../../policies/stack/disallowSecretOutputs";

/** Where each stack's policy config lives: policies/config/<stack>.json (also passed to `pulumi preview --policy-pack-config`). */
export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

/** The stack's policy config; a stack without a file gets every rule mandatory. */
export function readPolicyConfig(stack: string, dir = POLICY_CONFIG_DIR): PolicyPackConfig {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) return {};
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    const problems = configProblems(config, RULES);
    if (problems.length > 0) throw new Error(`invalid policy config ${file}:\n  ${problems.join("\n  ")}`);
    return config as PolicyPackConfig;
}

export interface EvaluationOptions {
    stack: string;
    packConfig: PolicyPackConfig;
    /** Secret values (config secrets) that must not appear in plain outputs. */
    secretValues?: readonly string[];
    rules?: readonly Rule[];
}

/** Runs every enabled rule over the resources, the way the pack does in `pulumi preview`. */
export function evaluateRules(resources: readonly PolicyResource[], options: EvaluationOptions): PolicyViolation[] {
    const violations: PolicyViolation[] = [];
    for (const rule of options.rules ?? RULES) {
        const { level, config } = resolveRule(rule, options.packConfig);
        if (level === "disabled") continue;
        const reported = level === "advisory" ? "advisory" : "mandatory";
        const context = { stack: options.stack, config, secretValues: options.secretValues };
        if (rule.kind === "resource") {
            for (const r of resources.filter((x) => rule.resourceTypes.includes(x.type))) {
                for (const message of rule.check(r, context)) violations.push({ policy: rule.id, level: reported, urn: r.urn, message });
            }
        } else {
            for (const v of rule.check(resources, context)) violations.push({ policy: rule.id, level: reported, urn: v.urn, message: v.message });
        }
    }
    return violations;
}

/** How many rules run under a policy config: every rule not disabled. */
export function enabledRuleCount(packConfig: PolicyPackConfig, rules: readonly Rule[] = RULES): number {
    return rules.filter((rule) => resolveRule(rule, packConfig).level !== "disabled").length;
}

/** A plan's resource as the pack would see it; the root stack's props are its outputs. */
export function toPolicyResource(r: RecordedResource, stackOutputs: Record<string, unknown> = {}): PolicyResource {
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: r.type === STACK ? stackOutputs : r.inputs,
        dependencies: r.dependsOn,
        propertyDependencies: r.propertyDependencies,
        parent: r.parent ?? undefined,
    };
}

export interface PolicyContext {
    stack: string;
    /** The stack's Pulumi config ("sophia:target" → "swarm"). */
    config: Record<string, string>;
    /** Config keys whose values are secret. */
    secretKeys?: readonly string[];
    /** The stack's outputs (what `pulumi stack output` shows). */
    outputs?: Record<string, unknown>;
    /** Policy config; defaults to policies/config/<stack>.json. */
    packConfig?: PolicyPackConfig;
}

/** Runs the pack's rules on a plan's resources (the offline plan and `npm run policy` both come here). */
export function runPolicies(resources: readonly RecordedResource[], context: PolicyContext): PolicyViolation[] {
    const secretValues = (context.secretKeys ?? []).map((k) => context.config[k]).filter((v): v is string => typeof v === "string");
    return evaluateRules(
        resources.map((r) => toPolicyResource(r, context.outputs)),
        { stack: context.stack, packConfig: context.packConfig ?? readPolicyConfig(context.stack), secretValues },
    );
}
