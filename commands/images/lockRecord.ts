import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { IMAGE_WITH_TAG, loadImageLock } from "../../catalog/imageLock";
import { imageDigest } from "../../catalog/schema";
import { writeFileAtomic } from "../files";
import { throwIfProblems } from "../../stacks/problems";

export type RecordOutcome = "added" | "updated" | "unchanged";

/**
 * The lock file's text with `image` locked to `digest`: an existing entry keeps its place, a new
 * one is appended, and the header and every other comment stay (yaml's Document API).
 */
export function withRecordedDigest(text: string, image: string, digest: string): { text: string; outcome: RecordOutcome } {
    throwIfProblems(`Cannot record ${image}`, [
        ...(IMAGE_WITH_TAG.test(image)
            ? []
            : [{ where: "--image", message: `expected an image as name:tag ("sophia-backup:1.0.0"), got ${JSON.stringify(image)}` }]),
        ...(imageDigest.safeParse(digest).success
            ? []
            : [{ where: "--digest", message: `expected sha256:<64 lowercase hex digits>, got ${JSON.stringify(digest)}` }]),
    ]);
    const document = YAML.parseDocument(text);
    throwIfProblems(
        "Invalid image lock",
        document.errors.map((e) => ({ where: "images.lock.yaml", message: e.message })),
    );
    let images = document.get("images", true);
    if (!YAML.isMap(images)) {
        images = new YAML.YAMLMap();
        document.set("images", images);
    }
    const map = images as YAML.YAMLMap;
    // The committed file starts as `images: {}`; entries are written one per line.
    map.flow = false;
    const previous = map.get(image);
    if (previous === digest) return { text, outcome: "unchanged" };
    map.set(image, digest);
    return { text: document.toString(), outcome: previous === undefined ? "added" : "updated" };
}

/** Records one digest in the lock file, which must stay valid; an invalid input changes nothing. */
export function recordDigest(file: string, image: string, digest: string): RecordOutcome {
    const { text, outcome } = withRecordedDigest(fs.readFileSync(file, "utf8"), image, digest);
    if (outcome === "unchanged") return outcome;
    // Validate the new text as the program will read it before it replaces the file.
    const candidate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "image-lock-")), path.basename(file));
    fs.writeFileSync(candidate, text);
    try {
        loadImageLock(candidate);
    } finally {
        fs.rmSync(path.dirname(candidate), { recursive: true });
    }
    writeFileAtomic(file, text);
    return outcome;
}
