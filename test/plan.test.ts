import Ajv from "ajv";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE } from "../catalog";
import { changedPaths, diffPlans } from "../commands/plan/diff";
import { kubernetesManifests, manifestYaml, validateManifests } from "../commands/plan/manifests";
import { planExitCode } from "../commands/plan/plan";
import { formatSummary, summarize } from "../commands/plan/summary";
import type { PlanFile } from "../commands/plan/planFile";
import { platformStacks } from "../esc/needs";
import { filesUnder, planOf, ROOT, runPlan } from "./support/plan";

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "docs/04-deployment/plan.schema.json"), "utf8"));
const validatePlan = new Ajv({ allErrors: true }).compile(schema);

function writeCatalog(mutate: (servers: Record<string, unknown>[]) => void): string {
    const data = YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };
    mutate(data.servers);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "mcp-servers.yaml");
    fs.writeFileSync(file, YAML.stringify(data));
    return file;
}

describe("npm run plan", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`plans ${stack}: plan.json matches the documented format`, () => {
            const run = planOf(stack);
            expect(validatePlan(run.plan), JSON.stringify(validatePlan.errors)).to.equal(true);
            expect(run.plan!.stack).to.equal(stack);
            expect(run.plan!.project).to.equal("sophia");
            expect(run.plan!.summary.resourceCount).to.equal(run.plan!.resources.length);
            const urns = new Set(run.plan!.resources.map((r) => r.urn));
            for (const r of run.plan!.resources) {
                if (r.parent) expect(urns.has(r.parent), `${r.urn} parent`).to.equal(true);
                for (const d of r.dependsOn) expect(urns.has(d), `${r.urn} dependsOn ${d}`).to.equal(true);
            }
        });
    }

    it("prints compute against capacity, the secret inventory, placeholders and the policy result", () => {
        const { stdout } = planOf("prod");
        expect(stdout).to.match(/critical +\d+ pods/);
        expect(stdout).to.match(/capacity +6 node\(s\) +48\.00 CPU +192\.0 GiB/);
        expect(stdout).to.include("Fits: requests and limits are within the stack's node capacity.");
        expect(stdout).to.match(/Offline placeholders stood in for \d+ secret key\(s\)/);
        expect(stdout).to.match(/Policy: \d+ violation\(s\), 0 mandatory \(\d+ rules ran on \d+ resources\)/);
    });

    it("writes one schema-valid manifest per Kubernetes resource, with Secret data redacted", () => {
        const run = planOf("prod");
        const dir = path.join(run.out, "prod", "k8s");
        const files = filesUnder(dir);
        const kubernetesResources = run.plan!.resources.filter((r) => r.custom && /^kubernetes:(?!helm\.sh)/.test(r.type));
        expect(files).to.have.length(kubernetesResources.length);
        const secret = YAML.parse(fs.readFileSync(path.join(dir, "sophia-mcp", "secret-ai-memory-secrets.yaml"), "utf8"));
        expect(secret.stringData).to.deep.equal({ ANTHROPIC_API_KEY: "[secret]", OPENAI_API_KEY: "[secret]" });
        expect(run.stdout).to.match(/Kubernetes manifests: \d+ \(\d+ checked against the OpenAPI schema, 0 invalid\)/);
    });

    it("never lets a planted secret value out: plan.json, artifacts and printed output", () => {
        const planted = "planted-6f1d2c9e-secret-value";
        const keys = ["sophia:OPENAI_API_KEY", "sophia:SNOWFLAKE_PASSWORD", "sophia:kubeconfig"];
        for (const stack of ["dev", "prod"]) {
            const run = runPlan(["--stack", stack], {
                PULUMI_CONFIG: JSON.stringify(Object.fromEntries(keys.map((k) => [k, planted]))),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(keys),
            });
            expect(run.code, run.stderr).to.equal(0);
            expect(run.plan!.summary.placeholders).not.to.include("sophia:OPENAI_API_KEY");
            const encodings = [planted, Buffer.from(planted).toString("base64")];
            for (const text of [run.stdout, run.stderr, ...filesUnder(run.out).map((f) => fs.readFileSync(f, "utf8"))]) {
                for (const e of encodings) expect(text).not.to.include(e);
            }
        }
    });

    it("rejects a bad catalog with exit 2, every problem, and the previous plan kept as it was", () => {
        const catalog = writeCatalog((servers) => {
            servers[1].port = servers[0].port;
            servers[2].version = "latest";
        });
        // The plan.json of an earlier run is the baseline for --diff: a failed run leaves it as it was.
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-plan-"));
        fs.mkdirSync(path.join(out, "dev"));
        const previous = JSON.stringify(planOf("dev").plan);
        fs.writeFileSync(path.join(out, "dev", "plan.json"), previous);
        const run = runPlan(["--stack", "dev", "--catalog", catalog], {}, out);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("Invalid input: 2 problem(s)");
        expect(run.stderr).to.match(/mcp-servers.yaml:\d+:11 servers\[1\] \(codacy\).port: port 9001 is already used by servers\[0\] \(ai-memory\)/);
        expect(run.stderr).to.match(/mcp-servers.yaml:\d+:14 servers\[2\] \(anthropic-mcp\).version: "latest" is not a pinned version/);
        expect(run.stderr).to.include(`No plan written (the previous ${path.join(out, "dev")}/plan.json is kept); 0 resources were registered.`);
        expect(fs.readFileSync(path.join(out, "dev", "plan.json"), "utf8")).to.equal(previous);
        expect(fs.readdirSync(run.out)).to.deep.equal(["dev"]);
        expect(fs.readdirSync(path.join(run.out, "dev"))).to.deep.equal(["plan.json"]);
    });

    it("reports only the catalog's problems for an invalid catalog on every stack, whatever its target needs from ESC", () => {
        const catalog = writeCatalog((servers) => {
            servers[1].port = servers[0].port;
        });
        for (const stack of platformStacks(ROOT)) {
            const run = runPlan(["--stack", stack, "--catalog", catalog]);
            expect(run.code, `${stack}: ${run.stderr}`).to.equal(2);
            expect(run.stderr, stack).to.include("Invalid input: 1 problem(s)");
            expect(run.stderr, stack).to.match(/servers\[1\] \(\S+\)\.port: port \d+ is already used by servers\[0\]/);
            expect(run.stderr, stack).to.not.include("kubeconfig");
        }
    });

    it("diffs two plans by URN: added, removed, and each changed input with its old and new value", () => {
        const before = planOf("prod").plan!;
        const after = JSON.parse(JSON.stringify(before)) as PlanFile;
        const deployment = after.resources.find((r) => r.name === "codacy-deployment")!;
        const spec = deployment.inputs.spec as { replicas: number; paused?: boolean };
        const replicas = spec.replicas;
        spec.replicas = replicas + 1;
        spec.paused = true;
        const removed = after.resources.findIndex((r) => r.name === "codacy-netpol");
        const [gone] = after.resources.splice(removed, 1);
        const added = { ...deployment, urn: `${deployment.urn}-copy`, name: "codacy-deployment-copy" };
        after.resources.push(added);
        const diff = diffPlans(before, after);
        expect(diff.added).to.deep.equal([added.urn]);
        expect(diff.removed).to.deep.equal([gone.urn]);
        expect(diff.changed).to.have.length(1);
        expect(diff.changed[0].urn).to.equal(deployment.urn);
        expect(diff.changed[0].changes).to.deep.equal([
            { path: "inputs.spec.paused", before: undefined, after: true },
            { path: "inputs.spec.replicas", before: replicas, after: replicas + 1 },
        ]);
        expect(diffPlans(before, before)).to.deep.equal({ added: [], removed: [], changed: [] });
    });

    it("names changed paths inside objects and arrays", () => {
        expect(changedPaths({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, c: 1 })).to.deep.equal(["a.b[1]"]);
        expect(changedPaths({ a: 1 }, { a: 1, d: { e: 2 } })).to.deep.equal(["d"]);
        expect(changedPaths(1, 1)).to.deep.equal([]);
    });

    it("catches a manifest that breaks the Kubernetes schema, and fails the plan for it", () => {
        const plan = planOf("prod").plan!;
        const deployment = plan.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
        const broken = { ...deployment, inputs: { ...deployment.inputs, spec: { ...(deployment.inputs.spec as object), replicas: "two" } } };
        const results = validateManifests(kubernetesManifests([deployment, broken]));
        expect(results[0].error).to.equal(undefined);
        expect(results[1].error).to.match(/replicas must be integer/);
        expect(planExitCode(plan, results)).to.equal(1);
        expect(planExitCode(plan, [results[0]])).to.equal(0);
    });

    it("checks each kind against its own group's schema, core and named groups alike, and marks kinds it has none for", () => {
        const plan = planOf("prod").plan!;
        const service = plan.resources.find((r) => r.type === "kubernetes:core/v1:Service")!;
        const spec = service.inputs.spec as { ports: Record<string, unknown>[] };
        const broken = { ...service, inputs: { ...service.inputs, spec: { ...spec, ports: [{ ...spec.ports[0], port: "http" }] } } };
        const custom = { ...service, type: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" };
        const unknownKind = { ...service, type: "kubernetes:core/v1:NoSuchKind" };
        const results = validateManifests(kubernetesManifests([service, broken, custom, unknownKind]));
        expect(results[0]).to.deep.equal({ file: results[0].file, urn: service.urn });
        expect(results[1].error).to.match(/port must be integer/);
        expect(results[2].unchecked).to.equal(true);
        expect(results[3].unchecked).to.equal(true);
    });

    it("writes manifests that a YAML 1.1 reader such as kubectl reads back as the same values", () => {
        const plan = planOf("prod").plan!;
        const deployment = plan.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
        // Strings YAML 1.1 would take for booleans, numbers or null if written plain.
        const tricky = ["on", "off", "yes", "no", "y", "0755", "1e3", "0x1F", "~", "null", "12:30", "2026-12-06"];
        const env = tricky.map((value, i) => ({ name: `VALUE_${i}`, value }));
        const manifest = kubernetesManifests([{ ...deployment, inputs: { ...deployment.inputs, env, repeated: [env[0], env[0]] } }])[0];
        const text = manifestYaml(manifest);
        for (const version of ["1.1", "1.2"] as const) {
            expect(YAML.parse(text, { version }), `YAML ${version}`).to.deep.equal(manifest.object);
        }
        // Whole values on their own lines: no anchors to follow, no folded long lines.
        expect(text).not.to.match(/[&*]a\d/);
        const command = "x".repeat(300);
        expect(manifestYaml({ ...manifest, object: { command } })).to.equal(`command: ${command}\n`);
    });

    it("says clearly when a stack does not fit its nodes", () => {
        const plan = planOf("prod").plan!;
        const tight = summarize(plan.resources, { nodes: 1, cpu: "2", memory: "4Gi" });
        expect(tight.fits).to.deep.equal({ requests: false, limits: false });
        expect(formatSummary(tight)).to.include("DOES NOT FIT: the requests exceed the stack's node capacity");
        const roomy = summarize(plan.resources, { nodes: 1, cpu: "20", memory: "32Gi" });
        expect(roomy.fits.requests).to.equal(true);
        expect(formatSummary(roomy)).to.include("Fits by requests; limits overcommit the nodes");
    });

    it("adds CPU up to the same total whatever order the resources were registered in", () => {
        for (const stack of platformStacks(ROOT)) {
            const resources = planOf(stack).plan!.resources;
            const capacity = { nodes: 3, cpu: "8", memory: "32Gi" };
            const forward = summarize(resources, capacity).usage;
            const backward = summarize([...resources].reverse(), capacity).usage;
            expect(backward, stack).to.deep.equal(forward);
            // Whole millicores: no floating-point tail such as 7.1899999999999995.
            for (const row of [forward.total, ...Object.values(forward.byTier)]) {
                expect(Math.round(row.requests.cpu * 1000) / 1000, stack).to.equal(row.requests.cpu);
            }
        }
    });
});
