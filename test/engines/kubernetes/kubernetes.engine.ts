import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { kubernetesStacks, runPlan } from "../../support/plan";
import { applyPlan, assertAccepted, formatReport, KnownRefusal, StackReport, unexpectedRejections } from "./apply";
import { buildEngine, RunningEngine, startEngine } from "./apiserver";

// Every stack on K3s or Kubernetes (read from the stack files) applied to a real kube-apiserver: strict field validation,
// restricted Pod Security, the published CRDs of the custom kinds. See docs/02-development/engine-tests.md.
const STACKS = kubernetesStacks();
const BUILD_TIMEOUT_MS = 30 * 60_000;

/**
 * What the engine refuses today that the platform must change (reported, not hidden): each entry
 * fails the test once the refusal stops, so it is deleted with the fix.
 */
// docker-agent, refused for its hostPath to the Docker socket, is deployed on Swarm only (catalog targets).
const KNOWN_REFUSALS: KnownRefusal[] = [];

function plannedStack(stack: string, out: string): string {
    const run = runPlan(["--stack", stack], {}, out);
    if (run.code !== 0) throw new Error(`plan of ${stack} failed (${run.code}):\n${run.stderr}\n${run.stdout}`);
    return path.join(out, stack);
}

/** A copy of a planned stack with one manifest changed, as a broken plan would render it. */
function plantedCopy(stackDir: string, into: string, file: string, change: (object: Record<string, unknown>) => void): string {
    fs.cpSync(stackDir, into, { recursive: true });
    const manifest = path.join(into, "k8s", file);
    const object = YAML.parse(fs.readFileSync(manifest, "utf8")) as Record<string, unknown>;
    change(object);
    fs.writeFileSync(manifest, YAML.stringify(object));
    return into;
}

type PodSpec = { containers: Record<string, unknown>[] };
const templateSpec = (deployment: Record<string, unknown>) => (deployment.spec as { template: { spec: PodSpec } }).template.spec;

describe(`${STACKS.join(", ")} on a real Kubernetes API server`, function () {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-engines-"));
    const reports = new Map<string, StackReport>();
    const planned = new Map<string, string>();
    let binary: string;
    const running: RunningEngine[] = [];

    before(function () {
        // A cold build compiles the whole API server; on a shared machine it can outlast the
        // usual ten minutes, and the time is printed rather than turned into a failure.
        this.timeout(BUILD_TIMEOUT_MS + 300_000);
        const build = buildEngine(scratch, BUILD_TIMEOUT_MS);
        binary = build.binary;
        console.log(`      built the kube-apiserver engine in ${build.seconds.toFixed(0)} s`);
        for (const stack of STACKS) planned.set(stack, plannedStack(stack, path.join(scratch, "plans")));
    });

    after(async function () {
        for (const engine of running) await engine.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    /** One engine per stack: the stacks render the same namespaces and names. */
    async function engineFor(name: string): Promise<RunningEngine> {
        const engine = await startEngine(binary, path.join(scratch, `engine-${name}`));
        running.push(engine);
        return engine;
    }

    for (const stack of STACKS) {
        it(`accepts every ${stack} manifest and admits every pod under restricted Pod Security`, async function () {
            const engine = await engineFor(stack);
            const report = await applyPlan(engine.client, planned.get(stack)!, scratch);
            reports.set(stack, report);
            console.log(formatReport(report).replace(/^/gm, "      "));
            expect(report.manifests.length).to.be.greaterThan(0);
            const workloads = report.manifests.filter((m) => ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].includes(m.kind));
            expect(report.pods.map((p) => p.what)).to.deep.equal(workloads.map((w) => `pod of ${w.what}`));
            for (const known of KNOWN_REFUSALS) console.log(`      KNOWN REFUSAL ${known.what}: ${known.why}`);
            assertAccepted(report, KNOWN_REFUSALS);
        });
    }

    describe("a broken plan fails with the engine's own message", function () {
        let engine: RunningEngine;
        let deploymentFile: string;
        before(async function () {
            engine = running.find((e) => e.log.includes("engine-staging")) ?? (await engineFor("staging"));
            const stagingDir = planned.get("staging")!;
            deploymentFile = fs
                .readdirSync(path.join(stagingDir, "k8s", "sophia-mcp"))
                .map((f) => `sophia-mcp/${f}`)
                .find((f) => f.startsWith("sophia-mcp/deployment-"))!;
        });

        it("refuses an unknown field in a Deployment's spec (strict field validation)", async function () {
            const dir = plantedCopy(planned.get("staging")!, path.join(scratch, "planted-field"), deploymentFile, (deployment) => {
                (deployment.spec as Record<string, unknown>).replicaCount = 2;
            });
            const report = await applyPlan(engine.client, dir, scratch);
            const refused = unexpectedRejections(report, KNOWN_REFUSALS);
            expect(refused, refused.join("\n")).to.have.length(1);
            // Server-side apply's own words for a field the schema does not have.
            expect(refused[0], refused[0])
                .to.contain(`${deploymentFile} (Deployment`)
                .and.match(/\.spec\.replicaCount: field not declared in schema/);
            expect(() => assertAccepted(report, KNOWN_REFUSALS)).to.throw(/\.spec\.replicaCount: field not declared in schema/);
        });

        it("refuses a privileged pod (Pod Security enforce: restricted)", async function () {
            let container = "";
            const dir = plantedCopy(planned.get("staging")!, path.join(scratch, "planted-privileged"), deploymentFile, (deployment) => {
                const first = templateSpec(deployment).containers[0];
                container = String(first.name);
                first.securityContext = { ...(first.securityContext as object), privileged: true, allowPrivilegeEscalation: true };
            });
            const report = await applyPlan(engine.client, dir, scratch);
            const refused = unexpectedRejections(report, KNOWN_REFUSALS);
            expect(refused, refused.join("\n")).to.have.length(1);
            expect(refused[0], refused[0]).to.contain(`pod of ${deploymentFile} (Pod`);
            expect(refused[0]).to.match(/violates PodSecurity "restricted:latest"/);
            expect(refused[0]).to.contain(`privileged (container "${container}" must not set securityContext.privileged=true)`);
            expect(() => assertAccepted(report, KNOWN_REFUSALS)).to.throw(/violates PodSecurity/);
        });
    });
});
