// Drift reports from `pulumi preview --json` digests in Pulumi's own shape (fixtures/), and the CLI
// the nightly workflow runs on them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { platformStacks } from "../../esc/needs";
import { formatDrift, hasDrift, parsePreview, parseUrn } from "../../commands/release/drift";
import { ROOT, runCli, runCommandInProcess } from "../support/plan";

const FIXTURES = path.join(__dirname, "fixtures");
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, `preview-${name}.json`), "utf8"));
const STACK = platformStacks(ROOT)[0];
const CLI = "commands/release/driftCli.ts";

describe("drift report", () => {
    it("takes the resource's own type and name from a URN, parents and all", () => {
        expect(parseUrn("urn:pulumi:prod::sophia::sophia:index:McpServer$kubernetes:apps/v1:Deployment::github")).to.deep.equal({
            type: "kubernetes:apps/v1:Deployment",
            name: "github",
        });
        expect(parseUrn("urn:pulumi:prod::sophia::pulumi:pulumi:Stack::sophia-prod")).to.deep.equal({ type: "pulumi:pulumi:Stack", name: "sophia-prod" });
        expect(parseUrn("urn:pulumi:prod::sophia::aws:s3/bucket:Bucket::a::b")).to.deep.equal({ type: "aws:s3/bucket:Bucket", name: "a::b" });
        expect(parseUrn("not-a-urn")).to.deep.equal({ type: "(unknown)", name: "not-a-urn" });
    });

    it("finds no drift when every step is the same", () => {
        const report = parsePreview("prod", fixture("same"));
        expect(report.drifted).to.deep.equal([]);
        expect(hasDrift(report)).to.equal(false);
        expect(formatDrift(report)).to.equal("No drift in stack prod: after a refresh, every resource matches the program (same 2).\n");
    });

    it("finds no drift in a refresh's own reads", () => {
        const report = parsePreview("staging", fixture("refresh-only"));
        expect(hasDrift(report)).to.equal(false);
        expect(formatDrift(report)).to.include("No drift in stack staging");
    });

    it("names each drifted resource once, with its type, name and changed properties", () => {
        const report = parsePreview("prod", fixture("drift"));
        expect(report.drifted.map((d) => [d.op, d.type, d.name, d.properties])).to.deep.equal([
            ["update", "kubernetes:apps/v1:Deployment", "github", ["spec.replicas", "spec.template.spec.containers[0].image"]],
            ["replace", "aws:s3/bucket:Bucket", "backups-replica", ["objectLockEnabled"]],
            ["create", "kubernetes:core/v1:ConfigMap", "alert-rules", []],
            ["delete", "kubernetes:core/v1:Service", "hand-made-debug", []],
        ]);
        const text = formatDrift(report);
        expect(text.split("\n")[0]).to.equal(
            "Drift in stack prod: 4 resource(s) differ from the program after a refresh (create 1, delete 1, replace 1, same 140, update 1):",
        );
        expect(text).to.match(/~ +update +kubernetes:apps\/v1:Deployment +github +spec\.replicas, spec\.template\.spec\.containers\[0\]\.image\n/);
        expect(text).to.match(/\+- replace +aws:s3\/bucket:Bucket +backups-replica +objectLockEnabled\n/);
        expect(text).to.match(/- +delete +kubernetes:core\/v1:Service +hand-made-debug +\(no property named\)\n/);
        expect(text).to.include("docs/05-operations/drift.md");
    });

    it("names a drifted secret's property but never its value, masked or not", () => {
        const report = parsePreview("prod", fixture("secret"));
        expect(report.drifted.map((d) => d.properties)).to.deep.equal([["stringData.slack-url"]]);
        const text = formatDrift(report);
        expect(text).to.include("alertmanager-receivers  stringData.slack-url");
        expect(text).to.not.include("sentinel");
        expect(text).to.not.include("[secret]");
        expect(JSON.stringify(report)).to.not.include("sentinel");
    });

    it("says a preview that failed leaves drift unknown", () => {
        const report = parsePreview("dev", fixture("error"));
        expect(hasDrift(report)).to.equal(true);
        expect(formatDrift(report)).to.equal(
            "Drift check of stack dev failed: the preview reported 1 error(s), so drift is unknown:\n  - swarm: error: could not connect to the Docker daemon at ssh://ops@10.0.0.4\n",
        );
    });

    it("refuses JSON of another shape, naming the field", () => {
        expect(() => parsePreview("dev", { steps: [{ op: "update" }] })).to.throw("not the JSON of `pulumi preview --json`: steps.0.urn:");
        expect(() => parsePreview("dev", [])).to.throw("(top level)");
    });
});

describe("npm run drift-report", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-drift-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("exits 1 on drift and writes the report it printed to --out", () => {
        const out = path.join(dir, "drift.txt");
        const run = runCli(CLI, ["--preview", path.join(FIXTURES, "preview-drift.json"), "--stack", STACK, "--out", out]);
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.include(`Drift in stack ${STACK}: 4 resource(s)`);
        expect(fs.readFileSync(out, "utf8")).to.equal(run.stdout);
    });

    it("exits 0 without drift", () => {
        const run = runCli(CLI, ["--preview", path.join(FIXTURES, "preview-same.json"), "--stack", STACK]);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.include(`No drift in stack ${STACK}`);
    });

    it("exits 2 naming the flag, the file and the fix on bad input", async () => {
        const notJson = path.join(dir, "not.json");
        fs.writeFileSync(notJson, "Previewing update (prod)\n");
        const empty = path.join(dir, "empty.json");
        fs.writeFileSync(empty, "{}\n");
        const noSteps = path.join(dir, "no-steps.json");
        fs.writeFileSync(noSteps, JSON.stringify({ config: {}, changeSummary: {} }));
        const packageJson = path.join(ROOT, "package.json");
        const cases: [string[], string][] = [
            [["--stack", STACK], "--preview is required"],
            [["--preview", path.join(dir, "missing.json"), "--stack", STACK], `--preview ${path.join(dir, "missing.json")}: cannot read it (ENOENT)`],
            [["--preview", notJson, "--stack", STACK], `--preview ${notJson}: not JSON (`],
            [["--preview", empty, "--stack", STACK], `--preview ${empty}: not the JSON of \`pulumi preview --json\`: changeSummary:`],
            [["--preview", packageJson, "--stack", STACK], `--preview ${packageJson}: not the JSON of \`pulumi preview --json\`: changeSummary:`],
            [["--preview", noSteps, "--stack", STACK], `--preview ${noSteps}: a preview that finished lists a step for every resource`],
            [["--preview", path.join(FIXTURES, "preview-same.json"), "--stack", "nowhere"], 'unknown stack "nowhere" (from --stack)'],
            [["--preview", path.join(FIXTURES, "preview-same.json"), "--stack", STACK, "--json"], "unknown option --json"],
        ];
        for (const [args, message] of cases) {
            const run = await runCommandInProcess(CLI, args, { PULUMI_STACK: "" });
            expect(run.code, args.join(" ")).to.equal(2);
            expect(run.stderr, args.join(" ")).to.include(message);
            expect(run.stderr).to.include("Usage: npm run drift-report -- --preview <file.json> --stack <name>");
        }
    });
});
