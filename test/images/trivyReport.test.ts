import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAudit, trivyReportSchema, type TrivyReport } from "../../commands/images/trivyReport";
import { runCommandInProcess } from "../support/plan";

// A report in the shape `trivy image --format json` writes (SchemaVersion 2): OS packages and a Go
// binary with findings, and a lockfile target without any (no Vulnerabilities key).
const FIXTURE = path.join(__dirname, "fixtures", "trivy-image-report.json");
const sample = (): TrivyReport => trivyReportSchema.parse(JSON.parse(fs.readFileSync(FIXTURE, "utf8")));
const clean = (name: string): TrivyReport => ({ SchemaVersion: 2, ArtifactName: name, Results: [{ Target: name, Class: "os-pkgs" }] });

describe("the container audit's issue body", () => {
    it("counts each image's findings by severity, then lists them most severe first with where they are fixed", () => {
        const body = renderAudit({ reports: [sample(), clean("registry.sophia-ai.com/sophia-backup:1.0.0")], severities: "HIGH,CRITICAL" });
        const image = sample().ArtifactName;
        expect(body).to.include("Scanned 2 image(s) for HIGH,CRITICAL vulnerabilities");
        expect(body).to.include(`| \`${image}\` | 2 | 1 | 0 | 0 | 0 |`);
        expect(body).to.include("1 image(s) without findings.");
        const rows = body.split("\n").filter((l) => /^\| (CRITICAL|HIGH) \|/.test(l));
        expect(rows.map((r) => r.split(" | ")[1])).to.deep.equal([
            "[CVE-2024-24790](https://avd.aquasec.com/nvd/cve-2024-24790)",
            "[CVE-2024-45491](https://avd.aquasec.com/nvd/cve-2024-45491)",
            "[CVE-2023-50387](https://avd.aquasec.com/nvd/cve-2023-50387)",
        ]);
        expect(body).to.include("| libsystemd0 | 252.26-1~deb12u2 | no fix yet | bind9: KeyTrap \\| DNSSEC validation |");
    });
    it("says so when nothing was found", () => {
        expect(renderAudit({ reports: [clean("a:1"), clean("b:2")], severities: "HIGH,CRITICAL" })).to.equal(
            "Scanned 2 image(s) for HIGH,CRITICAL vulnerabilities not in images/trivyignore.yaml.\n\nNo findings.\n",
        );
    });
    it("lists the images that could not be scanned, even without findings", () => {
        const body = renderAudit({ reports: [clean("a:1")], failures: [{ image: "b:2", reason: "manifest unknown" }], severities: "HIGH" });
        expect(body).to.include("### Not scanned\n\n- `b:2`: manifest unknown");
        expect(body).to.not.include("No findings.");
    });
    it("shows a vulnerability listed by several targets of one image once", () => {
        const report = sample();
        const twice: TrivyReport = { ...report, Results: [...report.Results!, report.Results![0]] };
        expect(renderAudit({ reports: [twice], severities: "HIGH,CRITICAL" }).match(/CVE-2024-45491\]/g)).to.have.length(1);
    });

    describe("npm run images:report", () => {
        // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
        let dir = "";
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "trivy-reports-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("renders a folder of reports and the failures file", async () => {
            fs.copyFileSync(FIXTURE, path.join(dir, "redis.json"));
            fs.writeFileSync(path.join(dir, "failed.tsv"), "registry.sophia-ai.com/sophia-x:1\tunauthorized\n");
            const run = await runCommandInProcess("commands/images/reportCli.ts", ["--reports", dir, "--failed", path.join(dir, "failed.tsv")]);
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stdout).to.include("Scanned 1 image(s)").and.include("- `registry.sophia-ai.com/sophia-x:1`: unauthorized");
        });
        it("exits 2 naming a file that is not a Trivy report", async () => {
            fs.writeFileSync(path.join(dir, "zz-bad.json"), JSON.stringify({ SchemaVersion: 1, ArtifactName: "x" }));
            const run = await runCommandInProcess("commands/images/reportCli.ts", ["--reports", dir]);
            expect(run.code).to.equal(2);
            expect(run.stderr).to.match(/zz-bad\.json is not a Trivy JSON report \(SchemaVersion 2\): SchemaVersion/);
            expect(run.stderr).to.not.match(/\n\s+at /);
        });
        it("exits 2 without --reports or with a folder that does not exist", async () => {
            expect((await runCommandInProcess("commands/images/reportCli.ts", [])).code).to.equal(2);
            expect((await runCommandInProcess("commands/images/reportCli.ts", ["--reports", path.join(dir, "absent")])).stderr).to.match(/is not a folder/);
        });
    });
});
