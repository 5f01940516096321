import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TARGETS } from "../../catalog/schema";
import { platformTarget, servedPlatformProblems, TARGET_OF, targetProblem } from "../../clusters/agreement";
import { handoffEnvironmentRef } from "../../clusters/handoff";
import { poolRegions } from "../../clusters/machines";
import {
    CLUSTER_PROJECT_DIR,
    clusterStacks,
    importedClusterPools,
    importedClusterStacks,
    importedClusterTargetProblems,
    offlineHandoffConfig,
} from "../../clusters/offline";
import { CLUSTER_CONFIG_NAMESPACE, type ClusterSettings, LAMBDA_REGIONS } from "../../clusters/settings";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { platformStacks } from "../../esc/needs";

/** The platform project: the folder the cluster project sits in. */
const PLATFORM_DIR = path.dirname(CLUSTER_PROJECT_DIR);

/** The shipped cluster stacks' names, from the stack files' names. */
const shippedStackNames = (): string[] =>
    fs
        .readdirSync(CLUSTER_PROJECT_DIR)
        .filter((f) => f.startsWith("Pulumi.") && f.endsWith(".yaml") && f !== "Pulumi.yaml")
        .map((f) => f.slice("Pulumi.".length, -".yaml".length));

/** "Pulumi.dev.yaml:11", the line of a key in a stack file. */
function lineOfKey(dir: string, stack: string, qualifiedKey: string): string {
    const lines = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8").split("\n");
    const index = lines.findIndex((l) => l.startsWith(`  ${qualifiedKey}:`));
    expect(index, `${qualifiedKey} in Pulumi.${stack}.yaml`).to.be.at.least(0);
    return `Pulumi.${stack}.yaml:${index + 1}`;
}

