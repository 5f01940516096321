import { expect } from "chai";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE_LOCK_FILE, loadImageLock } from "../../catalog/imageLock";
import { imageFrom } from "../../components/platform/images";
import { withRecordedDigest } from "../../stacks/images/lockRecord";
import { runCli } from "../support/plan";

const digestOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const committed = fs.readFileSync(IMAGE_LOCK_FILE, "utf8");
const header = committed.slice(0, committed.indexOf("images:"));

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
        beforeEach(() => {
            lock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lock-")), "images.lock.yaml");
            fs.copyFileSync(IMAGE_LOCK_FILE, lock);
        });
        afterEach(() => fs.rmSync(path.dirname(lock), { recursive: true, force: true }));

        it("records the digest so the program pulls the image by it", () => {
            const run = runCli("stacks/images/recordCli.ts", ["--image", "sophia-backup:1.0.0", "--digest", digestOf("pushed"), "--lock", lock]);
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stdout).to.match(/^added sophia-backup:1\.0\.0 sha256:[0-9a-f]{64} in /);
            const registry = "registry.sophia-ai.com";
            expect(imageFrom(registry, `${registry}/sophia-backup:1.0.0`, loadImageLock(lock))).to.equal(
                `${registry}/sophia-backup:1.0.0@${digestOf("pushed")}`,
            );
        });
        it("exits 2 on a bad digest, a missing flag or a missing lock file, changing nothing", () => {
            const bad = runCli("stacks/images/recordCli.ts", ["--image", "sophia-backup:1.0.0", "--digest", "sha256:1234", "--lock", lock]);
            expect(bad.code).to.equal(2);
            expect(bad.stderr).to.match(/--digest: expected sha256:<64 lowercase hex digits>, got "sha256:1234"/);
            expect(bad.stderr).to.not.match(/\n\s+at /);
            expect(runCli("stacks/images/recordCli.ts", ["--image", "sophia-backup:1.0.0", "--lock", lock]).stderr).to.match(
                /--digest sha256:<64 hex> is required/,
            );
            expect(runCli("stacks/images/recordCli.ts", ["--image", "a:1", "--digest", digestOf("x"), "--lock", `${lock}.absent`]).code).to.equal(2);
            expect(fs.readFileSync(lock, "utf8")).to.equal(committed);
        });
        it("exits 2 on a lock file that is not valid YAML, changing nothing", () => {
            fs.writeFileSync(lock, "images: [unclosed\n");
            const run = runCli("stacks/images/recordCli.ts", ["--image", "a:1", "--digest", digestOf("x"), "--lock", lock]);
            expect(run.code).to.equal(2);
            expect(run.stderr).to.match(/Invalid image lock/);
            expect(fs.readFileSync(lock, "utf8")).to.equal("images: [unclosed\n");
        });
    });
});
