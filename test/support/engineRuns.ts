/**
 * A plan as the engine would send it to the policy pack, in three modes: as planned; as the first
 * preview of a new stack, where values the providers compute are unknown; and with violations
 * planted into that preview. Each run also has the offline runner's view of the same values (what
 * the recorder would have written: secrets and unknowns as markers), so the two can be compared.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import type { PolicyViolation } from "../../commands/plan/planFile";
import type { PlanFile } from "../../commands/plan/planFile";
import { computedOutputs, RecordedResource, redactSerialized, SECRET_MARKER, UNKNOWN_MARKER } from "../../commands/plan/recorder";
import { readPolicyConfig, runPolicies } from "../../commands/policy/run";
import type { EngineResource, StackRun } from "./engine";

export const STACK_TYPE = "pulumi:pulumi:Stack";
/** The plaintext a secret input of the plan stands for (the plan never held the real one). */
const SECRET_STAND_IN = "secret value the plan redacted";

type Wire = unknown;
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

/** A plan value in the SDK's wire form: "[secret]" a secret around a stand-in, "[unknown]" the unknown sentinel. */
export function toWire(value: unknown): Wire {
    if (value === SECRET_MARKER) return secret(SECRET_STAND_IN);
    if (value === UNKNOWN_MARKER) return rpc.unknownValue;
    if (Array.isArray(value)) return value.map(toWire);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
    return value;
}

/** Every string leaf holding one of `computed` becomes unknown, as a preview sees a value built from an output not yet known. */
export function unknownWhere(value: Wire, computed: readonly string[]): Wire {
    if (typeof value === "string") return computed.some((c) => value.includes(c)) ? rpc.unknownValue : value;
    if (Array.isArray(value)) return value.map((v) => unknownWhere(v, computed));
    if (value && typeof value === "object") {
        const v = value as Record<string, unknown>;
        if (v[rpc.specialSigKey] !== undefined) return value;
        return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, unknownWhere(inner, computed)]));
    }
    return value;
}

/**
 * The values the mock computes, which a first preview cannot know: every custom resource's id, and
 * the outputs the recorder's mock adds (AWS ARNs, a generated password).
 */
export function computedValues(resources: readonly RecordedResource[]): string[] {
    return resources.filter((r) => r.custom).flatMap((r) => [`${r.name}-id`, ...Object.values(computedOutputs(r))]);
}

/** A plan's resources in wire form; `preview` makes the computed values unknown. The stack's props are its outputs. */
export function engineResources(plan: PlanFile, preview: boolean): EngineResource[] {
    const computed = preview ? computedValues(plan.resources) : [];
    const wire = (value: unknown) => (preview ? unknownWhere(toWire(value), computed) : toWire(value)) as Record<string, unknown>;
    return plan.resources.map((r) => {
        const inputs = r.type === STACK_TYPE ? {} : wire(r.inputs);
        const computedOut = r.custom ? Object.fromEntries(Object.entries(computedOutputs(r)).map(([k, v]) => [k, preview ? rpc.unknownValue : v])) : {};
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? undefined,
            dependencies: r.dependsOn,
            propertyDependencies: r.propertyDependencies ?? {},
            inputs,
            outputs: r.type === STACK_TYPE ? wire(plan.outputs) : { ...inputs, ...computedOut },
        };
    });
}

/** The stack's secret config, with stand-in values: the keys the plan filled with placeholders. */
export function secretConfig(plan: PlanFile): Record<string, string> {
    return Object.fromEntries(plan.summary.placeholders.map((key) => [key, `stand-in secret config for ${key}`]));
}

export function stackRun(plan: PlanFile, resources: EngineResource[]): StackRun {
    const config = { ...secretConfig(plan), "sophia:target": plan.target };
    return {
        stack: plan.stack,
        project: plan.project,
        config,
        secretKeys: plan.summary.placeholders,
        packConfig: readPolicyConfig(plan.stack),
        resources,
    };
}

/** What the offline runner reports for the same run: the values as the recorder writes them, through the same rules. */
export function runnerViolations(run: StackRun): PolicyViolation[] {
    const recorded: RecordedResource[] = run.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        custom: r.type !== STACK_TYPE,
        inputs: redactSerialized(r.inputs) as Record<string, unknown>,
        dependsOn: [...r.dependencies],
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, [...v]])),
    }));
    const stack = run.resources.find((r) => r.type === STACK_TYPE);
    const outputs = redactSerialized(stack?.outputs ?? {}) as Record<string, unknown>;
    return runPolicies(recorded, { stack: run.stack, config: run.config, secretKeys: run.secretKeys, outputs });
}

/** Violations in a stable order, one line each, for comparing. */
export const lines = (violations: readonly PolicyViolation[]): string[] => violations.map((v) => `${v.level} ${v.policy} ${v.urn}: ${v.message}`).sort();
