import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { platformStacks } from "../../esc/needs";
import { throwIfProblems } from "../../stacks/problems";

/** Where our images live: one directory per image, each with a Dockerfile. */
export const IMAGES_DIR = path.resolve(__dirname, "..", "..", "images");

export interface OurImage {
    /** The directory's name: "backup". */
    readonly name: string;
    /** The repository in the stack's registry: "sophia-backup". */
    readonly repository: string;
    /** The tag the release pipeline pushes, from the directory's package.json (or VERSION file). */
    readonly version: string;
    /** The build context, relative to the repository root: "images/backup". */
    readonly context: string;
}

/** The images of ours: every directory of images/ with a Dockerfile, in name order. */
export function ourImages(dir: string = IMAGES_DIR): OurImage[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "Dockerfile")))
        .map((entry) => entry.name)
        .sort()
        .map((name) => ({
            name,
            repository: `sophia-${name}`,
            version: versionOf(path.join(dir, name)),
            context: path.relative(path.resolve(dir, ".."), path.join(dir, name)),
        }));
}

/** The image as the lock file names it: "sophia-backup:1.0.0". */
export const lockNameOf = (image: OurImage): string => `${image.repository}:${image.version}`;

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const textOf = (value: unknown): string => (typeof value === "string" ? value : "");

function versionOf(dir: string): string {
    const packageJson = path.join(dir, "package.json");
    const versionFile = path.join(dir, "VERSION");
    const version = fs.existsSync(packageJson)
        ? textOf((JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version?: unknown }).version)
        : fs.existsSync(versionFile)
          ? fs.readFileSync(versionFile, "utf8").trim()
          : "";
    const where = fs.existsSync(packageJson) ? `${packageJson} "version"` : `${packageJson} or ${versionFile}`;
    throwIfProblems(
        `Image ${path.basename(dir)} has no version`,
        SEMVER.test(version) ? [] : [{ where, message: `expected x.y.z, got ${JSON.stringify(version)}` }],
    );
    return version;
}

const PROJECT_DIR = path.resolve(IMAGES_DIR, "..");

/** The registries our images are pushed to: each stack's sophia:registry, once each. */
export function stackRegistries(projectDir: string = PROJECT_DIR): string[] {
    const registries = platformStacks(projectDir).map((stack) => {
        const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
        const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
        const registry = config["sophia:registry"];
        throwIfProblems(
            `Stack ${stack} names no registry`,
            typeof registry === "string" ? [] : [{ where: `${file} config.sophia:registry`, message: "expected the stack's registry" }],
        );
        return registry as string;
    });
    return [...new Set(registries)].sort();
}

/** Every tag one build pushes: the image in each stack's registry, so all of them hold the same digest. */
export const tagsOf = (image: OurImage, registries: readonly string[]): string[] => registries.map((r) => `${r}/${lockNameOf(image)}`);
