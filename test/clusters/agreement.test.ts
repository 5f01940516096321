import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformTarget, servedPlatformProblems, TARGET_OF } from "../../clusters/agreement";
import { handoffEnvironmentRef } from "../../clusters/handoff";
import { CLUSTER_PROJECT_DIR, clusterStacks, importedClusterStacks, importedClusterTargetProblems } from "../../clusters/offline";
import { CLUSTER_CONFIG_NAMESPACE } from "../../clusters/settings";
import { locateKey } from "../../clusters/stackFile";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { platformStacks } from "../../esc/needs";
import { platformCopy } from "../support/esc";
import { ROOT, runCli, runPlan } from "../support/plan";

const TARGETS = ["swarm", "k3s", "kubernetes"];

/** The platform stacks that import a cluster stack's hand-off, with that cluster stack. */
function importingStacks() {
    return platformStacks(ROOT).flatMap((stack) =>
        importedClusterStacks(readStackConfig(ROOT, stack, () => []).environments).map((cluster) => ({ stack, cluster })),
    );
}

describe("the cluster a platform stack gets is the kind its target deploys to", () => {
    it("holds for every shipped stack: the platform stacks' imports, and the platform stack each cluster stack serves", () => {
        const importing = importingStacks();
        expect(importing, "platform stacks importing a cluster hand-off").to.not.be.empty;
        for (const { stack, cluster } of importing) {
            const platform = platformTarget(ROOT, stack)!;
            expect(platform.target, `${stack} imports ${handoffEnvironmentRef(cluster)}`).to.equal(TARGET_OF[cluster.orchestrator]);
            expect(importedClusterTargetProblems([handoffEnvironmentRef(cluster)], platform)).to.deep.equal([]);
        }
        for (const cluster of clusterStacks()) expect(servedPlatformProblems(cluster, CLUSTER_PROJECT_DIR), cluster.stack).to.deep.equal([]);
    });

    it("stops a platform plan (exit 2) whose target disagrees with the cluster it imports, naming both files, keys, values and the fix", function () {
        this.timeout(120_000);
        for (const { stack, cluster } of importingStacks()) {
            const expected = TARGET_OF[cluster.orchestrator];
            const wrong = TARGETS.find((t) => t !== expected)!;
            const dir = platformCopy((s, data) => {
                if (s === stack) (data.config as Record<string, unknown>)["sophia:target"] = wrong;
            });
            try {
                const run = runPlan(["--stack", stack, "--project-dir", dir]);
                expect(run.code, run.stdout + run.stderr).to.equal(2);
                const orchestratorAt = locateKey(CLUSTER_PROJECT_DIR, cluster.stack, CLUSTER_CONFIG_NAMESPACE, ["orchestrator"]);
                expect(run.stderr)
                    .to.include(
                        `${locateKey(dir, stack, "sophia", ["target"])}: sophia:target: ${wrong}, but the cluster it imports (${handoffEnvironmentRef(cluster)})`,
                    )
                    .and.include(`clusters/${orchestratorAt}: ${CLUSTER_CONFIG_NAMESPACE}:orchestrator: ${cluster.orchestrator}`)
                    .and.include(`Set sophia:target: ${expected} in Pulumi.${stack}.yaml`);
                expect(run.stderr).to.not.match(/\n\s+at /);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    it("stops a cluster plan (exit 2) when the platform stack it serves deploys to another kind, naming both files", function () {
        this.timeout(120_000);
        const cluster = clusterStacks().find((c) => c.orchestrator === "k3s")!;
        const other = platformStacks(ROOT)
            .map((s) => platformTarget(ROOT, s)!)
            .find((p) => p.target !== TARGET_OF[cluster.orchestrator])!;
        expect(other, "a platform stack of another target").to.not.equal(undefined);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-agreement-"));
        try {
            const run = runCli("commands/plan/cli.ts", ["--project", CLUSTER_PROJECT_DIR, "--stack", cluster.stack, "--out", out], {
                PULUMI_CONFIG: JSON.stringify({ [`${CLUSTER_CONFIG_NAMESPACE}:environment`]: other.stack }),
            });
            expect(run.code, run.stdout + run.stderr).to.equal(2);
            expect(run.stderr)
                .to.include(
                    `clusters/${locateKey(CLUSTER_PROJECT_DIR, cluster.stack, CLUSTER_CONFIG_NAMESPACE, ["orchestrator"])}: ${CLUSTER_CONFIG_NAMESPACE}:orchestrator: k3s`,
                )
                .and.include(`deploys to ${locateKey(ROOT, other.stack, "sophia", ["target"])}: sophia:target: ${other.target}`)
                .and.include(`${CLUSTER_CONFIG_NAMESPACE}:environment to a stack of its own`);
            expect(fs.existsSync(path.join(out, "sophia-clusters", cluster.stack, "plan.json"))).to.equal(false);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
