import { expect } from "chai";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE_LOCK_FILE, loadImageLock } from "../../catalog/imageLock";
import { imageFrom } from "../../components/platform/images";
import { withRecordedDigest } from "../../commands/images/lockRecord";
import { lockNamesOf } from "../../commands/images/lockNames";
import { platformStacks } from "../../esc/needs";
import { planOf, ROOT, runCommandInProcess } from "../support/plan";
import { BACKUP_IMAGE_VERSION } from "../../components/backup-jobs/jobs";

/** The backup image as the stacks' plans pull it, and a version of it no plan pulls (the next patch release). */
const BACKUP = `sophia-backup:${BACKUP_IMAGE_VERSION}`;
const UNUSED_BACKUP = `sophia-backup:${BACKUP_IMAGE_VERSION.replace(/\d+$/, (patch) => String(Number(patch) + 1))}`;
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One folder with every stack's plan, <dir>/<stack>/plan.json, as `npm run plan` writes them into out/. */
function allPlans(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-plans-"));
    for (const stack of platformStacks(ROOT)) fs.symlinkSync(path.join(planOf(stack).out, stack), path.join(dir, stack), "dir");
    return dir;
}

const digestOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const committed = fs.readFileSync(IMAGE_LOCK_FILE, "utf8");
const header = committed.slice(0, committed.indexOf("images:"));

describe("the lock names of an image as a plan pulls it", () => {
    const registries = ["registry.sophia-ai.com", "registry.dev.sophia-ai.com"];
    it("names ours without the registry and upstream ones in each spelling the code may use", () => {
        expect(lockNamesOf("registry.dev.sophia-ai.com/sophia-backup:1.0.0", registries)).to.deep.equal(["sophia-backup:1.0.0"]);
        expect(lockNamesOf(`registry.sophia-ai.com/sophia-backup:1.0.0@${digestOf("a")}`, registries)).to.deep.equal(["sophia-backup:1.0.0"]);
        expect(lockNamesOf("registry.sophia-ai.com/mirror/docker.io/library/redis:7", registries)).to.deep.equal([
            "redis:7",
            "library/redis:7",
            "docker.io/library/redis:7",
        ]);
        expect(lockNamesOf("registry.sophia-ai.com/mirror/docker.io/prom/prometheus:v3", registries)).to.deep.equal([
            "prom/prometheus:v3",
            "docker.io/prom/prometheus:v3",
        ]);
        expect(lockNamesOf("registry.sophia-ai.com/mirror/quay.io/a/b:1", registries)).to.deep.equal(["quay.io/a/b:1"]);
        expect(lockNamesOf("elsewhere.example/x:1", registries)).to.deep.equal(["elsewhere.example/x:1"]);
    });
    it("agrees with the program: every name imageFrom pulls through the mirror maps back to the name it was given", () => {
        const registry = registries[0];
        for (const image of ["redis:7", "prom/prometheus:v3", "quay.io/a/b:1", "sophia-x:1"]) {
            const given = image.startsWith("sophia-") ? `${registry}/${image}` : image;
            expect(lockNamesOf(imageFrom(registry, given), registries)).to.include(image);
        }
    });
});

