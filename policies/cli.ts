// npm run policy -- --plan <plan.json> [--config <policy config.json>]
// Runs the pack's rules on a plan file; exit 0 clean (advisories allowed), 1 mandatory violations, 2 unreadable input.
import * as fs from "fs";
import { parseArgs } from "util";
import type { PlanFile } from "../stacks/plan/planFile";
import { PLACEHOLDER_PREFIX } from "../stacks/plan/stackConfig";
import type { PolicyPackConfig } from "./config";
import { readPolicyConfig, runPolicies } from "./run";

function fail(message: string): number {
    process.stderr.write(`${message}\n`);
    return 2;
}

function readPlan(file: string): PlanFile {
    const plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile;
    if (!plan || typeof plan.stack !== "string" || !Array.isArray(plan.resources)) throw new Error("not a plan file: expected { stack, resources: [...] }");
    for (const [i, r] of plan.resources.entries()) {
        if (typeof r?.urn !== "string" || typeof r?.type !== "string") throw new Error(`resources[${i}] has no urn or type`);
    }
    return plan;
}

function main(): number {
    const { values } = parseArgs({ options: { plan: { type: "string" }, config: { type: "string" } } });
    if (!values.plan) return fail("usage: npm run policy -- --plan <plan.json> [--config <policy config.json>]");
    let plan: PlanFile;
    try {
        plan = readPlan(values.plan);
    } catch (error) {
        return fail(`cannot read plan ${values.plan}: ${(error as Error).message}`);
    }
    let packConfig: PolicyPackConfig;
    try {
        packConfig = values.config ? (JSON.parse(fs.readFileSync(values.config, "utf8")) as PolicyPackConfig) : readPolicyConfig(plan.stack);
    } catch (error) {
        return fail(`cannot read policy config: ${(error as Error).message}`);
    }
    // Offline plans hold placeholders where secrets were; a placeholder in a plain output is a leak.
    const secretKeys = plan.summary?.placeholders ?? [];
    const config = Object.fromEntries(secretKeys.map((k) => [k, `${PLACEHOLDER_PREFIX}${k}`]));
    const violations = runPolicies(plan.resources, { stack: plan.stack, config, secretKeys, outputs: plan.outputs, packConfig });
    const mandatory = violations.filter((v) => v.level === "mandatory");
    for (const v of violations) process.stdout.write(`[${v.level}] ${v.policy} ${v.urn}: ${v.message}\n`);
    process.stdout.write(
        `Policy: ${violations.length} violation(s), ${mandatory.length} mandatory, on stack ${plan.stack} (${plan.resources.length} resources)\n`,
    );
    return mandatory.length > 0 ? 1 : 0;
}

process.exitCode = main();
