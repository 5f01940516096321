import { execFile } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { schedulerProblem } from "../../images/backup/src/health";
import { ROOT } from "../support/plan";
import { requireBinary } from "../support/tools";

/**
 * The HEALTHCHECK command (node /app/health.js) as Docker runs it, in a PID namespace of its own with
 * its own /proc, so only the scheduler started there is seen (not another test's): with `crontab`,
 * a supercronic reading it runs beside the check.
 */
function healthCheck(home: string, crontab?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const check = `exec ${process.execPath} -r ts-node/register/transpile-only images/backup/src/health.ts`;
    const script = crontab ? `exec -a supercronic tail -f "$0" >/dev/null & until grep -qs supercronic /proc/$!/cmdline; do sleep 0.05; done; ${check}` : check;
    const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;
    return new Promise((resolve) =>
        execFile(
            requireBinary("unshare"),
            ["--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--", requireBinary("bash"), "-c", script, crontab ?? "-"],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 60_000,
                env: { PATH: process.env.PATH, HOME: home, ...(mutant === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: mutant }) },
            },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        ),
    );
}

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
    it("skips a process that ended while /proc was read: its folder is left without a command line", () => {
        const crontab = path.join(proc, "crontab");
        fs.writeFileSync(crontab, "0 * * * * node /app/backup.js\n");
        fs.mkdirSync(path.join(proc, "3"));
        process(4711, ["supercronic", crontab]);
        expect(schedulerProblem(proc)).to.equal(undefined);
    });
    it("is unhealthy when the crontab cannot be read", () => {
        process(1, ["/usr/local/bin/supercronic", "-passthrough-logs", "/etc/sophia/absent-crontab"]);
        expect(schedulerProblem(proc)).to.equal("supercronic's crontab /etc/sophia/absent-crontab cannot be read");
    });

    it("as a command, exits 0 and says nothing while supercronic runs with a readable crontab, and 1 with the reason otherwise", async function () {
        this.timeout(120_000);
        const crontab = path.join(proc, "crontab");
        fs.writeFileSync(crontab, "0 * * * * node /app/backup.js\n");
        expect(await healthCheck(proc, crontab)).to.deep.equal({ code: 0, stdout: "", stderr: "" });
        expect(await healthCheck(proc)).to.deep.equal({ code: 1, stdout: "", stderr: "unhealthy: supercronic is not running\n" });
    });
});
