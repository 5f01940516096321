// npm run docs [-- --check]: writes the generated parts of the knowledge base, or (with --check)
// fails listing the ones that are stale.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandSpec, CommandValues, runCommand, type Command } from "../../commands/command";
import { writeFileAtomic } from "../../commands/files";
import type { PlanFile } from "../../commands/plan/planFile";
import { planInOwnProcess, type PlanProcessRun } from "../../commands/plan/planProcess";
import { GENERATED_DOCS } from "./list";
import { projectStacks, ROOT } from "./stacks";

export const DOCS_COMMAND: CommandSpec = {
    name: "npm run docs",
    usage: "[-- --check]",
    description: [
        "Writes the generated pages of the knowledge base (service, alert and policy references, incident",
        "classes, architecture diagrams) from the catalog, the rules and an offline plan of every stack.",
    ].join("\n"),
    options: { check: { type: "boolean", description: "write nothing; list the stale pages and exit 1 if any" } },
    examples: ["npm run docs", "npm run docs -- --check    # what CI runs"],
    exitCodes: [
        [0, "pages written, or (with --check) every page up to date"],
        [1, "with --check: some pages are stale (listed; run npm run docs)"],
        [2, "usage error"],
        [3, "unexpected failure, e.g. a stack's plan failed (its output is shown)"],
    ],
};

/** What planning one stack gave: the plan command's exit code and what it printed on stderr. */
export type StackPlanRun = Pick<PlanProcessRun, "status" | "stderr">;

/**
 * Plans every stack offline into a temporary folder and reads their plan.json files. A plan with
 * policy findings (exit 1) still describes its stack; any other failure ends the run with its output.
 */
export function planAll(stacks: readonly string[] = projectStacks(), planStack: (stack: string, out: string) => StackPlanRun = planInOwnProcess): PlanFile[] {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-docs-"));
    try {
        return stacks.map((stack) => {
            const run = planStack(stack, out);
            if (run.status !== 0 && run.status !== 1) throw new Error(`plan of ${stack} failed (exit ${run.status}):\n${run.stderr}`);
            return JSON.parse(fs.readFileSync(path.join(out, stack, "plan.json"), "utf8")) as PlanFile;
        });
    } finally {
        fs.rmSync(out, { recursive: true });
    }
}

/** What a run of the command prints and its exit code. */
export interface DocsRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** The pages (paths under `root`) whose text differed from what the plans give. */
    readonly stale: readonly string[];
}

/**
 * Compares every generated page under `root` with its text from `plans` and writes each one that
 * differs or is missing, or with `check` writes nothing and fails listing them.
 */
export function updateDocs(plans: readonly PlanFile[], check: boolean, root = ROOT): DocsRun {
    const stale: string[] = [];
    for (const doc of GENERATED_DOCS) {
        const file = path.join(root, doc.file);
        const text = doc.render(plans);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (current === text) continue;
        stale.push(doc.file);
        if (!check) writeFileAtomic(file, text);
    }
    if (check && stale.length > 0) {
        return { code: 1, stdout: "", stderr: `Stale generated docs (run npm run docs):\n${stale.map((f) => `  ${f}`).join("\n")}\n`, stale };
    }
    return { code: 0, stdout: stale.length > 0 ? `Wrote ${stale.join(", ")}\n` : "Generated docs are up to date.\n", stderr: "", stale };
}

/** The command: every stack planned (by `plans`), then the pages under `root` written or checked. */
export function docsMain(values: CommandValues, plans: () => readonly PlanFile[] = planAll, root = ROOT): number {
    const run = updateDocs(plans(), values.check === true, root);
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    return run.code;
}

/** What `sophia docs` runs (commands/sophia.js). */
export const command: Command = { spec: DOCS_COMMAND, main: (values) => docsMain(values) };

if (require.main === module) runCommand(DOCS_COMMAND, command.main);
