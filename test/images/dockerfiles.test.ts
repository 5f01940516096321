// Static rules for every Dockerfile of ours (images/<name>/Dockerfile); hadolint and Checkov lint
// them in the scanner tier (npm run test:scanners).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { IMAGES_DIR, ourImages } from "../../commands/images/ours";
import { ROOT } from "../support/plan";

const dockerfile = (name: string) => fs.readFileSync(path.join(IMAGES_DIR, name, "Dockerfile"), "utf8");
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = (text: string): string[] =>
    text
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
const argDefaults = (lines: string[]): Record<string, string> =>
    Object.fromEntries(lines.flatMap((l) => (/^ARG (\w+)=(\S+)$/.exec(l) ? [[RegExp.$1, RegExp.$2]] : [])));
const BUILT_ARCHITECTURES = (
    YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "images.yml"), "utf8")) as { env: { PLATFORMS: string } }
).env.PLATFORMS.split(",").map((p) => p.replace("linux/", ""));

describe("our Dockerfiles", () => {
    for (const { name } of ourImages()) {
        describe(`images/${name}`, () => {
            const lines = instructions(dockerfile(name));
            const args = argDefaults(lines);
            const stages = lines.filter((l) => l.startsWith("FROM "));

            it("pin every base image by digest (through an ARG default when the base is substitutable)", () => {
                expect(stages).to.not.be.empty;
                for (const from of stages) {
                    const reference = from.split(/\s+/)[1].replace(/^\$\{?(\w+)\}?$/, (_, arg: string) => args[arg] ?? `<ARG ${arg} has no default>`);
                    const previousStage = stages.some((s) => new RegExp(`\\sAS\\s+${reference}$`, "i").test(s));
                    if (!previousStage) expect(reference, from).to.match(/@sha256:[0-9a-f]{64}$/);
                }
            });
            it("run as a non-root user", () => {
                const user = lines.filter((l) => l.startsWith("USER ")).pop();
                expect(user, "a USER instruction in the final stage").to.not.equal(undefined);
                expect(user!.split(/\s+/)[1].split(":")[0]).to.not.be.oneOf(["root", "0"]);
                expect(lines.indexOf(user!)).to.be.greaterThan(lines.indexOf(stages[stages.length - 1]));
            });
            it("declare a HEALTHCHECK (or HEALTHCHECK NONE, said on purpose)", () => {
                expect(lines.some((l) => /^HEALTHCHECK (NONE|(--\S+\s+)*CMD )/.test(l))).to.equal(true);
            });
            it("verify each downloaded binary against a checksum for every architecture the pipeline builds", () => {
                const checksums = Object.keys(args).filter((a) => /_SHA(1|256)SUM_[A-Z0-9]+$/.test(a));
                // A download: curl or wget given a URL, or ADD of one (installing the wget package is none).
                if (!lines.some((l) => /\b(curl|wget)\s[^;&|]*https?:|ADD https?:/.test(l))) return;
                expect(lines.join("\n")).to.match(/sha(1|256)sum -c/);
                const byTool = new Map<string, string[]>();
                for (const a of checksums)
                    byTool.set(a.replace(/_[A-Z0-9]+$/, ""), [...(byTool.get(a.replace(/_[A-Z0-9]+$/, "")) ?? []), a.split("_").pop()!.toLowerCase()]);
                expect(byTool.size, "per-architecture checksum ARGs (<TOOL>_SHA1SUM_<ARCH>)").to.be.greaterThan(0);
                for (const [tool, arches] of byTool) expect(arches, tool).to.include.members(BUILT_ARCHITECTURES);
                for (const a of checksums) expect(args[a], a).to.match(/^[0-9a-f]{40}([0-9a-f]{24})?$/);
                expect(lines.join("\n")).to.include("${TARGETARCH}");
            });
        });
    }
});