describe("cluster stacks: which files are stacks, and which ones a platform stack imports", () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cluster-stacks-"));
        fs.copyFileSync(path.join(CLUSTER_PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    });

    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const copyStack = (stack: string, as: string): void => fs.copyFileSync(path.join(CLUSTER_PROJECT_DIR, `Pulumi.${stack}.yaml`), path.join(dir, as));

    it("counts as stacks only the files named exactly Pulumi.<stack>.yaml", () => {
        const names = shippedStackNames();
        expect(names).to.not.be.empty;
        for (const name of names) copyStack(name, `Pulumi.${name}.yaml`);
        // A backup, an editor's copy and another project's file are not stacks of their own.
        copyStack(names[0], `Pulumi.${names[0]}.yaml.bak`);
        copyStack(names[0], `xPulumi.${names[0]}.yaml`);
        copyStack(names[0], `Pulumi.${names[0]}.yml`);
        expect(clusterStacks(dir).map((s) => s.stack)).to.deep.equal([...names].sort());
    });

    it("lists the stacks in the order of their names, not of their file names", () => {
        const [name] = shippedStackNames();
        // "Pulumi.<name>-next.yaml" sorts before "Pulumi.<name>.yaml" ("-" before "."); the stack names the other way round.
        copyStack(name, `Pulumi.${name}.yaml`);
        copyStack(name, `Pulumi.${name}-next.yaml`);
        expect(clusterStacks(dir).map((s) => s.stack)).to.deep.equal([name, `${name}-next`]);
    });

    it("finds the cluster stack whose hand-off a platform stack imports, with or without an ESC version", () => {
        const stacks = clusterStacks();
        for (const cluster of stacks) {
            const ref = handoffEnvironmentRef(cluster);
            const serving = stacks.filter((s) => handoffEnvironmentRef(s) === ref).map((s) => s.stack);
            for (const imported of [ref, `${ref}@stable`, `${ref}@12`]) {
                expect(
                    importedClusterStacks(["sophia/common", imported]).map((s) => s.stack),
                    imported,
                ).to.deep.equal(serving);
            }
        }
    });

    it("reads no cluster stack file for a platform stack that imports no hand-off, so one being edited does not stop it", () => {
        const names = shippedStackNames();
        for (const name of names) copyStack(name, `Pulumi.${name}.yaml`);
        // A cluster stack file half-way through an edit: its esc is not a structure yet.
        const text = fs.readFileSync(path.join(CLUSTER_PROJECT_DIR, `Pulumi.${names[0]}.yaml`), "utf8");
        const edited = text.replace(/^ {2}sophia-clusters:esc:\n( {4}.*\n?)+/m, "  sophia-clusters:esc: sophia-ai\n");
        expect(edited, "the edit applies").to.not.equal(text);
        fs.writeFileSync(path.join(dir, `Pulumi.${names[0]}-edit.yaml`), edited);

        const withoutHandoff = platformStacks(PLATFORM_DIR)
            .map((stack) => ({ stack, environments: readStackConfig(PLATFORM_DIR, stack, () => []).environments }))
            .filter(({ environments }) => !environments.some((e) => e.replace(/@.*$/, "").endsWith("-cluster")));
        expect(withoutHandoff, "a platform stack importing no cluster hand-off").to.not.be.empty;
        for (const { stack, environments } of withoutHandoff) {
            expect(importedClusterStacks(environments, dir), stack).to.deep.equal([]);
            expect(importedClusterPools(environments, dir), stack).to.deep.equal([]);
            expect(offlineHandoffConfig(environments, dir), stack).to.deep.equal({ values: {}, secretKeys: [] });
            expect(importedClusterTargetProblems(environments, platformTarget(PLATFORM_DIR, stack)!, dir), stack).to.deep.equal([]);
        }
    });
    it("finds an imported hand-off though another cluster stack file is half edited: its esc not a structure, or not YAML at all", () => {
        const names = shippedStackNames();
        for (const name of names) copyStack(name, `Pulumi.${name}.yaml`);
        const text = fs.readFileSync(path.join(CLUSTER_PROJECT_DIR, `Pulumi.${names[0]}.yaml`), "utf8");
        const escNotStructure = text.replace(/^ {2}sophia-clusters:esc:\n( {4}.*\n?)+/m, "  sophia-clusters:esc: sophia-ai\n");
        expect(escNotStructure, "the edit applies").to.not.equal(text);
        fs.writeFileSync(path.join(dir, `Pulumi.${names[0]}-edit.yaml`), escNotStructure.replace(/^( {2}sophia-clusters:environment:).*$/m, "$1 elsewhere"));
        fs.writeFileSync(path.join(dir, `Pulumi.${names[0]}-draft.yaml`), "config:\n  sophia-clusters:pools: {servers: [\n");
        for (const cluster of clusterStacks()) {
            expect(importedClusterStacks(["sophia/common", handoffEnvironmentRef(cluster)], dir).map((s) => s.stack)).to.deep.equal(
                clusterStacks()
                    .filter((s) => handoffEnvironmentRef(s) === handoffEnvironmentRef(cluster))
                    .map((s) => s.stack),
            );
        }
    });

    it("names a cluster stack file that is not YAML when no readable one provides an imported hand-off", () => {
        const [name] = shippedStackNames();
        fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), "config:\n  sophia-clusters:pools: {servers: [\n");
        const imported = handoffEnvironmentRef(clusterStacks().find((s) => s.stack === name)!);
        const failure = (() => {
            try {
                importedClusterStacks(["sophia/common", imported], dir);
            } catch (error) {
                return error as Error;
            }
            return undefined;
        })();
        expect(failure?.name).to.equal("InvalidInputError");
        expect(failure?.message).to.match(
            new RegExp(
                `^No readable cluster stack hands off ${imported}: 1 problem\\(s\\)\n {2}- ${path.basename(dir)}/Pulumi\\.${name}\\.yaml: not YAML \\(.+\\); fix it`,
            ),
        );
        expect(() => clusterStacks(dir)).to.throw(`Pulumi.${name}.yaml: not YAML (`);
    });
});

