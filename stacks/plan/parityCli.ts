// npm run parity -- --stack <name> [--from swarm] [--to k3s] [--out <dir>]
// Plans the stack twice, once per target (sophia:target overridden), and lists what differs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { compareShapes, environmentShape, formatParity } from "./parity";
import type { PlanFile } from "./planFile";

const ROOT = path.resolve(__dirname, "..", "..");

function planOn(stack: string, target: string, out: string): PlanFile {
    const dir = path.join(out, target);
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "cli.ts"), "--stack", stack, "--out", dir], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify({ ...JSON.parse(process.env.PULUMI_CONFIG ?? "{}"), "sophia:target": target }) },
    });
    if (result.status !== 0) throw new Error(`the plan of ${stack} on ${target} failed (${result.status}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(fs.readFileSync(path.join(dir, stack, "plan.json"), "utf8")) as PlanFile;
}

function main(): number {
    const { values } = parseArgs({
        options: {
            stack: { type: "string", default: "dev" },
            from: { type: "string", default: "swarm" },
            to: { type: "string", default: "k3s" },
            out: { type: "string", default: "out/parity" },
        },
    });
    const [stack, from, to, out] = [values.stack, values.from, values.to, values.out];
    const before = environmentShape(planOn(stack, from, out), path.join(out, from, stack));
    const after = environmentShape(planOn(stack, to, out), path.join(out, to, stack));
    const differences = compareShapes(before, after);
    process.stdout.write(`${formatParity(stack, from, to, before, differences)}\n`);
    fs.writeFileSync(path.join(out, `${stack}-parity.json`), JSON.stringify({ stack, from, to, before, after, differences }, null, 2) + "\n");
    return differences.length === 0 ? 0 : 1;
}

try {
    process.exit(main());
} catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
}
