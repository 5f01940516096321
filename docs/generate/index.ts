// npm run docs [-- --check]: writes the generated parts of the knowledge base, or (with --check)
// fails listing the ones that are stale.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanFile } from "../../stacks/plan/planFile";
import { GENERATED_DOCS } from "./list";
import { projectStacks, ROOT } from "./stacks";

/** Plans every stack offline, each in its own process, as `npm run plan` does. */
function planAll(): PlanFile[] {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-docs-"));
    try {
        return projectStacks().map((stack) => {
            const run = spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(ROOT, "stacks/plan/cli.ts"), "--stack", stack, "--out", out],
                { cwd: ROOT, encoding: "utf8" },
            );
            if (run.status !== 0 && run.status !== 1) throw new Error(`plan of ${stack} failed:\n${run.stderr}`);
            return JSON.parse(fs.readFileSync(path.join(out, stack, "plan.json"), "utf8")) as PlanFile;
        });
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

function main(): number {
    const check = process.argv.includes("--check");
    const plans = planAll();
    const stale: string[] = [];
    for (const doc of GENERATED_DOCS) {
        const file = path.join(ROOT, doc.file);
        const text = doc.render(plans);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (current === text) continue;
        stale.push(doc.file);
        if (!check) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
        }
    }
    if (check && stale.length > 0) {
        process.stderr.write(`Stale generated docs (run npm run docs):\n${stale.map((f) => `  ${f}`).join("\n")}\n`);
        return 1;
    }
    process.stdout.write(stale.length > 0 ? `Wrote ${stale.join(", ")}\n` : "Generated docs are up to date.\n");
    return 0;
}

process.exit(main());
