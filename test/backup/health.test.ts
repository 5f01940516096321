import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { schedulerProblem } from "../../images/backup/src/health";

// A /proc of its own: one folder per process with its NUL-separated cmdline, as Linux writes it.
describe("the backup image's HEALTHCHECK", () => {
    let proc: string;
    const process = (pid: number, argv: string[]) => {
        fs.mkdirSync(path.join(proc, String(pid)));
        fs.writeFileSync(path.join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
    };
    beforeEach(() => {
        proc = fs.mkdtempSync(path.join(os.tmpdir(), "proc-"));
        fs.mkdirSync(path.join(proc, "sys"));
    });
    afterEach(() => fs.rmSync(proc, { recursive: true, force: true }));

    it("is healthy while supercronic runs with a readable crontab", () => {
        const crontab = path.join(proc, "crontab");
        fs.writeFileSync(crontab, "0 * * * * node /app/backup.js\n");
        process(1, ["supercronic", "-passthrough-logs", crontab]);
        process(40, ["node", "/app/health.js"]);
        expect(schedulerProblem(proc)).to.equal(undefined);
    });
    it("is unhealthy when supercronic is not running", () => {
        process(1, ["node", "/app/backup.js"]);
        expect(schedulerProblem(proc)).to.equal("supercronic is not running");
    });
    it("finds supercronic at any process id, past the kernel's threads, whose command lines are empty", () => {
        const crontab = path.join(proc, "crontab");
        fs.writeFileSync(crontab, "0 * * * * node /app/backup.js\n");
        process(1, ["/sbin/tini", "--", "supercronic"]);
        fs.mkdirSync(path.join(proc, "2"));
        fs.writeFileSync(path.join(proc, "2", "cmdline"), "");
        process(4711, ["/usr/local/bin/supercronic", "-passthrough-logs", crontab]);
        expect(schedulerProblem(proc)).to.equal(undefined);
    });
    it("is unhealthy when the crontab cannot be read", () => {
        process(1, ["/usr/local/bin/supercronic", "-passthrough-logs", "/etc/sophia/absent-crontab"]);
        expect(schedulerProblem(proc)).to.equal("supercronic's crontab /etc/sophia/absent-crontab cannot be read");
    });
});
