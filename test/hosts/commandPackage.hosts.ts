import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../support/plan";

/** The SSH runner of every host step is @pulumi/command's remote.Command: the pinned release must be one its registry still stands behind. */
describe("@pulumi/command, the hosts' SSH runner", () => {
    it("is pinned exactly, installed at the pin, and not marked deprecated by the registry", function () {
        this.timeout(60_000);
        const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies["@pulumi/command"] as string;
        expect(pinned).to.match(/^\d+\.\d+\.\d+$/);
        const installed = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/command/package.json"), "utf8")).version as string;
        expect(installed.replace(/^v/, "")).to.equal(pinned);
        const deprecated = execFileSync("npm", ["view", `@pulumi/command@${pinned}`, "deprecated"], { encoding: "utf8", timeout: 50_000 }).trim();
        expect(deprecated, `npm marks @pulumi/command@${pinned} deprecated`).to.equal("");
    });
});
