import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { replaceDirectory, writeFileAtomic } from "../commands/files";

describe("writing outputs so that a failed run changes nothing", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-files-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes a file whole, making its folder, and leaves no temporary file beside it", () => {
        const file = path.join(dir, "a", "report.txt");
        writeFileAtomic(file, "one\n");
        writeFileAtomic(file, "two\n");
        expect(fs.readFileSync(file, "utf8")).to.equal("two\n");
        expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["report.txt"]);
    });

    it("keeps the previous file when the new one cannot be written", () => {
        const file = path.join(dir, "report.txt");
        fs.writeFileSync(file, "previous\n");
        fs.mkdirSync(path.join(dir, `.report.txt.${process.pid}.tmp`));
        expect(() => writeFileAtomic(file, "new\n")).to.throw();
        expect(fs.readFileSync(file, "utf8")).to.equal("previous\n");
    });

    it("replaces a folder with exactly the new files, dropping the old ones", () => {
        const target = path.join(dir, "out", "dev");
        replaceDirectory(
            target,
            new Map([
                ["plan.json", "{}\n"],
                ["k8s/a.yaml", "a\n"],
            ]),
        );
        replaceDirectory(
            target,
            new Map([
                ["plan.json", '{"v":2}\n'],
                ["rules/x.yml", "x\n"],
            ]),
        );
        expect(fs.readFileSync(path.join(target, "plan.json"), "utf8")).to.equal('{"v":2}\n');
        expect(fs.existsSync(path.join(target, "k8s"))).to.equal(false);
        expect(fs.readFileSync(path.join(target, "rules", "x.yml"), "utf8")).to.equal("x\n");
        expect(fs.readdirSync(path.join(dir, "out"))).to.deep.equal(["dev"]);
    });

    it("leaves the previous folder as it was when a file cannot be written", () => {
        const target = path.join(dir, "dev");
        replaceDirectory(target, new Map([["plan.json", "previous\n"]]));
        // A file and a folder of the same name cannot both be written: the second write fails.
        expect(() =>
            replaceDirectory(
                target,
                new Map([
                    ["k8s", "file\n"],
                    ["k8s/a.yaml", "a\n"],
                ]),
            ),
        ).to.throw();
        expect(fs.readdirSync(target)).to.deep.equal(["plan.json"]);
        expect(fs.readFileSync(path.join(target, "plan.json"), "utf8")).to.equal("previous\n");
        expect(fs.readdirSync(dir)).to.deep.equal(["dev"]);
    });
});