describe("a cluster stack and the platform stack it serves agree on the kind of cluster", () => {
    /** The orchestrator whose clusters take `target`, if any. */
    const orchestratorOf = (target: string): string | undefined => Object.entries(TARGET_OF).find(([, t]) => t === target)?.[0];

    it("reports a platform target of another kind on the platform's side, naming both files, keys and values and the fix", () => {
        const [platformStack] = platformStacks(PLATFORM_DIR);
        let reported = 0;
        for (const cluster of clusterStacks()) {
            const expected = TARGET_OF[cluster.orchestrator];
            const orchestratorAt = `clusters/${lineOfKey(CLUSTER_PROJECT_DIR, cluster.stack, `${CLUSTER_CONFIG_NAMESPACE}:orchestrator`)}`;
            for (const target of TARGETS.filter((t) => t !== expected)) {
                const problem = targetProblem({ dir: PLATFORM_DIR, stack: platformStack, target }, cluster, CLUSTER_PROJECT_DIR, "platform");
                expect(problem, `${target} against ${cluster.stack}`).to.not.equal(undefined);
                expect(problem!.where).to.equal(`${lineOfKey(PLATFORM_DIR, platformStack, "sophia:target")}: sophia:target`);
                const matching = orchestratorOf(target);
                expect(problem!.message)
                    .to.include(
                        `${target}, but the cluster it imports (${handoffEnvironmentRef(cluster)}) is ${orchestratorAt}: ${CLUSTER_CONFIG_NAMESPACE}:orchestrator: ${cluster.orchestrator}; ` +
                            `a ${cluster.orchestrator} cluster takes sophia:target: ${expected}, never another`,
                    )
                    .and.include(`Set sophia:target: ${expected} in Pulumi.${platformStack}.yaml, or `)
                    .and.include(matching ? `import the hand-off of a cluster stack whose orchestrator is ${matching}` : "import no cluster stack's hand-off");
                reported++;
            }
        }
        expect(reported).to.be.greaterThan(0);
    });

    it("leaves a platform target that agrees, is unset or is not a known target to the platform's own checks", () => {
        const [platformStack] = platformStacks(PLATFORM_DIR);
        for (const cluster of clusterStacks()) {
            for (const target of [TARGET_OF[cluster.orchestrator], undefined, "nomad", "Swarm"]) {
                expect(targetProblem({ dir: PLATFORM_DIR, stack: platformStack, target }, cluster, CLUSTER_PROJECT_DIR, "platform"), String(target)).to.equal(
                    undefined,
                );
                expect(targetProblem({ dir: PLATFORM_DIR, stack: platformStack, target }, cluster, CLUSTER_PROJECT_DIR, "cluster"), String(target)).to.equal(
                    undefined,
                );
            }
        }
    });

    it("reports on the cluster's orchestrator when the platform stack it names deploys to another kind", () => {
        const platforms = platformStacks(PLATFORM_DIR).map((stack) => platformTarget(PLATFORM_DIR, stack)!);
        let reported = 0;
        for (const cluster of clusterStacks()) {
            const expected = TARGET_OF[cluster.orchestrator];
            for (const platform of platforms) {
                const serving: ClusterSettings = { ...cluster, environment: platform.stack };
                const problems = servedPlatformProblems(serving, CLUSTER_PROJECT_DIR);
                if (platform.target === expected || !(TARGETS as readonly (string | undefined)[]).includes(platform.target)) {
                    expect(problems, `${cluster.stack} serving ${platform.stack}`).to.deep.equal([]);
                    continue;
                }
                expect(problems, `${cluster.stack} serving ${platform.stack}`).to.have.length(1);
                expect(problems[0].where).to.equal(
                    `clusters/${lineOfKey(CLUSTER_PROJECT_DIR, cluster.stack, `${CLUSTER_CONFIG_NAMESPACE}:orchestrator`)}: ${CLUSTER_CONFIG_NAMESPACE}:orchestrator`,
                );
                expect(problems[0].message)
                    .to.include(
                        `${cluster.orchestrator}, but the platform stack it serves (${CLUSTER_CONFIG_NAMESPACE}:environment: ${platform.stack}) ` +
                            `deploys to ${lineOfKey(PLATFORM_DIR, platform.stack, "sophia:target")}: sophia:target: ${platform.target}; `,
                    )
                    .and.include(`${CLUSTER_CONFIG_NAMESPACE}:environment to a stack of its own`);
                const matching = orchestratorOf(platform.target!);
                if (matching) expect(problems[0].message).to.include(`Set ${CLUSTER_CONFIG_NAMESPACE}:orchestrator: ${matching}, or set`);
                reported++;
            }
            // A platform stack with no stack file here (one that moves to this cluster later) is not checked.
            expect(servedPlatformProblems({ ...cluster, environment: `${cluster.environment}-nowhere` }, CLUSTER_PROJECT_DIR)).to.deep.equal([]);
        }
        expect(reported, "a cluster stack and a platform stack of another kind").to.be.greaterThan(0);
    });
});

describe("the regions a cluster stack's machines are in", () => {
    it("gives each region of the pools that have machines once, in order, and none for a pool of no machines", () => {
        const cluster = clusterStacks()[0];
        const [base] = cluster.pools;
        const regions = [...LAMBDA_REGIONS].sort();
        expect(regions.length, "Lambda regions to spread pools over").to.be.at.least(3);
        const [first, second, idle] = regions;
        const pool = (name: string, region: string, count: number) => ({ ...base, name, region, count });
        const settings: ClusterSettings = {
            ...cluster,
            pools: [pool("later", second, 1), pool("earlier", first, 2), pool("more", second, 1), pool("spare", idle, 0)],
        };
        expect(poolRegions(settings)).to.deep.equal([first, second]);
        expect(poolRegions({ ...cluster, pools: [pool("spare", idle, 0)] })).to.deep.equal([]);
    });
});
