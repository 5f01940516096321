// npm run policy -- --plan <plan.json> [--config <policy config.json>]
// Runs the pack's rules on a plan file; exit 0 clean (advisories allowed), 1 mandatory violations, 2 usage errors or unreadable input.
import * as fs from "fs";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { PlanFile, readPlanFile } from "../plan/planFile";
import { PLACEHOLDER_PREFIX } from "../plan/stackConfig";
import { configProblems, PolicyPackConfig } from "../../policies/config";
import { RULES } from "../../policies/rules";
import { enabledRuleCount, readPolicyConfig, runPolicies } from "./run";

export const POLICY_COMMAND: CommandSpec = {
    name: "npm run policy",
    usage: "-- --plan <plan.json> [--config <policy config.json>]",
    description: ["Runs the CrossGuard pack's rules on a plan file written by `npm run plan`, as", "`pulumi preview --policy-pack policies` does."].join("\n"),
    options: {
        plan: { type: "string", short: "p", value: "<plan.json>", description: "the plan file (out/<stack>/plan.json)" },
        config: { type: "string", value: "<file.json>", description: "policy config (enforcement levels, settings); default policies/config/<stack>.json" },
    },
    examples: ["npm run policy -- --plan out/prod/plan.json", "npm run policy -- --plan out/prod/plan.json --config policies/config/dev.json"],
    exitCodes: [
        [0, "no mandatory violation (advisory ones are listed)"],
        [1, "at least one mandatory violation"],
        [2, "usage error, or a plan or config file that cannot be read"],
        [3, "unexpected failure"],
    ],
};

function readPackConfig(file: string | undefined, plan: PlanFile): PolicyPackConfig {
    // Without --config, the stack's own file (policies/config/<stack>.json) is read.
    const source = file ?? `policies/config/${plan.stack}.json`;
    let config: unknown;
    try {
        config = file ? JSON.parse(fs.readFileSync(file, "utf8")) : readPolicyConfig(plan.stack);
    } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new UsageError(`cannot read policy config ${source}: ${reason}; pass a JSON file of rule → enforcement level, such as policies/config/dev.json`);
    }
    const problems = configProblems(config, RULES);
    if (problems.length > 0) throw new UsageError(`invalid policy config ${source}: ${problems.join("; ")}`);
    return config as PolicyPackConfig;
}

function policy(values: CommandValues): number {
    if (!values.plan) throw new UsageError("--plan <plan.json> is required");
    let plan: PlanFile;
    try {
        plan = readPlanFile(String(values.plan));
    } catch (error) {
        throw new UsageError(`cannot read plan: ${(error as Error).message}`);
    }
    const packConfig = readPackConfig(values.config as string | undefined, plan);
    // Offline plans hold placeholders where secrets were; a placeholder in a plain output is a leak.
    const secretKeys = plan.summary?.placeholders ?? [];
    const config = Object.fromEntries(secretKeys.map((k) => [k, `${PLACEHOLDER_PREFIX}${k}`]));
    const violations = runPolicies(plan.resources, { stack: plan.stack, config, secretKeys, outputs: plan.outputs, packConfig });
    const mandatory = violations.filter((v) => v.level === "mandatory");
    for (const v of violations) process.stdout.write(`[${v.level}] ${v.policy} ${v.urn}: ${v.message}\n`);
    process.stdout.write(
        `Policy: ${violations.length} violation(s), ${mandatory.length} mandatory, on stack ${plan.stack} (${plan.resources.length} resources, ${enabledRuleCount(packConfig)} rules ran)\n`,
    );
    return mandatory.length > 0 ? 1 : 0;
}

/** What `sophia policy` runs (commands/sophia.js). */
export const command: Command = { spec: POLICY_COMMAND, main: policy };

if (require.main === module) runCommand(POLICY_COMMAND, policy);
