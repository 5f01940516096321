import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { contributedArtifacts } from "../../components/artifacts";
import { enabledRuleCount, readPolicyConfig, runPolicies } from "../policy/run";
import { redactPlainSecrets } from "../../policies/stack/disallowSecretOutputs";
import { loadCatalog } from "../../catalog";
import { replaceDirectory } from "../files";
import { InvalidInputError } from "../../stacks/problems";
import { platformSecretConsumers, secretInventory } from "../../stacks/secrets";
import { loadStackSettings } from "../../stacks/settings";
import { DEFAULT_ENVIRONMENT_PROJECT, environmentLayout, providedConfigKeys } from "../../esc/environments";
import { platformSecretNeeds } from "../../esc/needs";
import { evaluateProgram, Evaluation } from "./evaluate";
import { kubernetesManifests, manifestYaml, SchemaResult, validateManifests } from "./manifests";
import type { PlanFile } from "./planFile";
import { readStackConfig, StackConfig } from "./stackConfig";
import { summarize } from "./summary";
import { nodePoolsSummary } from "./nodePools";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface PlanOptions {
    stack: string;
    /** Output root; the plan writes <out>/<stack>/. */
    out: string;
    projectDir?: string;
    /** Plan another catalog file instead of the project's. */
    catalog?: string;
    log?: (line: string) => void;
}

export type PlanResult =
    | { status: "invalid-input"; error: InvalidInputError; registered: number }
    | { status: "planned"; plan: PlanFile; dir: string; schema: SchemaResult[]; timings: PlanTimings };

/** Where a plan's time went: evaluating the program, and everything (checks and files) in all. */
export interface PlanTimings {
    readonly evaluateMs: number;
    readonly totalMs: number;
}

/**
 * Secret config keys the stack's ESC environments provide, which offline only placeholders can
 * stand in for: derived from the same environment layout the ESC project deploys, so a key no
 * imported environment provides stays unset and the program names it.
 */
export function escProvidedKeys(projectDir: string, catalogFile: string | undefined, environments: string[]): string[] {
    const { needs } = platformSecretNeeds(projectDir, catalogFile);
    return providedConfigKeys(environments, environmentLayout(DEFAULT_ENVIRONMENT_PROJECT, needs));
}

/**
 * Config from the environment, the way the Pulumi runtime receives it (PULUMI_CONFIG and
 * PULUMI_CONFIG_SECRET_KEYS): lets a pipeline plan with real values, which stay redacted.
 */
function applyEnvironmentConfig(stackConfig: StackConfig): void {
    const overrides = JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>;
    const secretKeys = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[];
    Object.assign(stackConfig.config, overrides);
    for (const key of secretKeys) if (!stackConfig.secretKeys.includes(key)) stackConfig.secretKeys.push(key);
    stackConfig.placeholders.splice(0, stackConfig.placeholders.length, ...stackConfig.placeholders.filter((k) => !(k in overrides)));
}

/** The config the program gets: the stack's files, the --catalog option, then the environment's overrides. */
function programConfig(projectDir: string, options: PlanOptions): StackConfig {
    const stackConfig = readStackConfig(projectDir, options.stack, (environments) => escProvidedKeys(projectDir, options.catalog, environments));
    if (options.catalog) stackConfig.config["sophia:catalog"] = path.resolve(options.catalog);
    applyEnvironmentConfig(stackConfig);
    return stackConfig;
}

type InvalidInput = Extract<PlanResult, { status: "invalid-input" }>;

/** Reads the stack's config and runs the program on it; invalid input in either ends the plan. */
async function evaluateStack(
    projectDir: string,
    options: PlanOptions,
    log: (line: string) => void,
): Promise<{ stackConfig: StackConfig; evaluation: Evaluation } | InvalidInput> {
    let stackConfig: StackConfig | undefined;
    try {
        stackConfig = programConfig(projectDir, options);
        log(`Evaluating stack ${options.stack} offline…`);
        return { stackConfig, evaluation: await evaluateProgram(path.join(projectDir, "index"), stackConfig) };
    } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        // Without config the program never ran; otherwise it stopped before registering (or after, a bug).
        const monitor = stackConfig && (pulumi.runtime.getMonitor() as unknown as { recorded: { type: string }[] });
        return { status: "invalid-input", error, registered: monitor ? monitor.recorded.filter((r) => r.type !== "pulumi:pulumi:Stack").length : 0 };
    }
}

