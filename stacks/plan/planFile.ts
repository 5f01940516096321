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
    policy: { violations: PolicyViolation[] };
    /** The stack's outputs; secret ones as "[secret]", a secret value in a plain output as "[plaintext secret]". */
    outputs: Record<string, unknown>;
}
