// The drill's verdict from what it observed: each objective and each count judged on its own.
import { expect } from "chai";
import { RPO_SECONDS, RTO_SECONDS } from "../../components/backup-jobs/objectives";
import { DrillFacts, evaluateDrill, formatDrill } from "../../commands/release/drill";

const passing: DrillFacts = {
    stack: "staging",
    bucket: "sophia-staging-backups-replica-us-west-2",
    region: "us-west-2",
    backup: { stamp: "20250101T020000.000Z", kind: "hourly", takenAt: "2025-01-01T02:00:00.000Z" },
    ageSeconds: 600,
    restoreSeconds: 42,
    databases: [{ database: "sophia", scratch: "sophia_drill_1_0", expected: { "public.a": 3, "public.b": 0 }, restored: { "public.a": 3, "public.b": 0 } }],
};

describe("restore drill verdict", () => {
    it("passes within the RPO and RTO with every count matching, and says so last", () => {
        const result = evaluateDrill(passing);
        expect(result).to.include({ verdict: "pass", rpoSeconds: RPO_SECONDS, rtoSeconds: RTO_SECONDS });
        expect(result.problems).to.deep.equal([]);
        const text = formatDrill(result);
        expect(text).to.include("Restore:  42.0 s against the RTO of 15.0 min  ok");
        expect(text).to.include("Age:      10.0 min against the RPO of 60.0 min  ok");
        expect(text.trimEnd().split("\n").pop()).to.equal("Verdict: PASS");
    });

    it("fails a restore slower than the RTO, and one exactly at it passes", () => {
        expect(evaluateDrill({ ...passing, restoreSeconds: RTO_SECONDS }).verdict).to.equal("pass");
        const slow = evaluateDrill({ ...passing, restoreSeconds: RTO_SECONDS + 1 });
        expect(slow.problems).to.deep.equal([`the restore took 15.0 min, beyond the RTO of 15.0 min`]);
        expect(formatDrill(slow)).to.match(/Restore: +901\.0 s against the RTO of 15\.0 min {2}FAIL/);
    });

    it("fails a backup older than the RPO, and one exactly at it passes", () => {
        expect(evaluateDrill({ ...passing, ageSeconds: RPO_SECONDS }).verdict).to.equal("pass");
        expect(evaluateDrill({ ...passing, ageSeconds: RPO_SECONDS + 90 }).problems).to.deep.equal([
            "the newest backup is 61.5 min old, beyond the RPO of 60.0 min: the backup jobs are not keeping up",
        ]);
    });

    it("names a table missing after the restore and one the backup never had", () => {
        const result = evaluateDrill({ ...passing, databases: [{ ...passing.databases[0], restored: { "public.a": 3, "public.c": 1 } }] });
        expect(result.problems).to.deep.equal([
            "database sophia table public.b: 0 rows at backup time, missing after the restore",
            "database sophia table public.c: restored with 1 rows, but the backup records no such table",
        ]);
    });

    it("reports a failed restore with the backup it tried, and a missing backup as such", () => {
        const failed = evaluateDrill({ ...passing, restoreSeconds: undefined, databases: [], restoreError: "x.dump is damaged" });
        expect(failed.problems).to.deep.equal(["the restore failed: x.dump is damaged"]);
        expect(formatDrill(failed)).to.not.include("Restore:");
        const none = evaluateDrill({ stack: "prod", bucket: "b", region: "r", databases: [] });
        expect(none.problems).to.deep.equal(["no complete postgres backup in b"]);
        expect(formatDrill(none)).to.include("Backup:   none found");
    });
});
