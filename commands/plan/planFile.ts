import * as fs from "fs";
import type { RecordedResource } from "./recorder";
import type { PlanSummary } from "./summary";
import type { NodePoolsSummary } from "./nodePools";

/** One policy finding, as the plan and `npm run policy` report it. */
export interface PolicyViolation {
    policy: string;
    level: "advisory" | "mandatory";
    urn: string;
    message: string;
}

/**
 * The format of <out>/<stack>/plan.json, documented in docs/04-deployment. Reviewers and tools
 * read it: change it only by adding fields.
 */
export interface PlanFile {
    stack: string;
    project: string;
    target: string;
    resources: RecordedResource[];
    summary: PlanSummary & {
        /** Config keys whose values were offline placeholders (ESC or encrypted secrets). */
        placeholders: string[];
        /** Secret names the servers need, with the servers using each. */
        secretInventory: Record<string, string[]>;
        artifacts: string[];
        /** Pools of the cluster stack whose hand-off the stack imports, with requested against available CPU, memory and GPUs. */
        nodePools?: NodePoolsSummary;
    };
    /** The policy result; `rules` is how many rules ran (the enabled ones). */
    policy: { violations: PolicyViolation[]; rules?: number };
    /** The stack's outputs; secret ones as "[secret]", a secret value in a plain output as "[plaintext secret]". */
    outputs: Record<string, unknown>;
}

/** Why a parsed JSON value is not a plan, or undefined when it is one. */
function notAPlan(plan: PlanFile | null): string | undefined {
    if (!plan || typeof plan.stack !== "string" || !Array.isArray(plan.resources)) return "expected { stack, resources: [...] }";
    const bad = plan.resources.findIndex((r) => typeof r?.urn !== "string" || typeof r?.type !== "string");
    return bad >= 0 ? `resources[${bad}] has no urn or type` : undefined;
}

/**
 * Reads a plan file written by `npm run plan`, or throws an error saying why the file is not one
 * (missing, not JSON, or not shaped like a plan).
 */
export function readPlanFile(file: string): PlanFile {
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
    let plan: PlanFile | null;
    try {
        plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile | null;
    } catch (error) {
        throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const problem = notAPlan(plan);
    if (problem) throw new Error(`${file} is not a plan file: ${problem}`);
    return plan!;
}
