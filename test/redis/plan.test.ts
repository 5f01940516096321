// The cache's credentials on the real stacks: every generated password stays a secret (in no file,
// argument or environment literal of the plan, which runs in a child process as `npm run plan`
// does), and in the program (index.ts) evaluated in this process from each stack file
// (test/support/program.ts): each cache server receives its own password, the backup jobs log in
// as the backup user, and adding a cache server to the catalog adds its user and nothing else.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE, loadCatalog } from "../../catalog";
import { diffPlans } from "../../commands/plan/diff";
import { kubernetesManifests, validateManifests } from "../../commands/plan/manifests";
import type { PlanFile } from "../../commands/plan/planFile";
import { computedOutputs, RecordedResource, SECRET_MARKER } from "../../commands/plan/recorder";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { passwordHash, PLATFORM_USERS } from "../../components/redis";
import { platformStacks } from "../../esc/needs";
import { filesUnder, planOf, ROOT, unusedServerSlot } from "../support/plan";
import { evaluate, Evaluated, evaluateStack, stackConfigOf, policyViolations } from "../support/program";

type Resource = RecordedResource;

/** The value every generated password has in an offline plan (the plan's mock provider answers it). */
const OFFLINE_PASSWORD = computedOutputs({ type: "random:index/randomPassword:RandomPassword", name: "any", inputs: {} }).result;

const cacheServersOn = (stack: string): string[] => {
    const target = offlineStackSettings(ROOT, stack).target;
    return loadCatalog()
        .servers.filter((s) => s.cache && s.targets.includes(target))
        .map((s) => s.name);
};

const SECRET_TYPES = ["docker:index/secret:Secret", "kubernetes:core/v1:Secret"];
const isSecret = (r: Resource): boolean => SECRET_TYPES.includes(r.type);
const childrenOf = (e: Evaluated, component: Resource): Resource[] => e.resources.filter((r) => r.parent === component.urn);
const component = (e: Evaluated, type: string, name: string): Resource => {
    const found = e.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name} in the program of ${e.settings.stack}`);
    return found;
};
/** An evaluation as diffPlans reads a plan: by its resources, the only part of a plan it compares. */
const asPlan = (e: Evaluated): PlanFile => ({ resources: e.resources }) as PlanFile;

/** Each container's environment in a resource, as name → literal value (undefined for a secret reference). */
function environmentOf(resource: Resource): Record<string, string | undefined>[] {
    const inputs = resource.inputs as any;
    if (resource.type === "docker:index/service:Service") return [inputs.taskSpec.containerSpec.env ?? {}];
    // A Deployment or StatefulSet: the workloads this file looks at.
    const containers = inputs.spec.template.spec.containers as { env?: { name: string; value?: string }[] }[];
    return containers.map((c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])));
}

function workloadOf(e: Evaluated, parent: Resource, name: string): Resource {
    const workloads = childrenOf(e, parent).filter(
        (r) =>
            (r.type === "docker:index/service:Service" && r.name === `${name}-service`) ||
            (r.type === "kubernetes:apps/v1:Deployment" && r.name === `${name}-deployment`) ||
            (r.type === "kubernetes:apps/v1:StatefulSet" && r.name === `${name}-statefulset`),
    );
    expect(workloads, `${name}'s workload`).to.have.length(1);
    return workloads[0];
}

