// The program (index.ts) evaluated in this process from a stack file, as `pulumi up` would run it,
// under the recording mock monitor: what each stack registers, exports and renders. The plans run
// the same program in child processes; in process, each of its lines is seen by coverage and by the
// mutation run's per-test coverage (test/mutation/folders.mjs counts a test that loads this module
// as one that loads everything the program imports). Evaluate inside each test, not once in a hook:
// a mutant runs only the tests whose own evaluation reached it.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { contributedArtifacts } from "../../components/artifacts";
import { evaluateProgram, Evaluation } from "../../commands/plan/evaluate";
import { escProvidedKeys } from "../../commands/plan/plan";
import { installMonitor, RecordedResource, RecordingMonitor } from "../../commands/plan/recorder";
import { readStackConfig, StackConfig } from "../../commands/plan/stackConfig";
import { readPolicyConfig, runPolicies } from "../../commands/policy/run";
import { CONFIG_NAMESPACE, loadStackSettings, StackSettings } from "../../stacks/settings";
import { ROOT } from "./plan";
import { monitor } from "./setup";

export interface Evaluated extends Evaluation {
    readonly settings: StackSettings;
    /** The files the components render (edge/nginx.conf, monitoring/rules/…), by path, with their text. */
    readonly artifacts: ReadonlyMap<string, string>;
}

/** The stack's config as the plan reads it offline, with `overrides` ("sophia:<key>" → value) on top. */
export function stackConfigOf(stack: string, overrides: Record<string, string> = {}): StackConfig {
    const config = readStackConfig(ROOT, stack, (environments) => escProvidedKeys(ROOT, undefined, environments));
    Object.assign(config.config, overrides);
    return config;
}

const valueOf = (output: pulumi.Output<string>): Promise<string> => (output as unknown as { promise(): Promise<string> }).promise();

/** Runs index.ts afresh under `recorder`, then gives the process back to the other in-process tests. */
export async function runProgram(config: StackConfig, recorder: RecordingMonitor): Promise<Evaluation> {
    delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
    try {
        return await evaluateProgram(path.join(ROOT, "index"), config, recorder);
    } finally {
        pulumi.runtime.setAllConfig({}, []);
        installMonitor(monitor, "sophia", "test");
    }
}

/**
 * The program's evaluation on `config`, with the settings it ran on and its artifacts' texts.
 *
 * The same config gives the same evaluation, so tests share one per config, each getting its own
 * copy: in a plain run for the whole process, in a mutation run while one mutant is switched on (each
 * mutant runs every test that reached it, and each of those evaluates the whole program). Only
 * StrykerJS's dry run evaluates in every test: it measures which tests reach which code, and a test
 * that took a shared evaluation would reach none.
 */
export function evaluate(config: StackConfig): Promise<Evaluated> {
    const stryker = strykerContext();
    if (stryker && stryker.activeMutant === undefined) return evaluateAfresh(config);
    const run = stryker ? `mutant ${stryker.activeMutant}` : "plain run";
    if (evaluations.run !== run) evaluations = { run, byConfig: new Map() };
    const key = JSON.stringify(config);
    if (!evaluations.byConfig.has(key)) evaluations.byConfig.set(key, evaluateAfresh(config));
    return evaluations.byConfig.get(key)!.then((e) => structuredClone(e));
}

/** StrykerJS's instrumenter context in this process (the mutant it switched on, if any); undefined outside a mutation run. */
const strykerContext = (): { activeMutant?: string } | undefined => (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__;

let evaluations: { run?: string; byConfig: Map<string, Promise<Evaluated>> } = { byConfig: new Map() };

let evaluated = 0;
/** How many times this process has evaluated the program (the cache's own test reads it). */
export const evaluationCount = (): number => evaluated;

async function evaluateAfresh(config: StackConfig): Promise<Evaluated> {
    evaluated++;
    const evaluation = await runProgram(config, new RecordingMonitor());
    const settings = loadStackSettings(config.stack, (key) => config.config[`${CONFIG_NAMESPACE}:${key}`]);
    const artifacts = new Map<string, string>();
    for (const [file, output] of contributedArtifacts()) artifacts.set(file, await valueOf(output));
    return { ...evaluation, settings, artifacts };
}

/** The program's evaluation on a stack file of the repository (Pulumi.<stack>.yaml), with `overrides` on top. */
export const evaluateStack = (stack: string, overrides: Record<string, string> = {}): Promise<Evaluated> => evaluate(stackConfigOf(stack, overrides));

/** The registered resources of one type (a provider's token, e.g. kubernetes:networking.k8s.io/v1:Ingress). */
export const ofType = (e: Evaluation, type: string): RecordedResource[] => e.resources.filter((r) => r.type === type);

/** An artifact's text; a test fails naming it when the evaluation rendered none. */
export function artifact(e: Evaluated, file: string): string {
    const text = e.artifacts.get(file);
    if (text === undefined) throw new Error(`the program rendered no ${file}; it rendered: ${[...e.artifacts.keys()].join(", ")}`);
    return text;
}

/** The policy pack's findings on an evaluation of `config`, as the plan runs the pack on the stack. */
export function policyViolations(e: Evaluated, config: StackConfig): ReturnType<typeof runPolicies> {
    return runPolicies(e.resources, {
        stack: config.stack,
        config: config.config,
        secretKeys: config.secretKeys,
        outputs: e.stackOutputs,
        packConfig: readPolicyConfig(config.stack),
    });
}