/** An artifact's text; refuses one that holds a secret value, which the plan would otherwise write out in plaintext. */
export async function resolveArtifact(file: string, output: pulumi.Output<string>): Promise<string> {
    const internal = output as unknown as { isSecret: Promise<boolean>; promise(): Promise<string> };
    if (await internal.isSecret) throw new Error(`artifact ${file} contains a secret value; reference secrets by file instead`);
    return internal.promise();
}

/**
 * The offline plan of one stack: runs the real program under mocks, then writes plan.json, the
 * Kubernetes manifests and the components' artifacts under <out>/<stack>/. One stack per process.
 */
export async function planStack(options: PlanOptions): Promise<PlanResult> {
    const projectDir = options.projectDir ?? PROJECT_DIR;
    const log = options.log ?? (() => undefined);
    const started = performance.now();
    const evaluated = await evaluateStack(projectDir, options, log);
    if ("status" in evaluated) return evaluated;
    const { stackConfig, evaluation } = evaluated;
    const evaluateMs = performance.now() - started;
    const settings = loadStackSettings(options.stack, (key) => stackConfig.config[`sophia:${key}`]);
    const catalog = loadCatalog(stackConfig.config["sophia:catalog"]);
    const resources = evaluation.resources;
    const manifests = kubernetesManifests(resources, evaluation.secretMapKeys);
    const schema = validateManifests(manifests);
    const artifacts = new Map<string, string>();
    for (const [file, output] of contributedArtifacts()) artifacts.set(file, await resolveArtifact(file, output));
    const summary = summarize(resources, settings.nodeCapacity);
    const packConfig = readPolicyConfig(options.stack);
    const nodePools = nodePoolsSummary(stackConfig.environments, resources, summary);
    const violations = runPolicies(resources, {
        stack: options.stack,
        config: stackConfig.config,
        secretKeys: stackConfig.secretKeys,
        outputs: evaluation.stackOutputs,
        packConfig,
    });
    const plan: PlanFile = {
        stack: options.stack,
        project: stackConfig.project,
        target: settings.target,
        resources,
        summary: {
            ...summary,
            ...(nodePools ? { nodePools } : {}),
            placeholders: stackConfig.placeholders,
            secretInventory: Object.fromEntries(
                [...secretInventory([...catalog.servers, ...platformSecretConsumers(settings)])].map(([name, users]) => [name, [...users]]),
            ),
            artifacts: [...artifacts.keys(), ...manifests.map((m) => `k8s/${m.file}`)].sort(),
        },
        policy: { violations, rules: enabledRuleCount(packConfig) },
        outputs: redactPlainSecrets(
            evaluation.stackOutputs,
            stackConfig.secretKeys.map((k) => stackConfig.config[k]),
        ),
    };
    const dir = path.join(options.out, options.stack);
    const files = new Map([["plan.json", JSON.stringify(plan, null, 2) + "\n"]]);
    for (const m of manifests) files.set(path.join("k8s", m.file), manifestYaml(m));
    for (const [file, content] of artifacts) files.set(file, content);
    replaceDirectory(dir, files);
    return { status: "planned", plan, dir, schema, timings: { evaluateMs, totalMs: performance.now() - started } };
}

/** 0 clean, 1 mandatory policy violations or invalid manifests. */
export function planExitCode(plan: PlanFile, schema: SchemaResult[]): number {
    const mandatory = plan.policy.violations.some((v) => v.level === "mandatory");
    return mandatory || schema.some((s) => s.error) ? 1 : 0;
}
