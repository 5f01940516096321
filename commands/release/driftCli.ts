// npm run drift-report -- --preview <file.json> --stack <name>
// Reads the JSON of `pulumi preview --expect-no-changes --json` (run after `pulumi refresh`) and
// names every drifted resource; the nightly drift workflow posts the report when there is any.
import * as fs from "fs";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { writeFileAtomic } from "../files";
import { PROJECT_DIR } from "../plan/plan";
import { chooseStack } from "../plan/stackChoice";
import { formatDrift, hasDrift, parsePreview } from "./drift";

export const DRIFT_COMMAND: CommandSpec = {
    name: "npm run drift-report",
    usage: "-- --preview <file.json> --stack <name> [--out <file>]",
    description: [
        "Names the resources that drifted from the program: reads the JSON of",
        "`pulumi preview --expect-no-changes --json`, run right after `pulumi refresh --yes`, and prints each",
        "changed resource's type, name and changed properties (never values).",
    ].join("\n"),
    options: {
        preview: { type: "string", value: "<file.json>", description: "the output of `pulumi preview --json` for the stack" },
        stack: { type: "string", short: "s", value: "<name>", description: "the stack the preview is of (a Pulumi.<name>.yaml); default $PULUMI_STACK" },
        out: { type: "string", value: "<file>", description: "also write the report to <file> (what the workflow posts)" },
    },
    examples: [
        "pulumi refresh --yes -s prod && pulumi preview --expect-no-changes --json -s prod > preview.json",
        "npm run drift-report -- --preview preview.json --stack prod --out drift.txt",
    ],
    exitCodes: [
        [0, "no drift"],
        [1, "drift (each drifted resource named), or the preview reported errors"],
        [2, "usage error: unknown stack, a missing, unreadable or malformed preview file"],
        [3, "unexpected failure"],
    ],
    environment: [["PULUMI_STACK", "the stack when --stack is not given"]],
};

function readPreview(file: string | undefined): unknown {
    if (!file) throw new UsageError("--preview is required: the file `pulumi preview --expect-no-changes --json` wrote");
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new UsageError(`--preview ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new UsageError(`--preview ${file}: not JSON (${(error as Error).message}); run pulumi preview with --json and keep only its stdout`);
    }
}

function driftReport(values: CommandValues): number {
    const { stack } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, PROJECT_DIR);
    const json = readPreview(values.preview as string | undefined);
    let report;
    try {
        report = parsePreview(stack, json);
    } catch (error) {
        throw new UsageError(`--preview ${String(values.preview)}: ${(error as Error).message}`);
    }
    const text = formatDrift(report);
    process.stdout.write(text);
    if (values.out) writeFileAtomic(String(values.out), text);
    return hasDrift(report) ? 1 : 0;
}

/** What `sophia drift-report` runs (commands/sophia.js). */
export const command: Command = { spec: DRIFT_COMMAND, main: driftReport };

if (require.main === module) runCommand(DRIFT_COMMAND, driftReport);
