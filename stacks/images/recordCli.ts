// npm run images:record -- --image <name:tag> --digest sha256:<hex> [--lock <file>]
// Records a pushed (or mirrored) image's digest in catalog/images.lock.yaml; the images workflow runs it per image.
import * as fs from "fs";
import * as path from "path";
import { IMAGE_LOCK_FILE } from "../../catalog/imageLock";
import { CommandSpec, CommandValues, runCommand, UsageError } from "../command";
import { recordDigest } from "./lockRecord";

export const RECORD_COMMAND: CommandSpec = {
    name: "npm run images:record",
    usage: "-- --image <name:tag> --digest sha256:<64 hex> [--lock <file>]",
    description:
        "Records an image's digest in the image lock the program reads (catalog/images.lock.yaml), keeping its comments and order. " +
        "Our images are named without the registry (sophia-backup:1.0.0), upstream ones as the code names them.",
    options: {
        image: { type: "string", value: "<name:tag>", description: "the image as the lock names it: sophia-backup:1.0.0" },
        digest: { type: "string", value: "<sha256:…>", description: "the digest the registry reported for the pushed image (its index for multi-arch images)" },
        lock: { type: "string", value: "<file>", description: `the lock file (default ${path.relative(process.cwd(), IMAGE_LOCK_FILE)})` },
    },
    examples: ["npm run images:record -- --image sophia-backup:1.0.0 --digest sha256:<64 hex digits from the push>"],
    exitCodes: [
        [0, "recorded (or already recorded)"],
        [2, "usage error: missing or malformed --image or --digest, or an unreadable or invalid lock file; nothing is changed"],
        [3, "unexpected failure"],
    ],
};

function record(values: CommandValues): number {
    if (!values.image) throw new UsageError("--image <name:tag> is required");
    if (!values.digest) throw new UsageError("--digest sha256:<64 hex> is required");
    const lock = path.resolve(String(values.lock ?? IMAGE_LOCK_FILE));
    if (!fs.existsSync(lock)) throw new UsageError(`--lock: ${lock} does not exist`);
    const outcome = recordDigest(lock, String(values.image), String(values.digest));
    process.stdout.write(`${outcome} ${String(values.image)} ${String(values.digest)} in ${path.relative(process.cwd(), lock)}\n`);
    return 0;
}

if (require.main === module) runCommand(RECORD_COMMAND, record);
