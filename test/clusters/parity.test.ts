import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareShapes, EnvironmentShape, formatParity } from "../../commands/plan/parity";
import { TARGETS } from "../../stacks/settings";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { defaultMove } from "../../commands/plan/parityCli";
import { kubernetesStacks, ROOT, RUN_TYPESCRIPT, runCli, runCommandInProcess } from "../support/plan";

describe("parity report: one environment planned on Swarm and on K3s", () => {
    let out: string;
    let run: { code: number | null; stdout: string; stderr: string };
    let report: { before: EnvironmentShape; after: EnvironmentShape; differences: unknown[] };
    before(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-parity-"));
        const result = spawnSync(process.execPath, [...RUN_TYPESCRIPT, path.join(ROOT, "commands/plan/parityCli.ts"), "--stack", "dev", "--out", out], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 300_000,
        });
        run = { code: result.status, stdout: result.stdout, stderr: result.stderr };
        report = JSON.parse(fs.readFileSync(path.join(out, "dev-parity.json"), "utf8"));
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("plans the real dev stack on both targets and finds them the same", () => {
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.include("Parity of stack dev: swarm → k3s").and.include("No differences.");
        const swarm = JSON.parse(fs.readFileSync(path.join(out, "swarm", "dev", "plan.json"), "utf8"));
        const k3s = JSON.parse(fs.readFileSync(path.join(out, "k3s", "dev", "plan.json"), "utf8"));
        expect([swarm.target, k3s.target]).to.deep.equal(["swarm", "k3s"]);
        expect(report.before.servers.length).to.be.greaterThan(0);
        expect(report.before.alerts.length).to.be.greaterThan(report.before.servers.length);
        expect(Object.keys(report.after.replicas).sort()).to.deep.equal(report.after.servers);
    });

    it("lists every difference: a missing server, changed replicas, a lost secret, alert, route or backup", () => {
        const base = report.before;
        const changed: EnvironmentShape = {
            servers: base.servers.slice(1),
            replicas: { ...base.replicas, [base.servers[1]]: base.replicas[base.servers[1]] + 1 },
            secrets: [...base.secrets.slice(1), "NEW_SECRET"],
            alerts: base.alerts.slice(1),
            routes: base.routes.slice(1),
            backups: ["BackupJobs backup-jobs"],
        };
        delete changed.replicas[base.servers[0]];
        const differences = compareShapes(base, changed);
        const text = formatParity("dev", "swarm", "k3s", base, differences);
        expect(differences.map((d) => `${d.aspect} ${d.item}: ${d.before} → ${d.after}`)).to.have.members([
            `servers ${base.servers[0]}: present → absent`,
            `replicas ${base.servers[0]}: ${base.replicas[base.servers[0]]} → absent`,
            `replicas ${base.servers[1]}: ${base.replicas[base.servers[1]]} → ${base.replicas[base.servers[1]] + 1}`,
            `secrets ${base.secrets[0]}: present → absent`,
            "secrets NEW_SECRET: absent → present",
            `alerts ${base.alerts[0]}: present → absent`,
            `routes ${base.routes[0]}: present → absent`,
            "backups BackupJobs backup-jobs: absent → present",
        ]);
        expect(text).to.include(`${differences.length} difference(s): resolve or accept each before the cut-over.`);
    });

    it("exits 2 naming the flag and the fix on an unknown stack or target, before planning anything", async () => {
        for (const [args, message] of [
            [["--stack", "prd"], /unknown stack "prd" \(from --stack\): did you mean prod\?/],
            [["--stack", "dev", "--to", "k8s"], /--to k8s: not a target; use one of swarm, k3s, kubernetes/],
            [["--stack", "dev", "--from", "k3s"], /--from and --to are both k3s/],
        ] as const) {
            const result = await runCommandInProcess("commands/plan/parityCli.ts", [...args, "--out", path.join(out, "refused")]);
            expect(result.code, result.stderr).to.equal(2);
            expect(result.stderr).to.match(message);
            expect(result.stderr).to.not.match(/\n\s+at /);
            expect(fs.existsSync(path.join(out, "refused"))).to.be.false;
        }
    });
});

describe("parity without --from and --to", () => {
    it("compares a stack's next move on the migration path, or the move that brought it to the end", () => {
        const moves = TARGETS.map((t) => defaultMove(t));
        expect(moves).to.deep.equal([
            { from: TARGETS[0], to: TARGETS[1] },
            { from: TARGETS[1], to: TARGETS[2] },
            { from: TARGETS[1], to: TARGETS[2] },
        ]);
    });

    it("works out of the box on a stack that does not run on Swarm", function () {
        this.timeout(300_000);
        const stack = kubernetesStacks()[0];
        const move = defaultMove(offlineStackSettings(ROOT, stack).target);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-parity-default-"));
        const run = runCli("commands/plan/parityCli.ts", ["--stack", stack, "--out", out]);
        fs.rmSync(out, { recursive: true, force: true });
        expect(run.code, run.stderr).to.be.oneOf([0, 1]);
        expect(run.stdout).to.include(`Parity of stack ${stack}: ${move.from} → ${move.to}`);
    });
});
