// The lock the processes tier's workers take around the shared Python virtualenv.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withFileLock } from "./fileLock";

/** A process that holds the lock for `holdMs`, logging when it starts and ends holding it. */
function holder(lockFile: string, log: string, name: string, holdMs: number): Promise<number | null> {
    const script = `
        const fs = require("fs");
        const { withFileLock } = require(${JSON.stringify(path.join(__dirname, "fileLock.ts"))});
        withFileLock(${JSON.stringify(lockFile)}, () => {
            fs.appendFileSync(${JSON.stringify(log)}, "begin ${name}\\n");
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
            fs.appendFileSync(${JSON.stringify(log)}, "end ${name}\\n");
        });`;
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { stdio: "inherit" });
    return new Promise((resolve) => child.once("exit", resolve));
}

describe("a lock between processes (test/support/fileLock.ts)", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-lock-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("lets one process at a time hold it: the others wait, then each runs whole", async () => {
        const lockFile = path.join(dir, "venv.lock");
        const log = path.join(dir, "log");
        const codes = await Promise.all(["a", "b", "c"].map((name) => holder(lockFile, log, name, 400)));
        expect(codes).to.deep.equal([0, 0, 0]);
        const lines = fs.readFileSync(log, "utf8").trim().split("\n");
        expect(lines).to.have.length(6);
        for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1], lines.join(", ")).to.equal(lines[i].replace("begin", "end"));
        expect(fs.existsSync(lockFile), "removed after").to.equal(false);
    });

    it("returns what the function returns, and releases the lock when it throws", () => {
        const lockFile = path.join(dir, "venv.lock");
        expect(withFileLock(lockFile, () => 42)).to.equal(42);
        expect(() =>
            withFileLock(lockFile, () => {
                throw new Error("pip failed");
            }),
        ).to.throw("pip failed");
        expect(fs.existsSync(lockFile)).to.equal(false);
        expect(withFileLock(lockFile, () => "again")).to.equal("again");
    });

    it("takes over a lock left by a process that died holding it long ago", () => {
        const lockFile = path.join(dir, "venv.lock");
        fs.writeFileSync(lockFile, "12345");
        const longAgo = new Date(Date.now() - 60 * 60_000);
        fs.utimesSync(lockFile, longAgo, longAgo);
        expect(withFileLock(lockFile, () => "taken")).to.equal("taken");
    });
});
