import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { formatPath, friendlyIssueMessage, Problem, throwIfProblems, zodProblems } from "../stacks/problems";
import { syntaxProblems } from "../stacks/yamlSource";
import { imageDigest } from "./schema";

/** The lock file of image digests the release pipeline writes (see its header). */
export const IMAGE_LOCK_FILE = path.join(__dirname, "images.lock.yaml");

/** name:tag, the name optionally with a registry host and port. */
export const IMAGE_WITH_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[0-9]+)?(\/[A-Za-z0-9._-]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const imageLockSchema = z.strictObject({ images: z.record(z.string(), imageDigest).default({}) });

/** Keys that do not name an image with its tag; checked on the raw data so they are reported with the digests' problems. */
function keyProblems(data: unknown, source: string): Problem[] {
    const images = (data as { images?: unknown } | null)?.images;
    if (!images || typeof images !== "object") return [];
    return Object.keys(images)
        .filter((image) => !IMAGE_WITH_TAG.test(image))
        .map((image) => ({ where: `${source} images.${image}`, message: `expected an image as name:tag, got ${JSON.stringify(image)}` }));
}

/** Image → digest, validated; an absent file means no digests yet. */
export function loadImageLock(file: string = IMAGE_LOCK_FILE): Readonly<Record<string, string>> {
    if (!fs.existsSync(file)) return {};
    const source = path.basename(file);
    const document = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    throwIfProblems(`Invalid image lock ${source}`, syntaxProblems(document, source));
    const data: unknown = document.toJS() ?? {};
    const parsed = imageLockSchema.safeParse(data, { error: friendlyIssueMessage });
    throwIfProblems(`Invalid image lock ${source}`, [
        ...(parsed.success ? [] : zodProblems(parsed.error.issues, (p) => `${source} ${formatPath(p) || "(root)"}`, { data })),
        ...keyProblems(data, source),
    ]);
    return Object.freeze({ ...parsed.data!.images });
}

/** name:tag@digest when a digest is known; an image that already names one keeps it. */
export function withDigest(image: string, digest: string | undefined): string {
    return digest && !image.includes("@") ? `${image}@${digest}` : image;
}
