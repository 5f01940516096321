import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { platformNodeCapacity } from "../../clusters/capacity";
import { hostScripts } from "../../clusters/hosts";
import { clusterStacks } from "../../clusters/offline";
import { machineTags, poolRegions, rulesetName } from "../../clusters/machines";
import { apiCost, clusterCost, HOURS_PER_MONTH, INSTANCE_TYPES } from "../../clusters/pricing";
import { CLUSTER_CONFIG_NAMESPACE, ClusterSettings, loadClusterSettings } from "../../clusters/settings";
import { locateKey } from "../../clusters/stackFile";
import type { ProjectPlanFile } from "../../commands/plan/project";
import { PLACEHOLDER_PREFIX, readStackConfig } from "../../commands/plan/stackConfig";
import { SECRET_MARKER } from "../../commands/plan/recorder";
import { API_PRICE_CENTS, FAST, FAST_LIMITS, startLambdaApi } from "../support/lambdaApi";
import { ClusterPlanRun, clusterPlanOf, filesUnder, ROOT, runCli, runCliAsync } from "../support/plan";

const CLUSTERS = path.join(ROOT, "clusters");

/** `npm run plan -- --project <dir> --stack <stack>` in its own process, as a user runs it. */
function planCluster(stack: string, projectDir = CLUSTERS, config: Record<string, string> = {}): ClusterPlanRun {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cluster-plan-"));
    const result = runCli("commands/plan/cli.ts", ["--project", projectDir, "--stack", stack, "--out", out], { PULUMI_CONFIG: JSON.stringify(config) });
    const dir = path.join(out, "sophia-clusters", stack);
    const file = path.join(dir, "plan.json");
    return {
        ...result,
        out,
        dir,
        plan: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ProjectPlanFile) : undefined,
    };
}

function settingsOf(stack: string): ClusterSettings {
    const { config } = readStackConfig(CLUSTERS, stack, () => []);
    return loadClusterSettings(stack, (k) => config[`${CLUSTER_CONFIG_NAMESPACE}:${k}`], CLUSTERS);
}

type Recorded = ProjectPlanFile["resources"][number] & { inputs: Record<string, any> };
const ofName = (plan: ProjectPlanFile, suffix: string) => plan.resources.filter((r) => r.name.endsWith(suffix)) as Recorded[];
const machinesOf = (plan: ProjectPlanFile) =>
    plan.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && "instanceType" in r.inputs) as Recorded[];

