import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_IMAGE_VERSION } from "../../components/backup-jobs/jobs";
import { InvalidInputError } from "../../stacks/problems";
import { platformStacks } from "../../esc/needs";
import { IMAGES_DIR, lockNameOf, ourImages, stackRegistries, tagsOf } from "../../commands/images/ours";
import { imagesOfPlan } from "../../commands/images/used";
import { planOf, ROOT, runCommandInProcess } from "../support/plan";

const withDockerfile = fs.readdirSync(IMAGES_DIR).filter((d) => fs.existsSync(path.join(IMAGES_DIR, d, "Dockerfile")));

describe("our images", () => {
    it("are the directories of images/ with a Dockerfile, named sophia-<directory>", () => {
        expect(ourImages().map((i) => i.name)).to.deep.equal(withDockerfile.sort());
        expect(ourImages().map((i) => i.context)).to.deep.equal(withDockerfile.map((d) => `images/${d}`));
    });
    it("carry the version the program deploys (the backup job's image)", () => {
        const backup = ourImages().find((i) => i.name === "backup")!;
        expect(lockNameOf(backup)).to.equal(`sophia-backup:${BACKUP_IMAGE_VERSION}`);
    });

    describe("in a copy of images/", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "images-"));
            fs.cpSync(IMAGES_DIR, dir, { recursive: true, filter: (source) => !/node_modules|dist/.test(path.basename(source)) });
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("pick up a new images/<name>/Dockerfile with its VERSION file, and ignore a directory without a Dockerfile", () => {
            fs.mkdirSync(path.join(dir, "aaa-exporter"));
            fs.writeFileSync(path.join(dir, "aaa-exporter", "Dockerfile"), "FROM scratch\n");
            fs.writeFileSync(path.join(dir, "aaa-exporter", "VERSION"), "0.3.1\n");
            fs.mkdirSync(path.join(dir, "notes"));
            const names = ourImages(dir).map((i) => i.name);
            expect(names).to.deep.equal(["aaa-exporter", ...withDockerfile.sort()]);
            expect(lockNameOf(ourImages(dir)[0])).to.equal("sophia-aaa-exporter:0.3.1");
        });
        it("refuse an image without a version, naming where it belongs", () => {
            fs.mkdirSync(path.join(dir, "nover"));
            fs.writeFileSync(path.join(dir, "nover", "Dockerfile"), "FROM scratch\n");
            expect(() => ourImages(dir))
                .to.throw(InvalidInputError)
                .with.property("message")
                .that.matches(/nover[\s\S]*package\.json or .*VERSION: expected x\.y\.z, got ""/);
        });
    });

    it("are pushed to every stack's registry, as the stacks' plans pull them", () => {
        const backup = ourImages().find((i) => i.name === "backup")!;
        const tags = tagsOf(backup, stackRegistries());
        const pulled = platformStacks(ROOT).flatMap((stack) => imagesOfPlan(planOf(stack).plan!).images.filter((i) => i.includes("/sophia-backup:")));
        expect(pulled, "a stack runs the backup jobs").to.not.be.empty;
        for (const image of pulled) expect(tags).to.include(image);
    });
    it("npm run images -- --ours --json lists them with repository, version, context, lock name and tags", async () => {
        const run = await runCommandInProcess("commands/images/cli.ts", ["--ours", "--json"]);
        expect(run.code, run.stderr).to.equal(0);
        expect(JSON.parse(run.stdout)).to.deep.equal(ourImages().map((i) => ({ ...i, lock: lockNameOf(i), tags: tagsOf(i, stackRegistries()) })));
    });
});
