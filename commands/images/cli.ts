// npm run images -- (--stack <name> | --all-stacks | --ours) [--plans <dir>] [--json]
// The images to scan: those the stacks' offline plans pull (the weekly container audit), or ours (the images workflow).
import * as path from "path";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { platformStacks } from "../../esc/needs";
import { chooseStack } from "../plan/stackChoice";
import { lockNameOf, ourImages, stackRegistries, tagsOf } from "./ours";
import { imagesOfPlan, mergeStacks, readStackPlans } from "./used";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export const IMAGES_COMMAND: CommandSpec = {
    name: "npm run images",
    usage: "-- (--stack <name> | --all-stacks | --ours) [--plans <dir>] [--json]",
    description: [
        "Lists images to scan. With --stack or --all-stacks: every image the stacks' offline plans pull, as",
        "pulled (ours from the stack's registry, upstream ones through its mirror), one per line; --json adds",
        "the stacks pulling each and the Helm releases, whose chart images `helm template` lists. With --ours:",
        "the images built from images/<name>/Dockerfile.",
    ].join("\n"),
    options: {
        stack: { type: "string", short: "s", value: "<name>", description: "one stack; its plan must exist (npm run plan -- --stack <name>)" },
        "all-stacks": { type: "boolean", description: "every stack of the project (one Pulumi.<stack>.yaml each)" },
        ours: {
            type: "boolean",
            description: "our images (images/<name>/Dockerfile): repository, version, build context, lock name and the tags to push (one per stack registry)",
        },
        plans: { type: "string", value: "<dir>", description: "where the plans are: <dir>/<stack>/plan.json (default out)" },
        json: { type: "boolean", description: "print JSON instead of one image per line" },
    },
    examples: [
        "npm run plan -- --stack prod && npm run images -- --stack prod",
        "npm run images -- --all-stacks --json > images.json",
        "npm run images -- --ours --json",
    ],
    exitCodes: [
        [0, "listed"],
        [2, "usage error, unknown stack, a missing or unreadable plan, or an image directory without a version"],
        [3, "unexpected failure"],
    ],
};

function print(values: CommandValues, lines: readonly string[], json: unknown): void {
    process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : lines.map((l) => `${l}\n`).join(""));
}

function listOurs(values: CommandValues): number {
    const images = ourImages();
    const registries = stackRegistries();
    print(
        values,
        images.map(lockNameOf),
        images.map((i) => ({ ...i, lock: lockNameOf(i), tags: tagsOf(i, registries) })),
    );
    return 0;
}

function listStacks(values: CommandValues): number {
    const stacks = values["all-stacks"] ? platformStacks(PROJECT_DIR) : [chooseStack(values.stack as string | undefined, undefined, PROJECT_DIR).stack];
    const plansDir = path.resolve(String(values.plans ?? "out"));
    const merged = mergeStacks(readStackPlans(stacks, plansDir).map(imagesOfPlan));
    print(
        values,
        merged.images.map((i) => i.image),
        merged,
    );
    return 0;
}

function images(values: CommandValues): number {
    const modes = [values.stack !== undefined, values["all-stacks"] === true, values.ours === true].filter(Boolean).length;
    if (modes !== 1) throw new UsageError("give exactly one of --stack <name>, --all-stacks or --ours");
    return values.ours ? listOurs(values) : listStacks(values);
}

/** What `sophia images` runs (commands/sophia.js). */
export const command: Command = { spec: IMAGES_COMMAND, main: images };

if (require.main === module) runCommand(IMAGES_COMMAND, images);