for (const stack of clusterStacks().map((s) => s.stack)) {
    describe(`cluster plan of ${stack} (offline, mocks)`, () => {
        let run: ClusterPlanRun;
        let settings: ClusterSettings;
        before(() => {
            run = clusterPlanOf(stack);
            settings = settingsOf(stack);
        });

        it("launches every pool's machines with its type and region, with the stack's SSH key", () => {
            const machines = machinesOf(run.plan!);
            expect(machines).to.have.length(settings.pools.reduce((n, p) => n + p.count, 0));
            for (const pool of settings.pools) {
                const own = machines.filter((m) => m.inputs.name.startsWith(`${settings.environment}-${pool.name}-`));
                expect(own, pool.name).to.have.length(pool.count);
                for (const m of own) expect(m.inputs).to.include({ instanceType: pool.instanceType, region: pool.region, apiKey: SECRET_MARKER });
            }
            const key = ofName(run.plan!, "ssh-key")[0];
            expect(key.inputs).to.include({ name: settings.sshKeyName, publicKey: settings.sshPublicKey, apiKey: SECRET_MARKER });
        });

        it("prepares each machine over SSH with the scripts written as artifacts, in order", () => {
            const scripts = hostScripts(settings);
            for (const [file, text] of scripts) expect(fs.readFileSync(path.join(run.dir, file), "utf8"), file).to.equal(text);
            const steps = run.plan!.resources.filter((r) => r.type === "command:remote:Command" && r.name.startsWith("prepare-")) as Recorded[];
            for (const step of steps) {
                expect(step.inputs.connection, step.name).to.equal(SECRET_MARKER); // it carries the private key
                const pool = settings.pools.find((p) => step.name.startsWith(`prepare-${settings.environment}-${p.name}-`))!;
                const name = step.name.split("-").pop();
                const script = scripts.get(`scripts/${pool.name}/${name}.sh`);
                expect(script, step.name).to.be.a("string");
                expect(String(step.inputs.create)).to.include(Buffer.from(script!).toString("base64"));
            }
            const gpuPools = settings.pools.filter((p) => p.gpu && p.count > 0);
            expect(steps.filter((s) => s.name.endsWith("-nvidia"))).to.have.length(gpuPools.reduce((n, p) => n + p.count, 0));
        });

        it("builds the orchestrator with secrets only on standard input, and hands off through ESC", () => {
            const plan = run.plan!;
            const env = ofName(plan, "handoff")[0];
            expect(env.type).to.equal("pulumiservice:index:Environment");
            expect(env.inputs).to.include({ organization: settings.esc.organization, project: settings.esc.project, name: `${settings.environment}-cluster` });
            const handoff = YAML.parse(fs.readFileSync(path.join(run.dir, "handoff.yaml"), "utf8"));
            expect(handoff.values.pulumiConfig["sophia:nodeCapacity"]).to.deep.equal(platformNodeCapacity(settings.pools));
            const commands = plan.resources.filter((r) => r.type === "command:remote:Command") as Recorded[];
            if (settings.orchestrator === "swarm") {
                const joins = commands.filter((c) => c.name.endsWith("-join"));
                expect(joins).to.have.length(settings.pools.reduce((n, p) => n + p.count, 0) - 1);
                for (const j of joins) expect(j.inputs.stdin, j.name).to.equal(SECRET_MARKER);
                expect(commands.filter((c) => c.name.endsWith("-token")).map((c) => c.inputs.create)).to.have.members([
                    "sudo docker swarm join-token -q manager",
                    "sudo docker swarm join-token -q worker",
                ]);
                expect(plan.outputs.platformConnection).to.deep.equal({
                    dockerHost: `ssh://${settings.sshUser}@offline-ip-of-${settings.environment}-${settings.pools[0].name}-0`,
                });
                expect(handoff.values.pulumiConfig["sophia:dockerHost"]).to.match(/^ssh:\/\//);
                expect(env.inputs.yaml).to.not.equal(SECRET_MARKER);
            } else {
                const installs = commands.filter((c) => c.name.endsWith("-k3s"));
                expect(installs).to.have.length(settings.pools.reduce((n, p) => n + p.count, 0));
                for (const i of installs) expect(i.inputs.stdin, i.name).to.equal(SECRET_MARKER);
                expect(commands.some((c) => c.name.endsWith("gpu-addons"))).to.equal(settings.pools.some((p) => p.gpu && p.count > 0));
                expect(plan.outputs.platformConnection).to.deep.equal({ kubeconfig: SECRET_MARKER });
                expect(env.inputs.yaml, "a kubeconfig makes the definition secret").to.equal(SECRET_MARKER);
                expect(handoff.values.pulumiConfig["sophia:kubeconfig"]).to.equal("${cluster.kubeconfig}");
            }
        });

        it("reports the monthly cost from the dated fallback table when the API cannot be read (no key offline), saying so", () => {
            const cost = run.plan!.summary.cost!;
            const expected = settings.pools.reduce((sum, p) => sum + INSTANCE_TYPES[p.instanceType].usdPerHour * p.count * HOURS_PER_MONTH, 0);
            expect(cost.usdPerMonth).to.be.closeTo(expected, 0.01);
            expect(cost).to.include({ pricesFrom: "fallback" });
            expect(cost.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
            expect(cost.source).to.match(/^dated fallback table .*; the API's prices could not be read: Lambda Cloud API GET \/instance-types /);
            expect(run.stdout).to.include("on-demand prices DATED FALLBACK");
            expect(run.stdout).to.include(`$${cost.usdPerMonth.toFixed(2)}/month`);
        });

        it("gives each region of its pools one firewall ruleset that its machines carry from launch, and never the account-wide list", () => {
            const plan = run.plan!;
            const rulesets = plan.resources.filter((r) => "initialRules" in r.inputs) as Recorded[];
            const regions = poolRegions(settings);
            expect(rulesets.map((r) => r.inputs.name)).to.have.members(regions.map((region) => rulesetName(settings, region)));
            expect(
                plan.resources.filter((r) => "owner" in r.inputs),
                "no share of the account-wide /firewall-rules",
            ).to.deep.equal([]);
            for (const m of machinesOf(plan)) {
                const own = rulesets.find((r) => r.inputs.region === m.inputs.region)!;
                expect(m.propertyDependencies?.firewallRulesetIds, m.name).to.deep.equal([own.urn]);
                expect(m.inputs).to.deep.include({ hostname: m.inputs.name, tags: machineTags(settings, m.inputs.name) });
            }
            const rules = plan.resources.filter((r) => "rulesetId" in r.inputs) as Recorded[];
            expect(rules).to.have.length(regions.length);
            const peers = machinesOf(plan).map((m) => `offline-ip-of-${m.inputs.name}/32`);
            for (const r of rules)
                expect(
                    r.inputs.rules.filter((x: { protocol: string }) => x.protocol === "all").map((x: { source_network: string }) => x.source_network),
                ).to.have.members(peers);
            for (const region of regions) expect(run.stdout).to.match(new RegExp(`\\n  ${rulesetName(settings, region)} +${region}\\n`));
            for (const m of machinesOf(plan))
                expect(run.stdout).to.match(new RegExp(`\\n  ${m.inputs.name} .* ${m.inputs.region} +${rulesetName(settings, m.inputs.region)}\\n`));
        });

        it("never writes a secret value: the key placeholders appear nowhere", () => {
            expect(run.plan!.summary.placeholders).to.have.members(["sophia-clusters:lambdaApiKey", "sophia-clusters:sshPrivateKey"]);
            for (const file of filesUnder(run.dir)) expect(fs.readFileSync(file, "utf8"), file).to.not.include(PLACEHOLDER_PREFIX);
            expect(run.stdout).to.not.include(PLACEHOLDER_PREFIX);
        });
    });
}

describe("cluster plan of a Swarm grown from 1 to 3 managers", () => {
    it("joins two more managers with the manager token and the workers with the worker token", () => {
        const dev = settingsOf("dev");
        const pools = Object.fromEntries(
            dev.pools.map(({ name, ...p }) => [
                name,
                { role: p.role, instanceType: p.instanceType, region: p.region, count: p.role === "manager" ? 3 : p.count, gpu: p.gpu },
            ]),
        );
        const run = planCluster("dev", CLUSTERS, { "sophia-clusters:managers": "3", "sophia-clusters:pools": JSON.stringify(pools) });
        expect(run.code, run.stderr).to.equal(0);
        const plan = run.plan!;
        const tokenUrn = (role: string) => plan.resources.find((r) => r.name === `swarm-${role}-token`)!.urn;
        const joins = plan.resources.filter((r) => r.name.endsWith("-join"));
        const managerPool = dev.pools.find((p) => p.role === "manager")!;
        const managerJoins = joins.filter((j) => j.name.startsWith(`swarm-dev-${managerPool.name}-`));
        expect(managerJoins.map((j) => j.name).sort()).to.deep.equal([1, 2].map((i) => `swarm-dev-${managerPool.name}-${i}-join`));
        for (const j of managerJoins) expect(j.propertyDependencies?.stdin, j.name).to.deep.equal([tokenUrn("manager")]);
        // One at a time (Raft takes one membership change at a time): each manager's join waits for the one before.
        const joinOf = (i: number) => plan.resources.find((r) => r.name === `swarm-dev-${managerPool.name}-${i}-join`)! as Recorded;
        expect(joinOf(2).dependsOn).to.include(joinOf(1).urn);
        expect(joinOf(1).dependsOn).to.not.include(joinOf(2).urn);
        const workerJoins = joins.filter((j) => !managerJoins.includes(j));
        expect(workerJoins).to.have.length(dev.pools.filter((p) => p.role === "worker").reduce((n, p) => n + p.count, 0));
        for (const j of workerJoins) expect(j.propertyDependencies?.stdin, j.name).to.deep.equal([tokenUrn("worker")]);
        expect(plan.summary.pools!.find((p) => p.pool === managerPool.name)!.nodes).to.equal(3);
    });
});

describe("cluster plan of an invalid stack", () => {
    it("exits 2 listing every problem with its line, writing no plan", () => {
        // A copy of the project beside clusters/ (its imports resolve the same), so the invalid stack file
        // is never seen by tests that read every stack of clusters/ in the other shard meanwhile.
        const project = fs.mkdtempSync(path.join(ROOT, ".clusters-invalid-"));
        fs.cpSync(CLUSTERS, project, { recursive: true });
        const stack = "invalid";
        const text = fs.readFileSync(path.join(CLUSTERS, "Pulumi.prod.yaml"), "utf8");
        const broken = text.replace("sophia-clusters:managers: 3", "sophia-clusters:managers: 5").replace("region: us-east-1", "region: mars");
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), broken);
        try {
            const run = planCluster(stack, project);
            expect(run.code, run.stderr).to.equal(2);
            const managersAt = locateKey(project, stack, CLUSTER_CONFIG_NAMESPACE, ["managers"]);
            expect(run.stderr).to.match(new RegExp(`${managersAt.replace(/\./g, "\\.")}: sophia-clusters:managers: expected 1 or 3 .*\\(got 5\\)`));
            expect(run.stderr).to.match(
                /yaml:\d+: sophia-clusters:pools\.servers\.region: expected a Lambda region such as us-east-1, one of [a-z0-9, -]+ \(got "mars"\)/,
            );
            expect(run.stderr).to.include("No plan written; no resource was registered.");
            expect(run.stderr).to.not.match(/\n\s+at /);
            expect(run.plan).to.equal(undefined);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});

describe("cluster plan with the Lambda API reachable", () => {
    it("costs the pools at the API's prices as of the time asked, and at the dated table after one failed try, saying why without the key", async () => {
        const api = await startLambdaApi(FAST_LIMITS);
        try {
            const conn = { apiUrl: api.url, apiKey: api.apiKey, pacing: FAST };
            const pools = [{ name: "gpu", instanceType: "gpu_1x_a10", region: "us-east-1", count: 2, gpu: true }];
            const live = await clusterCost(conn, pools, () => new Date("2026-12-01T10:00:00Z"));
            expect(live).to.deep.include({ pricesFrom: "api", asOf: "2026-12-01T10:00:00.000Z", usdPerHour: (API_PRICE_CENTS("gpu_1x_a10") * 2) / 100 });
            expect(live.pools[0].capacityNow).to.equal(true);

            // A plan must not wait through the retries of a deployment: one 5xx and it takes the table.
            api.fail("listInstanceTypes", { status: 503, code: "global/internal-error" });
            const before = api.seen("listInstanceTypes").length;
            const fallback = await clusterCost(conn, pools);
            expect(api.seen("listInstanceTypes")).to.have.length(before + 1);
            expect(fallback).to.deep.include({ pricesFrom: "fallback", usdPerHour: INSTANCE_TYPES.gpu_1x_a10.usdPerHour * 2 });
            expect(fallback.source).to.match(/could not be read: Lambda Cloud API GET \/instance-types failed with 503 global\/internal-error/);
            const refused = await clusterCost({ ...conn, apiKey: "secret_not-this-one" }, pools);
            expect(refused.source).to.include("failed with 401 global/invalid-api-key").and.not.include("secret_not-this-one");
            expect(() => apiCost(pools, {}, "now", api.url)).to.throw(`GET ${api.url}/instance-types does not list gpu_1x_a10: the account cannot launch them`);
        } finally {
            await api.close();
        }
    });

    it("prices each pool from GET /instance-types and says whether its region has capacity now, never showing the key", async () => {
        const stack = "staging";
        const api = await startLambdaApi();
        api.capacity[settingsOf(stack).pools.find((p) => p.gpu)!.region] = []; // the GPU pool's region has no capacity now
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cluster-plan-"));
        try {
            const run = await runCliAsync("commands/plan/cli.ts", ["--project", CLUSTERS, "--stack", stack, "--out", out], {
                PULUMI_CONFIG: JSON.stringify({ "sophia-clusters:lambdaApiUrl": api.url, "sophia-clusters:lambdaApiKey": api.apiKey }),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["sophia-clusters:lambdaApiKey"]),
            });
            expect(run.code, run.stderr).to.equal(0);
            const plan = JSON.parse(fs.readFileSync(path.join(out, "sophia-clusters", stack, "plan.json"), "utf8")) as ProjectPlanFile;
            const cost = plan.summary.cost!;
            expect(cost.pricesFrom).to.equal("api");
            expect(cost.source).to.equal(`GET ${api.url}/instance-types (price_cents_per_hour, regions_with_capacity_available)`);
            for (const pool of settingsOf(stack).pools) {
                const row = cost.pools.find((p) => p.pool === pool.name)!;
                expect(row.usdPerHour, pool.name).to.be.closeTo((API_PRICE_CENTS(pool.instanceType) / 100) * pool.count, 0.005);
                expect(row.capacityNow, pool.name).to.equal((api.capacity[pool.region] ?? []).includes(pool.instanceType));
            }
            expect(cost.pools.map((p) => p.capacityNow)).to.include(false);
            for (const row of cost.pools.filter((p) => p.capacityNow === false)) expect(run.stdout).to.include(`NO CAPACITY in ${row.region} now`);
            expect(run.stdout).to.include("on-demand prices from the API");
            expect(run.stdout).to.include(`$${cost.usdPerHour.toFixed(2)}/h`);
            expect(api.seen("listInstanceTypes")[0].authorization).to.equal(`Bearer ${api.apiKey}`);
            expect(api.violations).to.deep.equal([]);
            expect(run.stdout).to.not.include(api.apiKey);
            for (const file of filesUnder(path.join(out, "sophia-clusters", stack))) expect(fs.readFileSync(file, "utf8"), file).to.not.include(api.apiKey);
        } finally {
            await api.close();
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
