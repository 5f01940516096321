// npm run images:record -- --image <name:tag> --digest sha256:<hex> [--lock <file>] [--plans <dir>]
// Records a pushed (or mirrored) image's digest in catalog/images.lock.yaml; the images workflow runs it per image.
import * as fs from "fs";
import * as path from "path";
import { IMAGE_LOCK_FILE } from "../../catalog/imageLock";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { platformStacks } from "../../esc/needs";
import { nearest } from "../../stacks/nearest";
import { recordDigest, withRecordedDigest } from "./lockRecord";
import { lockNamesOfPlans } from "./lockNames";
import { readStackPlans } from "./used";
import { stackRegistries } from "./ours";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export const RECORD_COMMAND: CommandSpec = {
    name: "npm run images:record",
    usage: "-- --image <name:tag> --digest sha256:<64 hex> [--lock <file>] [--plans <dir>]",
    description: [
        "Records an image's digest in the image lock the program reads (catalog/images.lock.yaml), keeping its",
        "comments and order. Our images are named without the registry (sophia-backup:1.0.0), upstream ones as",
        "the code names them.",
    ].join("\n"),
    options: {
        image: { type: "string", value: "<name:tag>", description: "the image as the lock names it: sophia-backup:1.0.0" },
        digest: { type: "string", value: "<sha256:…>", description: "the digest the registry reported for the pushed image (its index for multi-arch images)" },
        lock: { type: "string", value: "<file>", description: `the lock file (default ${path.relative(process.cwd(), IMAGE_LOCK_FILE)})` },
        plans: {
            type: "string",
            value: "<dir>",
            description: "where every stack's plan is, <dir>/<stack>/plan.json: the image must be one they pull (default out)",
        },
    },
    examples: [
        "for s in dev staging prod prod-dr; do npm run plan -- --stack $s; done    # the plans say which images are used",
        "npm run images:record -- --image sophia-backup:1.0.0 --digest sha256:<64 hex digits from the push>",
    ],
    exitCodes: [
        [0, "recorded (or already recorded)"],
        [
            2,
            "usage error: missing or malformed --image or --digest, an image no stack's plan pulls, a missing plan, or an unreadable or invalid lock file; nothing is changed",
        ],
        [3, "unexpected failure"],
    ],
};

/** The image must be one some stack's plan pulls: a digest for anything else would only sit in the lock. */
function checkUsed(image: string, plansDir: string): void {
    const stacks = platformStacks(PROJECT_DIR);
    const plans = readStackPlans(stacks, plansDir);
    const { names, primary } = lockNamesOfPlans(plans, stackRegistries(PROJECT_DIR));
    if (names.has(image)) return;
    const guess = nearest(image, primary);
    throw new UsageError(
        `--image ${image}: no stack's plan pulls it (${stacks.join(", ")} in ${plansDir})${guess ? `; did you mean ${guess}?` : "."} Run npx sophia images --all-stacks for the images in use`,
    );
}

function record(values: CommandValues): number {
    if (!values.image) throw new UsageError("--image <name:tag> is required");
    if (!values.digest) throw new UsageError("--digest sha256:<64 hex> is required");
    const lock = path.resolve(String(values.lock ?? IMAGE_LOCK_FILE));
    if (!fs.existsSync(lock)) throw new UsageError(`--lock: ${lock} does not exist`);
    // The image and digest are well-formed (throws otherwise) before they are looked for in the plans.
    withRecordedDigest(fs.readFileSync(lock, "utf8"), String(values.image), String(values.digest));
    checkUsed(String(values.image), path.resolve(String(values.plans ?? "out")));
    const outcome = recordDigest(lock, String(values.image), String(values.digest));
    process.stdout.write(`${outcome} ${String(values.image)} ${String(values.digest)} in ${path.relative(process.cwd(), lock)}\n`);
    return 0;
}

/** What `sophia images:record` runs (commands/sophia.js). */
export const command: Command = { spec: RECORD_COMMAND, main: record };

if (require.main === module) runCommand(RECORD_COMMAND, record);
