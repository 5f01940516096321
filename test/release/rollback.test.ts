import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decideRollback, RollbackInputs, stepOutputs, verifyOutcome } from "../../commands/release/rollback";
import { runCommandInProcess } from "../support/plan";

const NEW = "a".repeat(40);
const GOOD = "b".repeat(40);

describe("rollback decision after npm run verify", () => {
    const table: [string, RollbackInputs, Record<string, string>][] = [
        [
            "verified: tag the commit",
            { verify: "passed", commit: NEW, verifiedCommit: GOOD, rollingBack: false },
            { action: "tag-verified", "tag-commit": NEW },
        ],
        ["verified on a new stack: tag it", { verify: "passed", commit: NEW, rollingBack: false }, { action: "tag-verified", "tag-commit": NEW }],
        [
            "failed with a verified commit: roll back to it, notify critical",
            { verify: "failed", commit: NEW, verifiedCommit: GOOD, rollingBack: false },
            { action: "roll-back", "rollback-to": GOOD, alert: "DeployVerificationFailed", severity: "critical" },
        ],
        [
            "failed with nothing verified before: fail and notify critical",
            { verify: "failed", commit: NEW, rollingBack: false },
            { action: "fail", "rollback-to": "", alert: "DeployVerificationFailed", severity: "critical" },
        ],
        [
            "the verified commit itself fails now: nothing to roll back to",
            { verify: "failed", commit: GOOD, verifiedCommit: GOOD, rollingBack: false },
            { action: "fail", "rollback-to": "", severity: "critical" },
        ],
        [
            "verify could not run (usage error): no blind rollback, notify high",
            { verify: "unusable", commit: NEW, verifiedCommit: GOOD, rollingBack: false },
            { action: "fail", "rollback-to": "", alert: "DeployVerificationBroken", severity: "high" },
        ],
        [
            "the rollback verified: still fail the job, tell people it rolled back",
            { verify: "passed", commit: GOOD, verifiedCommit: GOOD, rollingBack: true },
            { action: "fail", "tag-commit": "", alert: "DeployRolledBack", severity: "critical" },
        ],
        [
            "the rollback failed too: page",
            { verify: "failed", commit: GOOD, verifiedCommit: GOOD, rollingBack: true },
            { action: "fail", alert: "RollbackFailed", severity: "critical" },
        ],
        [
            "the rollback could not be verified: page",
            { verify: "unusable", commit: GOOD, verifiedCommit: GOOD, rollingBack: true },
            { action: "fail", alert: "RollbackFailed", severity: "critical" },
        ],
    ];
    for (const [what, inputs, expected] of table) {
        it(what, () => expect(stepOutputs(decideRollback(inputs))).to.include(expected));
    }

    it("reads verify's exit codes: 0 passed, 1 failed, anything else could not judge", () => {
        expect([0, 1, 2, 3].map(verifyOutcome)).to.deep.equal(["passed", "failed", "unusable", "unusable"]);
    });

    it("names the commits in the summary people read", () => {
        const decision = decideRollback({ verify: "failed", commit: NEW, verifiedCommit: GOOD, rollingBack: false });
        expect(stepOutputs(decision).summary).to.equal(`${NEW.slice(0, 12)} failed verification; rolling back to ${GOOD.slice(0, 12)}`);
    });

    it("the CLI writes the decision as step outputs, and refuses a malformed SHA with exit 2", async () => {
        const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-rollback-")), "output");
        const run = await runCommandInProcess("commands/release/rollbackCli.ts", ["--verify-exit", "1", "--commit", NEW, "--verified-commit", GOOD], {
            GITHUB_OUTPUT: output,
        });
        expect(run.code, run.stderr).to.equal(0);
        const outputs = Object.fromEntries(
            fs
                .readFileSync(output, "utf8")
                .trim()
                .split("\n")
                .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
        expect(outputs).to.include({ action: "roll-back", "rollback-to": GOOD, severity: "critical" });
        fs.rmSync(path.dirname(output), { recursive: true });
        const bad = await runCommandInProcess("commands/release/rollbackCli.ts", ["--verify-exit", "1", "--commit", "abc"]);
        expect(bad.code).to.equal(2);
        expect(bad.stderr).to.include('--commit "abc": expected a full commit SHA (40 lowercase hex digits)');
    });
});
