import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { clearArtifacts } from "../../components/artifacts";
import { DEBUG_VARIABLE } from "../command";
import { installMonitor, RecordedResource, RecordingMonitor } from "./recorder";
import { StackConfig } from "./stackConfig";

export interface Evaluation {
    readonly resources: RecordedResource[];
    /** The stack's outputs, redacted. */
    readonly stackOutputs: Record<string, unknown>;
    readonly secretMapKeys: ReadonlyMap<string, Record<string, string[]>>;
}

/**
 * The SDK captures a stack trace for every resource (its source position, for the engine) and for
 * every internal promise (for leak reports); under ts-node each is source-mapped, which was most of
 * a plan's time. The plan reports no source positions, so it skips them, and it formats stack
 * traces the way V8 does: run `NODE_OPTIONS=--enable-source-maps npm run plan` for mapped ones.
 * The promises' traces serve only leak reports, and the plan shows a trace only with SOPHIA_DEBUG=1,
 * so without it none is captured while the program runs (the rest of a plan's formatting time).
 * Returns the function that restores the trace length.
 */
function withCheapStackTraces(): () => void {
    (pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] }).stackTrace = () => [];
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    const limit = Error.stackTraceLimit;
    if (process.env[DEBUG_VARIABLE] !== "1") Error.stackTraceLimit = 0;
    return () => (Error.stackTraceLimit = limit);
}

/**
 * Runs the Pulumi program at `entry` under the mock monitor, exactly as the Node.js language host
 * would: inside the root stack, with the stack's config, its exports becoming the stack outputs.
 * Mocks are global to the process: evaluate one stack per process.
 */
export async function evaluateProgram(entry: string, stackConfig: StackConfig, monitor = new RecordingMonitor()): Promise<Evaluation> {
    const restoreStackTraces = withCheapStackTraces();
    // The artifacts are this evaluation's: none are left from an earlier one in the same process.
    clearArtifacts();
    pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);
    installMonitor(monitor, stackConfig.project, stackConfig.stack, stackConfig.rootDirectory);
    try {
        // The program is CommonJS and loads through the same require hook (ts-node) as under the language host.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await pulumi.runtime.runInPulumiStack(() => Promise.resolve(require(path.resolve(entry)) as unknown));
        // Registrations still in flight (applies, outputs) drain before the plan is read.
        await (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    } finally {
        restoreStackTraces();
    }
    const stackUrn = monitor.recorded.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
    return { resources: monitor.recorded, stackOutputs: (stackUrn && monitor.outputs.get(stackUrn)) || {}, secretMapKeys: monitor.secretMapKeys };
}
