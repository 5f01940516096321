// npm run plan -- --stack <name> [--out <dir>] [--diff <old plan.json>] [--show-sames] [--catalog <file>] [--project-dir <dir>] [--project <dir>]
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { planExitCode, planStack, PROJECT_DIR } from "./plan";
import { PlanFile, readPlanFile } from "./planFile";
import { planProject } from "./projectCli";
import { checkCatalogOption, checkOutOption, checkProjectOption } from "./planInputs";
import { formatReport } from "./report";
import { chooseStack } from "./stackChoice";

export const PLAN_COMMAND: CommandSpec = {
    name: "npm run plan",
    usage: "-- --stack <name> [--out <dir>] [--diff <old plan.json>] [--show-sames] [--catalog <file>] [--project-dir <dir>] [--project <dir>]",
    description: [
        "Plans a stack offline: runs the Pulumi program (index.ts) under Pulumi's mocks, checks every",
        "Kubernetes manifest and runs the policy pack, prints a preview and writes <out>/<stack>/.",
    ].join("\n"),
    options: {
        stack: { type: "string", short: "s", value: "<name>", description: "the stack to plan (a Pulumi.<name>.yaml); default $PULUMI_STACK" },
        out: { type: "string", value: "<dir>", description: "output root; the plan goes to <dir>/<stack>/ (default out)" },
        diff: { type: "string", value: "<plan.json>", description: "a previous plan: mark what is created (+), updated (~) and deleted (-)" },
        "show-sames": { type: "boolean", description: "with --diff, also list unchanged resources" },
        catalog: { type: "string", value: "<file>", description: "plan another catalog file instead of catalog/mcp-servers.yaml" },
        // Another directory of stack files (Pulumi.yaml, Pulumi.<stack>.yaml), e.g. a local stack being tried out.
        "project-dir": { type: "string", value: "<dir>", description: "another directory of stack files (Pulumi.yaml, Pulumi.<stack>.yaml)" },
        // Another Pulumi project of the repository, e.g. clusters: planned by commands/plan/project.ts.
        project: { type: "string", value: "<dir>", description: "plan another Pulumi project of the repository (clusters) instead of the platform" },
    },
    examples: [
        "npm run plan -- --stack dev",
        "npm run plan -- --stack prod --diff out/prod/plan.json    # what changed since the last plan",
        "PULUMI_STACK=staging npm run plan",
        "npm run plan -- --project clusters --stack dev    # the cluster project's stack",
    ],
    exitCodes: [
        [0, "planned; no mandatory policy violation, every manifest valid"],
        [1, "planned, but a mandatory policy violation or an invalid manifest"],
        [2, "usage error or invalid input (catalog, stack config, --diff file); <out>/<stack>/ is left as it was"],
        [3, "unexpected failure of the plan itself; <out>/<stack>/ is left as it was"],
    ],
    environment: [
        ["PULUMI_STACK", "the stack when --stack is not given"],
        ["PULUMI_CONFIG", "config values overriding the stack file, as the Pulumi runtime receives them (JSON)"],
        ["PULUMI_CONFIG_SECRET_KEYS", "which of those keys are secrets (JSON list)"],
    ],
};

/** The previous plan, read now: --diff may name the very file this run replaces. */
function readPreviousPlan(file: string | undefined): { file: string; plan: PlanFile } | undefined {
    if (!file) return undefined;
    try {
        return { file, plan: readPlanFile(file) };
    } catch (error) {
        throw new UsageError(`--diff: ${(error as Error).message}`);
    }
}

/** A failed plan changes nothing: the previous plan stays, still good for --diff. */
function keptPlan(dir: string): string {
    return fs.existsSync(path.join(dir, "plan.json")) ? ` (the previous ${dir}/plan.json is kept)` : "";
}

async function plan(values: CommandValues): Promise<number> {
    const out = (values.out as string | undefined) ?? "out";
    checkOutOption(out);
    checkCatalogOption(values.catalog as string | undefined);
    if (values.project) {
        const project = checkProjectOption(String(values.project), PROJECT_DIR);
        const { stack, source } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, project);
        process.stdout.write(`Planning stack ${stack} of ${path.basename(project)} (from ${source})\n`);
        return planProject(project, stack, out);
    }
    const projectDir = values["project-dir"] ? path.resolve(String(values["project-dir"])) : PROJECT_DIR;
    const { stack, source } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, projectDir);
    const before = readPreviousPlan(values.diff as string | undefined);
    const dir = path.join(out, stack);
    process.stdout.write(`Planning stack ${stack} (from ${source})\n`);
    const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`${line}\r`) : (line: string) => process.stderr.write(`${line}\n`);
    let result;
    try {
        result = await planStack({ stack, out, catalog: values.catalog as string | undefined, projectDir, log: progress });
    } catch (error) {
        process.stderr.write(`No plan written${keptPlan(dir)}.\n`);
        throw error;
    }
    if (result.status === "invalid-input") {
        process.stderr.write(`${result.error.message}\n`);
        process.stderr.write(`No plan written${keptPlan(dir)}; ${result.registered} resources were registered.\n`);
        return 2;
    }
    process.stdout.write(formatReport({ ...result, before, showSames: values["show-sames"] === true }));
    return planExitCode(result.plan, result.schema);
}

/** What `sophia plan` runs (commands/sophia.js). */
export const command: Command = { spec: PLAN_COMMAND, main: plan };

if (require.main === module) runCommand(PLAN_COMMAND, plan);
