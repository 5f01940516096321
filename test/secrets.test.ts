import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../catalog";
import { environmentLayout, providedConfigKeys } from "../esc/environments";
import { platformSecretNeeds } from "../esc/needs";
import type { PlanFile } from "../commands/plan/planFile";
import { SECRET_MARKER } from "../commands/plan/recorder";
import { platformCopy } from "./support/esc";
import { filesUnder, planOf, ROOT, runPlan } from "./support/plan";

const STACKS = ["dev", "staging", "prod"];

/** Every object under `value` that has a key `key`, with the path to it. */
function objectsWith(value: unknown, key: string, path = ""): { path: string; object: Record<string, unknown> }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => objectsWith(v, key, `${path}[${i}]`));
    if (!value || typeof value !== "object") return [];
    const o = value as Record<string, unknown>;
    return [...(key in o ? [{ path, object: o }] : []), ...Object.entries(o).flatMap(([k, v]) => objectsWith(v, key, `${path}.${k}`))];
}

/**
 * A Helm release references a Secret by its name in the chart's values (e.g. Alertmanager's
 * mounted secrets); the Secret's manifest keeps its key names, with redacted values.
 */
function helmSecretKeys(plan: PlanFile, out: string): Set<string> {
    const names = new Set<string>();
    const helmValues = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => JSON.stringify(r.inputs.values ?? {}));
    for (const r of plan.resources.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
        const { name, namespace } = r.inputs.metadata as { name: string; namespace: string };
        if (!helmValues.some((v) => v.includes(`"${name}"`))) continue;
        const manifest = YAML.parse(fs.readFileSync(path.join(out, plan.stack, "k8s", namespace, `secret-${name}.yaml`), "utf8")) as { stringData?: object };
        for (const key of Object.keys(manifest.stringData ?? {})) names.add(key);
    }
    return names;
}

/** Secret names each workload reads, as the plan shows them: secretKeyRef keys, keys of mounted Secret volumes and docker secret labels. */
function referencedSecrets(plan: PlanFile, out: string): Set<string> {
    const names = helmSecretKeys(plan, out);
    for (const r of plan.resources) {
        for (const { object } of objectsWith(r.inputs, "secretKeyRef")) names.add((object.secretKeyRef as { key: string }).key);
        for (const { object } of objectsWith(r.inputs, "secret"))
            for (const item of (object.secret as { items?: { key: string }[] }).items ?? []) names.add(item.key);
        if (r.type === "docker:index/secret:Secret") {
            for (const l of (r.inputs.labels as { label: string; value: string }[]) ?? []) if (l.label === "sophia.ai/secret") names.add(l.value);
        }
    }
    return names;
}

describe("Secrets from config to resource", () => {
    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            it("keeps every Secret's data a Pulumi secret", () => {
                const { plan } = planOf(stack);
                const secrets = plan!.resources.filter((r) => r.type === "docker:index/secret:Secret" || r.type === "kubernetes:core/v1:Secret");
                expect(secrets.length).to.be.greaterThan(0);
                for (const s of secrets) {
                    const payload = ["data", "stringData"].filter((k) => k in s.inputs);
                    expect(payload, s.urn).to.not.deep.equal([]);
                    for (const k of payload) expect(s.inputs[k], `${s.urn} ${k}`).to.equal(SECRET_MARKER);
                }
            });

            it("gives workloads secrets only by reference (secretKeyRef or a *_FILE path), never as an env literal", () => {
                const { plan } = planOf(stack);
                const names = new Set([...Object.keys(plan!.summary.secretInventory), "kubeconfig"]);
                for (const r of plan!.resources) {
                    for (const { path, object } of objectsWith(r.inputs, "env")) {
                        const env = object.env;
                        const entries: [string, unknown][] = Array.isArray(env)
                            ? (env as { name: string; value?: unknown; valueFrom?: unknown }[]).map((e) => [
                                  e.name,
                                  e.valueFrom ? { valueFrom: e.valueFrom } : e.value,
                              ])
                            : Object.entries((env ?? {}) as Record<string, unknown>);
                        for (const [name, value] of entries) {
                            if (names.has(name)) expect(value, `${r.urn}${path}.env ${name}`).to.have.nested.property("valueFrom.secretKeyRef");
                            const file = /^(.+)_FILE$/.exec(name);
                            if (file && names.has(file[1])) expect(value, `${r.urn} ${name}`).to.equal(`/run/secrets/${file[1]}`);
                        }
                    }
                }
                // Every secret of the inventory reaches its workloads through one of those references.
                expect([...referencedSecrets(plan!, planOf(stack).out)].sort()).to.include.members(Object.keys(plan!.summary.secretInventory));
            });

            it("prints the inventory by name with the servers using each", () => {
                const run = planOf(stack);
                const catalog = loadCatalog();
                for (const [name, users] of Object.entries(run.plan!.summary.secretInventory)) {
                    expect(run.stdout).to.include(`  ${name.padEnd(22)} ${users.join(", ")}`);
                    for (const server of catalog.servers.filter((s) => s.secrets.includes(name))) expect(users).to.include(server.name);
                }
            });
        });
    }
});