describe("recording a pushed image's digest", () => {
    it("writes the entry one per line under the committed header, keeping every comment", () => {
        const { text, outcome } = withRecordedDigest(committed, "sophia-backup:1.0.0", digestOf("a"));
        expect(outcome).to.equal("added");
        expect(text).to.equal(`${header}images:\n  sophia-backup:1.0.0: ${digestOf("a")}\n`);
    });
    it("updates an entry in place, appends new ones and leaves an identical one alone", () => {
        let text = withRecordedDigest(committed, "sophia-backup:1.0.0", digestOf("a")).text;
        text = withRecordedDigest(text, "postgres:16.4-alpine", digestOf("b")).text;
        const updated = withRecordedDigest(text, "sophia-backup:1.0.0", digestOf("c"));
        expect(updated.outcome).to.equal("updated");
        expect(updated.text.slice(updated.text.indexOf("images:"))).to.equal(
            `images:\n  sophia-backup:1.0.0: ${digestOf("c")}\n  postgres:16.4-alpine: ${digestOf("b")}\n`,
        );
        expect(withRecordedDigest(updated.text, "postgres:16.4-alpine", digestOf("b"))).to.deep.equal({ text: updated.text, outcome: "unchanged" });
    });
    it("refuses a malformed digest or image, naming the flag and the value", () => {
        expect(() => withRecordedDigest(committed, "sophia-backup", "sha256:ABC")).to.throw(
            /--image: expected an image as name:tag[\s\S]*--digest: expected sha256:<64 lowercase hex digits>, got "sha256:ABC"/,
        );
    });

    describe("npm run images:record", () => {
        let lock: string;
        let plans: string;
        before(() => (plans = allPlans()));
        after(() => fs.rmSync(plans, { recursive: true, force: true }));
        beforeEach(() => {
            lock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lock-")), "images.lock.yaml");
            fs.copyFileSync(IMAGE_LOCK_FILE, lock);
        });
        afterEach(() => fs.rmSync(path.dirname(lock), { recursive: true, force: true }));

        it("records the digest so the program pulls the image by it", async () => {
            const run = await runCommandInProcess("commands/images/recordCli.ts", [
                "--image",
                BACKUP,
                "--digest",
                digestOf("pushed"),
                "--lock",
                lock,
                "--plans",
                plans,
            ]);
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stdout).to.match(new RegExp(`^added ${escaped(BACKUP)} sha256:[0-9a-f]{64} in `));
            const registry = "registry.sophia-ai.com";
            expect(imageFrom(registry, `${registry}/${BACKUP}`, loadImageLock(lock))).to.equal(`${registry}/${BACKUP}@${digestOf("pushed")}`);
        });
        it("exits 2 on a bad digest, a missing flag or a missing lock file, changing nothing", async () => {
            const bad = await runCommandInProcess("commands/images/recordCli.ts", ["--image", BACKUP, "--digest", "sha256:1234", "--lock", lock]);
            expect(bad.code).to.equal(2);
            expect(bad.stderr).to.match(/--digest: expected sha256:<64 lowercase hex digits>, got "sha256:1234"/);
            expect(bad.stderr).to.not.match(/\n\s+at /);
            expect((await runCommandInProcess("commands/images/recordCli.ts", ["--image", BACKUP, "--lock", lock])).stderr).to.match(
                /--digest sha256:<64 hex> is required/,
            );
            expect(
                (await runCommandInProcess("commands/images/recordCli.ts", ["--image", "a:1", "--digest", digestOf("x"), "--lock", `${lock}.absent`])).code,
            ).to.equal(2);
            expect(fs.readFileSync(lock, "utf8")).to.equal(committed);
        });
        it("records an upstream image under the name the code gives it", async () => {
            const run = await runCommandInProcess("commands/images/recordCli.ts", [
                "--image",
                "prom/prometheus:v3.5.0",
                "--digest",
                digestOf("upstream"),
                "--lock",
                lock,
                "--plans",
                plans,
            ]);
            expect(run.code, run.stderr).to.equal(0);
            expect(loadImageLock(lock)).to.deep.equal({ "prom/prometheus:v3.5.0": digestOf("upstream") });
        });
        it("exits 2 on an image no stack's plan pulls, suggesting the nearest, changing nothing", async () => {
            const cases: [string, RegExp][] = [
                ["nosuch:1.0", /--image nosuch:1\.0: no stack's plan pulls it \(.*\)\. Run npx sophia images --all-stacks/],
                [UNUSED_BACKUP, new RegExp(`--image ${escaped(UNUSED_BACKUP)}: no stack's plan pulls it .*; did you mean ${escaped(BACKUP)}\\?`)],
            ];
            for (const [image, message] of cases) {
                const run = await runCommandInProcess("commands/images/recordCli.ts", [
                    "--image",
                    image,
                    "--digest",
                    digestOf("x"),
                    "--lock",
                    lock,
                    "--plans",
                    plans,
                ]);
                expect(run.code, image).to.equal(2);
                expect(run.stderr).to.match(message);
            }
            const noPlans = await runCommandInProcess("commands/images/recordCli.ts", [
                "--image",
                BACKUP,
                "--digest",
                digestOf("x"),
                "--lock",
                lock,
                "--plans",
                path.join(plans, "none"),
            ]);
            expect(noPlans.code).to.equal(2);
            expect(noPlans.stderr).to.match(/cannot read the plan of \S+: .*\(run npx sophia plan --stack \S+ --out /);
            expect(fs.readFileSync(lock, "utf8")).to.equal(committed);
        });
        it("exits 2 on a lock file that is not valid YAML, changing nothing", async () => {
            fs.writeFileSync(lock, "images: [unclosed\n");
            const run = await runCommandInProcess("commands/images/recordCli.ts", ["--image", "a:1", "--digest", digestOf("x"), "--lock", lock]);
            expect(run.code).to.equal(2);
            expect(run.stderr).to.match(/Invalid image lock/);
            expect(fs.readFileSync(lock, "utf8")).to.equal("images: [unclosed\n");
        });
    });
});