describe("the cache's credentials", function () {
    this.timeout(300_000);

    // The plan command's own output: every file it writes and everything it prints.
    describe("in the stacks' plans", () => {
        for (const stack of platformStacks(ROOT)) {
            describe(stack, () => {
                it("lets no generated password (nor its hash) out: plan.json, rendered artifacts, manifests, printed output", () => {
                    const run = planOf(stack);
                    const leaks = [OFFLINE_PASSWORD, passwordHash(OFFLINE_PASSWORD), Buffer.from(OFFLINE_PASSWORD).toString("base64")];
                    const texts = [run.stdout, run.stderr, ...filesUnder(path.join(run.out, stack)).map((f) => fs.readFileSync(f, "utf8"))];
                    for (const text of texts) for (const leak of leaks) expect(text).to.not.include(leak);
                });
            });
        }
    });

    for (const stack of platformStacks(ROOT)) {
        describe(`${stack}, evaluated in process`, () => {
            it("generates one password per platform user and per cache server of the catalog, each kept secret", async () => {
                const e = await evaluateStack(stack);
                const redis = component(e, "sophia:platform:Redis", "redis");
                const passwords = childrenOf(e, redis).filter((r) => r.type === "random:index/randomPassword:RandomPassword");
                const servers = cacheServersOn(stack);
                expect(passwords.map((p) => p.name).sort()).to.deep.equal(
                    [
                        ...Object.values(PLATFORM_USERS).map((user) => `redis-${user.replace(".", "-")}-password`),
                        ...servers.map((s) => `redis-server-${s}-password`),
                    ].sort(),
                );
                // Redis is told who its users are (their names only); the ACL file itself is a secret.
                const env = environmentOf(workloadOf(e, redis, "redis"))[0];
                expect(env.REDIS_ACL_USERS!.split(",").sort()).to.deep.equal([...Object.values(PLATFORM_USERS), ...servers].sort());
                const secrets = childrenOf(e, redis).filter(isSecret);
                expect(secrets).to.not.be.empty;
                for (const secret of secrets) {
                    const inputs = secret.inputs as { data?: unknown; stringData?: unknown };
                    expect(inputs.data ?? inputs.stringData, secret.name).to.equal(SECRET_MARKER);
                }
            });

            it("hands each cache server Redis' address, its own user and prefix, and its password as a file from its own secret", async () => {
                const e = await evaluateStack(stack);
                const servers = cacheServersOn(stack);
                expect(servers, "the catalog's cache servers on this stack").to.not.be.empty;
                for (const name of servers) {
                    const server = component(e, "sophia:platform:McpServer", name);
                    const env = environmentOf(workloadOf(e, server, name))[0];
                    expect(env, name).to.include({ REDIS_USERNAME: name, REDIS_KEY_PREFIX: `${name}:`, REDIS_PASSWORD_FILE: "/run/secrets/REDIS_PASSWORD" });
                    expect(env.REDIS_URL, name).to.match(/^redis:\/\/[a-z0-9.-]+:6379$/);
                    expect(env, name).to.not.have.property("REDIS_PASSWORD");
                    const cache = childrenOf(e, server).filter((r) => isSecret(r) && r.name.startsWith(`${name}-cache`));
                    expect(cache, name).to.have.length(1);
                    const inputs = cache[0].inputs as { data?: unknown; stringData?: unknown };
                    expect(inputs.data ?? inputs.stringData, name).to.equal(SECRET_MARKER);
                }
                for (const other of e.resources.filter((r) => r.type === "sophia:platform:McpServer" && !servers.includes(r.name))) {
                    expect(
                        Object.keys(environmentOf(workloadOf(e, other, other.name))[0]).filter((k) => k.startsWith("REDIS_")),
                        other.name,
                    ).to.deep.equal([]);
                }
            });
        });
    }

    it("logs the stacks' Redis backup jobs in as the backup user, the password a file of their own secret", async () => {
        const withBackups = platformStacks(ROOT).filter((stack) => offlineStackSettings(ROOT, stack).backup);
        expect(withBackups, "stacks with backups").to.not.be.empty;
        for (const stack of withBackups) {
            const e = await evaluateStack(stack);
            const jobs = e.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob" && r.name.startsWith("backup-redis-"));
            expect(jobs, stack).to.have.length(2);
            for (const job of jobs) {
                const container = (job.inputs as any).spec.jobTemplate.spec.template.spec.containers[0] as { env: { name: string; value?: string }[] };
                const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
                expect(env, `${stack} ${job.name}`).to.include({ REDIS_USERNAME: PLATFORM_USERS.backup, REDIS_PASSWORD_FILE: "/run/secrets/REDIS_PASSWORD" });
                expect(env.REDIS_URL, `${stack} ${job.name}`).to.match(/^redis:\/\/[a-z0-9.-]+:6379$/);
                expect(env, `${stack} ${job.name}`).to.not.have.property("REDIS_PASSWORD");
            }
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: adding a cache server to the catalog adds its user and its password secret, and changes nothing of anyone else`, async () => {
            const data = YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };
            const slot = unusedServerSlot(data.servers as { name: string; port: number }[]);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cache-catalog-"));
            // The same new entry twice, with and without the cache: the difference is what the cache adds.
            // One evaluation after the other: the mock runtime is global to the process.
            const evaluateWith = async (cache: boolean): Promise<Evaluated> => {
                const file = path.join(dir, `mcp-servers-${cache}.yaml`);
                const entry = { ...slot, category: "additional", purpose: "a cache test", tier: "low", version: "1.0.0", cache };
                fs.writeFileSync(file, YAML.stringify({ ...data, servers: [...data.servers, entry] }));
                const config = stackConfigOf(stack, { "sophia:catalog": file });
                const e = await evaluate(config);
                // What the plan's exit code 0 says of it: no mandatory policy violation and every manifest valid.
                const violations = policyViolations(e, config);
                expect(violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
                expect(validateManifests(kubernetesManifests(e.resources, e.secretMapKeys)).filter((m) => m.error)).to.deep.equal([]);
                return e;
            };
            const without = await evaluateWith(false);
            const withCache = await evaluateWith(true);
            const diff = diffPlans(asPlan(without), asPlan(withCache));
            const nameOf = (urn: string) => urn.split("::").pop()!;
            expect(diff.removed).to.deep.equal([]);
            expect(diff.added.map(nameOf).sort()).to.deep.equal(
                [`redis-server-${slot.name}-password`, stack === "dev" ? `${slot.name}-cache-redis-password` : `${slot.name}-cache`].sort(),
            );
            const users = (e: Evaluated) => environmentOf(workloadOf(e, component(e, "sophia:platform:Redis", "redis"), "redis"))[0].REDIS_ACL_USERS!;
            expect(users(withCache)).to.equal(`${users(without)},${slot.name}`);
            for (const change of diff.changed) {
                const name = nameOf(change.urn);
                if (name.includes(slot.name)) continue; // the new server's own resources (and its alert rules)
                if (/^redis-auth/.test(name)) {
                    // The ACL file: its content is secret, so the plan shows only the new password it now depends on.
                    expect(change.paths, name).to.deep.equal(["dependsOn"]);
                    continue;
                }
                expect(name, `${name} changed: ${change.paths.join(", ")}`).to.be.oneOf(["redis-service", "redis-statefulset"]);
                expect(
                    change.changes.map((c) => c.after),
                    name,
                ).to.deep.equal([users(withCache)]);
            }
        });
    }
});