describe("A planted secret value", () => {
    for (const stack of STACKS) {
        it(`appears nowhere in the plan of ${stack}: output, plan.json, manifests, artifacts, stack outputs`, () => {
            const { plan } = planOf(stack);
            const keys = [...Object.keys(plan!.summary.secretInventory), "kubeconfig"].map((s) => `sophia:${s}`);
            const planted = Object.fromEntries(keys.map((k) => [k, `planted-${stack}-${k.slice(7).toLowerCase()}-5b21e9`]));
            const run = runPlan(["--stack", stack], { PULUMI_CONFIG: JSON.stringify(planted), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(keys) });
            expect(run.code, run.stderr).to.equal(0);
            expect(run.plan!.summary.placeholders, "the planted values replaced every placeholder").to.deep.equal([]);
            expect(run.plan!.outputs).to.be.an("object").that.is.not.empty;
            const texts: [string, string][] = [
                ["stdout", run.stdout],
                ["stderr", run.stderr],
                ...filesUnder(run.out).map((f): [string, string] => [f, fs.readFileSync(f, "utf8")]),
            ];
            for (const [where, text] of texts) {
                for (const value of Object.values(planted)) expect(text.includes(value), `${value} in ${where}`).to.equal(false);
                expect(text.includes("5b21e9"), where).to.equal(false);
            }
        });
    }
});

describe("A secret the stack's environments do not provide", () => {
    it("stops the plan with every missing key and the servers needing it, before anything is registered", () => {
        const dir = platformCopy((stack, data) => {
            // Only the cluster hand-off stays imported: it provides the connection, not secrets.
            if (stack === "dev") data.environment = (data.environment as string[]).filter((e) => e.endsWith("-cluster"));
        });
        const run = runPlan(["--stack", "dev", "--project-dir", dir]);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(run.code).to.equal(2);
        expect(run.plan).to.equal(undefined);
        const dev = platformSecretNeeds(ROOT).needs.find((n) => n.stack === "dev")!;
        expect(dev.inventory.size).to.be.greaterThan(0);
        for (const [secret, users] of dev.inventory) {
            expect(run.stderr).to.include(
                `Pulumi.dev.yaml sophia:${secret}: secret ${secret} is needed by ${users.join(", ")} but stack "dev" does not configure it`,
            );
        }
        expect(run.stderr).to.include("No plan written; 0 resources were registered.");
    });

    it("names the kubeconfig when a cluster stack imports only the shared environment", () => {
        const dir = platformCopy((stack, data) => {
            if (stack === "prod") data.environment = ["sophia/common"];
        });
        const layout = environmentLayout("sophia", platformSecretNeeds(ROOT).needs);
        expect(providedConfigKeys(["sophia/common"], layout)).to.not.include("sophia:kubeconfig");
        const run = runPlan(["--stack", "prod", "--project-dir", dir]);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("Pulumi.prod.yaml sophia:kubeconfig: not set; target kubernetes needs a kubeconfig");
        expect(run.stderr).to.include("No plan written; 0 resources were registered.");
    });

    it("fills placeholders for exactly the keys the stack's imported environments provide", () => {
        const layout = environmentLayout("sophia", platformSecretNeeds(ROOT).needs);
        for (const stack of STACKS) {
            expect(planOf(stack).plan!.summary.placeholders, stack).to.deep.equal(providedConfigKeys(["sophia/common", `sophia/${stack}`], layout));
        }
    });
});
