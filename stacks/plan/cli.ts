// npm run plan -- --stack <name> [--out <dir>] [--diff <old plan.json>] [--catalog <file>] [--project-dir <dir>]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { diffPlans, formatDiff } from "./diff";
import { planExitCode, planStack } from "./plan";
import { planProject } from "./projectCli";
import type { PlanFile } from "./planFile";

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string", default: "dev" },
            out: { type: "string", default: "out" },
            diff: { type: "string" },
            catalog: { type: "string" },
            // Another directory of stack files (Pulumi.yaml, Pulumi.<stack>.yaml), e.g. a local stack being tried out.
            "project-dir": { type: "string" },
            // Another Pulumi project of the repository, e.g. clusters: planned by stacks/plan/project.ts.
            project: { type: "string" },
        },
    });
    if (values.project) return planProject(path.resolve(values.project), values.stack, values.out);
    const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`${line}\r`) : (line: string) => process.stderr.write(`${line}\n`);
    const result = await planStack({
        stack: values.stack,
        out: values.out,
        catalog: values.catalog,
        projectDir: values["project-dir"] && path.resolve(values["project-dir"]),
        log: progress,
    });
    if (result.status === "invalid-input") {
        process.stderr.write(`${result.error.message}\n`);
        process.stderr.write(`No plan written; ${result.registered} resources were registered.\n`);
        return 2;
    }
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    process.stdout.write(
        `${result.text}\n\nWrote ${result.dir}/plan.json (evaluated in ${seconds(result.timings.evaluateMs)} s, planned in ${seconds(result.timings.totalMs)} s)\n`,
    );
    if (values.diff) {
        const before = JSON.parse(fs.readFileSync(values.diff, "utf8")) as PlanFile;
        process.stdout.write(`\n${formatDiff(diffPlans(before, result.plan))}\n`);
    }
    return planExitCode(result.plan, result.schema);
}

main().then(
    (code) => process.exit(code),
    (error: Error) => {
        process.stderr.write(`plan failed: ${error.stack ?? error.message}\n`);
        process.exit(3);
    },
);
