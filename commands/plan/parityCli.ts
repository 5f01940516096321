// npm run parity -- --stack <name> [--from <target>] [--to <target>] [--out <dir>]
// Plans the stack twice, once per target (sophia:target overridden), and lists what differs.
import * as fs from "fs";
import * as path from "path";
import { loadCatalog } from "../../catalog";
import { CommandSpec, CommandValues, runCommand, USAGE_EXIT, UsageError, type Command } from "../command";
import { TARGETS } from "../../stacks/settings";
import type { Target } from "../../catalog/schema";
import { offlineStackSettings } from "./offlineSettings";
import { compareShapes, environmentShape, formatParity } from "./parity";
import type { PlanFile } from "./planFile";
import { planInOwnProcess } from "./planProcess";
import { chooseStack } from "./stackChoice";

const ROOT = path.resolve(__dirname, "..", "..");

function planOn(stack: string, target: string, out: string): PlanFile {
    const dir = path.join(out, target);
    const result = planInOwnProcess(stack, dir, { "sophia:target": target });
    const failure = `the plan of ${stack} on ${target} failed (${result.status}):\n${result.stderr}${result.stdout}`;
    // The plan's exit 2 is the user's input (the stack file, the catalog): shown as it is, no trace.
    if (result.status === USAGE_EXIT) throw new UsageError(failure);
    if (result.status !== 0) throw new Error(failure);
    return JSON.parse(fs.readFileSync(path.join(dir, stack, "plan.json"), "utf8")) as PlanFile;
}

export const PARITY_COMMAND: CommandSpec = {
    name: "npm run parity",
    usage: "-- --stack <name> [--from <target>] [--to <target>] [--out <dir>]",
    description: [
        "Plans the stack on two targets (sophia:target overridden) and lists what differs: servers, replicas,",
        "secrets, alerts, routes, backups. Without --from and --to: the stack's next move on the migration path",
        `(${TARGETS.join(" → ")}) from the target its file sets, or, for a stack at the end of the path, the`,
        "move that brought it there.",
    ].join("\n"),
    options: {
        stack: { type: "string", short: "s", value: "<name>", description: "the stack (a Pulumi.<name>.yaml); default $PULUMI_STACK" },
        from: { type: "string", value: "<target>", description: `the target it runs on now (${TARGETS.join(" | ")}); default: see below` },
        to: { type: "string", value: "<target>", description: `the target it moves to; default: see below` },
        out: { type: "string", value: "<dir>", description: "where both plans and <stack>-parity.json go; default out/parity" },
    },
    examples: [
        "npm run parity -- --stack dev    # swarm → k3s",
        "npm run parity -- --stack staging    # k3s → kubernetes",
        "npm run parity -- --stack prod --from swarm --to kubernetes",
    ],
    exitCodes: [
        [0, "the same platform on both targets"],
        [1, "differences (each listed)"],
        [2, "usage error: unknown stack or target, or the stack's plan refused its input"],
        [3, "unexpected failure"],
    ],
    environment: [["PULUMI_STACK", "the stack when --stack is not given"]],
};

function target(flag: string, value: string): Target {
    if (!(TARGETS as readonly string[]).includes(value)) throw new UsageError(`--${flag} ${value}: not a target; use one of ${TARGETS.join(", ")}`);
    return value as Target;
}

/** The move to compare when none is given: the stack's next step on the path, or the step that brought it to the end. */
export function defaultMove(current: Target): { from: Target; to: Target } {
    const i = TARGETS.indexOf(current);
    return i + 1 < TARGETS.length ? { from: current, to: TARGETS[i + 1] } : { from: TARGETS[i - 1], to: current };
}

/** --from and --to as given, each missing one taken from the stack's default move. */
function chosenMove(stack: string, values: CommandValues): { from: Target; to: Target } {
    const given = {
        from: values.from === undefined ? undefined : target("from", String(values.from)),
        to: values.to === undefined ? undefined : target("to", String(values.to)),
    };
    const move = given.from && given.to ? { from: given.from, to: given.to } : defaultMove(offlineStackSettings(ROOT, stack).target);
    return { from: given.from ?? move.from, to: given.to ?? move.to };
}

function parity(values: CommandValues): number {
    const { stack } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, ROOT);
    const { from, to } = chosenMove(stack, values);
    if (from === to) throw new UsageError(`--from and --to are both ${from}: choose two different targets`);
    const out = String(values.out ?? "out/parity");
    const before = environmentShape(planOn(stack, from, out), path.join(out, from, stack));
    const after = environmentShape(planOn(stack, to, out), path.join(out, to, stack));
    // Servers the catalog limits to other targets (docker-agent: Swarm only) are left out by design, and said so.
    const leftOut = loadCatalog()
        .servers.filter((s) => !(s.targets as readonly string[]).includes(to) && before.servers.includes(s.name))
        .map((s) => s.name);
    const all = compareShapes(before, after);
    const byDesign = all.filter((d) => leftOut.some((name) => String(d.item).includes(name)));
    const differences = all.filter((d) => !byDesign.includes(d));
    const note = leftOut.length > 0 ? `\nLeft out on ${to} by the catalog's targets: ${leftOut.join(", ")}.` : "";
    process.stdout.write(`${formatParity(stack, from, to, before, differences)}${note}\n`);
    fs.writeFileSync(path.join(out, `${stack}-parity.json`), JSON.stringify({ stack, from, to, before, after, differences, byDesign }, null, 2) + "\n");
    return differences.length === 0 ? 0 : 1;
}

/** What `sophia parity` runs (commands/sophia.js). */
export const command: Command = { spec: PARITY_COMMAND, main: parity };

if (require.main === module) runCommand(PARITY_COMMAND, parity);
