import type { EnforcementLevel, Rule } from "./rule";

/**
 * Policy config in the format of `pulumi preview --policy-pack-config <file>`: "all" sets every
 * policy's level; a policy's own entry is a level or { enforcementLevel, ...settings }.
 * policies/config/<stack>.json holds one per stack, read by the CI preview and the offline runner.
 */
export type PolicyPackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

/** Without a config file every rule blocks: a stack must opt into leniency, not into safety. */
export const DEFAULT_LEVEL: EnforcementLevel = "mandatory";

export interface ResolvedRule {
    readonly level: EnforcementLevel;
    /** The rule's settings: its schema defaults, overridden by the config file. */
    readonly config: Record<string, unknown>;
}

export function ruleDefaults(rule: Rule): Record<string, unknown> {
    return Object.fromEntries(Object.entries(rule.configSchema ?? {}).map(([key, p]) => [key, p.default]));
}

export function resolveRule(rule: Rule, config: PolicyPackConfig): ResolvedRule {
    const entry = config[rule.id];
    const all = typeof config.all === "string" ? config.all : undefined;
    if (typeof entry === "string") return { level: entry, config: ruleDefaults(rule) };
    const { enforcementLevel, ...settings } = entry ?? {};
    return { level: enforcementLevel ?? all ?? DEFAULT_LEVEL, config: { ...ruleDefaults(rule), ...settings } };
}

const LEVELS = new Set(["advisory", "mandatory", "remediate", "disabled"]);

/** Problems of a config file against the rules: unknown policies, levels or settings. */
export function configProblems(config: unknown, rules: readonly Rule[]): string[] {
    if (!config || typeof config !== "object" || Array.isArray(config)) return ["expected an object of policy ids"];
    const byId = new Map(rules.map((r) => [r.id, r]));
    return Object.entries(config as Record<string, unknown>).flatMap(([key, value]) => entryProblems(key, value, byId.get(key)));
}

/** Problems of one entry: "all", or a policy's level or settings. */
function entryProblems(key: string, value: unknown, rule: Rule | undefined): string[] {
    if (key === "all") return LEVELS.has(String(value)) ? [] : [`all: unknown enforcement level ${JSON.stringify(value)}`];
    if (!rule) return [`${key}: no such policy`];
    if (typeof value === "string") return LEVELS.has(value) ? [] : [`${key}: unknown enforcement level ${JSON.stringify(value)}`];
    if (!value || typeof value !== "object") return [`${key}: expected a level or an object`];
    return Object.entries(value as Record<string, unknown>).flatMap(([setting, v]) => settingProblems(key, rule, setting, v));
}

function settingProblems(key: string, rule: Rule, setting: string, v: unknown): string[] {
    if (setting === "enforcementLevel") return LEVELS.has(String(v)) ? [] : [`${key}.enforcementLevel: unknown level ${JSON.stringify(v)}`];
    const property = rule.configSchema?.[setting];
    if (!property) return [`${key}.${setting}: the policy has no such setting`];
    return property.type === "array" && !Array.isArray(v) ? [`${key}.${setting}: expected an array`] : [];
}
