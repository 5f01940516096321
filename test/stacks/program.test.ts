// The program (index.ts) evaluated in this process from each stack file (test/support/program.ts):
// which components each stack's settings turn on, what they are wired to, in which order, and what
// the stack exports.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE, loadCatalog } from "../../catalog";
import { RecordedResource, RecordingMonitor } from "../../commands/plan/recorder";
import { platformStacks } from "../../esc/needs";
import { backupNames } from "../../stacks/backupNames";
import { InvalidInputError } from "../../stacks/problems";
import { ROOT } from "../support/plan";
import { evaluate, Evaluated, runProgram, stackConfigOf } from "../support/program";

const catalog = loadCatalog();
const components = (e: Evaluated, type: string) => e.resources.filter((r) => r.type === `sophia:platform:${type}`);
const childrenOf = (e: Evaluated, parent: RecordedResource) => e.resources.filter((r) => r.parent === parent.urn);
const inputsText = (resources: RecordedResource[]) => JSON.stringify(resources.map((r) => r.inputs));

/** The environment of a workload's (first) container, on either kind of target: a Swarm service or a Kubernetes pod template. */
function envOf(resource: RecordedResource): Record<string, string> {
    const inputs = resource.inputs as {
        taskSpec?: { containerSpec?: { env?: Record<string, string> } };
        spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
    };
    const swarm = inputs.taskSpec?.containerSpec?.env;
    if (swarm) return swarm;
    const env = inputs.spec?.template?.spec?.containers?.[0]?.env ?? [];
    return Object.fromEntries(env.filter((v) => v.value !== undefined).map((v) => [v.name, v.value!]));
}

/** The Prometheus rule groups the monitoring stack loads, by name. */
function ruleGroups(e: Evaluated): Map<string, { rules: { alert?: string; labels?: Record<string, string> }[] }> {
    const groups = new Map();
    for (const [file, text] of e.artifacts) {
        if (!file.startsWith("monitoring/rules/")) continue;
        for (const group of (YAML.parse(text) as { groups: { name: string }[] }).groups) groups.set(group.name, group);
    }
    return groups;
}

describe("the program (index.ts), evaluated in process from each stack file", () => {
    for (const stack of platformStacks(ROOT)) {
        describe(stack, () => {
            it("registers one MCP server per catalog entry its target runs, and exports each one's address", async () => {
                const e = await evaluate(stackConfigOf(stack));
                const expected = catalog.servers
                    .filter((s) => (s.targets as readonly string[]).includes(e.settings.target))
                    .map((s) => s.name)
                    .sort();
                expect(expected.length).to.be.greaterThan(0);
                expect(
                    components(e, "McpServer")
                        .map((r) => r.name)
                        .sort(),
                ).to.deep.equal(expected);
                expect(Object.keys(e.stackOutputs.serverAddresses as object).sort()).to.deep.equal(expected);
                expect(e.stackOutputs.target).to.equal(e.settings.target);
                expect(e.stackOutputs.otlpEndpoint).to.match(/^http:\/\/jaeger[\w.-]*:4318$/);
                // Every server sends its traces to the collector the stack exports.
                for (const server of components(e, "McpServer")) {
                    const endpoints = childrenOf(e, server).map((r) => envOf(r).OTEL_EXPORTER_OTLP_ENDPOINT);
                    expect(endpoints.filter(Boolean), server.name).to.deep.equal([e.stackOutputs.otlpEndpoint]);
                }
            });

            it("routes the public servers through an edge exactly when the stack configures one", async () => {
                const e = await evaluate(stackConfigOf(stack));
                const hosts = e.stackOutputs.edgeHosts as string[];
                expect(components(e, "Edge")).to.have.length(e.settings.edge ? 1 : 0);
                if (!e.settings.edge) {
                    expect(hosts).to.deep.equal([]);
                    return;
                }
                const runs = (s: (typeof catalog.servers)[number]) => (s.targets as readonly string[]).includes(e.settings.target);
                for (const server of catalog.servers.filter(runs)) {
                    const routed = hosts.some((h) => h.startsWith(`${server.name}.`));
                    expect(routed, server.name).to.equal(server.expose === "public");
                }
                expect(
                    hosts.every((h) => h.endsWith(`.${e.settings.domain}`)),
                    hosts.join(" "),
                ).to.equal(true);
                // The monitoring UIs are served too, behind the same sign-in.
                for (const ui of ["grafana", "alertmanager", "jaeger"]) expect(hosts).to.include(`${ui}.${e.settings.domain}`);
            });

            it("gives Redis a cache user for exactly the catalog's cache servers, and hands each its credentials", async () => {
                const e = await evaluate(stackConfigOf(stack));
                const [redis] = components(e, "Redis");
                const cacheUsers = childrenOf(e, redis)
                    .map((r) => /^redis-server-(.+)-password$/.exec(r.name)?.[1])
                    .filter((n): n is string => n !== undefined)
                    .sort();
                const cacheServers = components(e, "McpServer").filter((s) => catalog.servers.find((c) => c.name === s.name)!.cache);
                expect(cacheUsers).to.deep.equal(cacheServers.map((s) => s.name).sort());
                expect(cacheUsers.length).to.be.greaterThan(0);
                for (const server of components(e, "McpServer")) {
                    const users = childrenOf(e, server).map((r) => envOf(r).REDIS_USERNAME);
                    expect(users.filter(Boolean), server.name).to.deep.equal(cacheUsers.includes(server.name) ? [server.name] : []);
                }
            });

            it("keeps off-site backups, and alerts on their age, exactly when the stack sets sophia:backup", async () => {
                const e = await evaluate(stackConfigOf(stack));
                const backup = e.settings.backup;
                expect(components(e, "BackupStore")).to.have.length(backup ? 1 : 0);
                expect(components(e, "BackupJobs")).to.have.length(backup ? 1 : 0);
                const groups = ruleGroups(e);
                expect(groups.has("sophia-backups")).to.equal(Boolean(backup));
                if (!backup) {
                    expect(e.stackOutputs.backupBuckets).to.deep.equal({});
                    return;
                }
                const names = backupNames(e.settings.environment, backup);
                expect(e.stackOutputs.backupBuckets).to.deep.equal({ primary: names.primaryBucket, replica: names.replicaBucket });
                // Both stores are backed up, and a store that never reports a success pages.
                const missing = groups.get("sophia-backups")!.rules.filter((r) => r.alert === "BackupMissing");
                expect(missing.map((r) => r.labels!.target).sort()).to.deep.equal(["postgres", "redis"]);
                const jobs = childrenOf(e, components(e, "BackupJobs")[0]);
                const text = inputsText(jobs);
                expect(text).to.include(names.primaryBucket);
                expect(text).to.include(backup.region);
                expect(text).to.include(`0 ${backup.fullBackupHour} * * *`);
                const awsSecret = jobs.find((r) => r.name === "backup-jobs-aws")!;
                expect(e.secretMapKeys.get(awsSecret.urn), "the backup jobs' AWS key").to.deep.equal({
                    stringData: ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"],
                });
            });

            it("restores PostgreSQL before the servers and the backups start exactly when the stack sets sophia:restore", async () => {
                const e = await evaluate(stackConfigOf(stack));
                const restores = components(e, "Restore");
                expect(restores).to.have.length(e.settings.restore ? 1 : 0);
                const postgres = childrenOf(e, components(e, "Postgres")[0]);
                // A restored database comes from the backup: the image must not create an empty one first.
                const databases = postgres.map((r) => envOf(r).POSTGRES_DB).filter(Boolean);
                expect(databases).to.deep.equal([e.settings.restore ? "postgres" : "sophia"]);
                const restoreUrns = new Set(restores.flatMap((r) => childrenOf(e, r).map((c) => c.urn)));
                const waitsForRestore = (r: RecordedResource) => r.dependsOn.some((d) => restoreUrns.has(d));
                for (const server of components(e, "McpServer")) {
                    const workloads = childrenOf(e, server).filter((r) => /(deployment|service)$/.test(r.name) && r.custom);
                    expect(workloads.some(waitsForRestore), server.name).to.equal(Boolean(e.settings.restore));
                }
                for (const jobs of components(e, "BackupJobs")) {
                    const cronJobs = childrenOf(e, jobs).filter((r) => /cronjob|backup-.*-(full|hourly)$/.test(r.name) && r.custom);
                    expect(cronJobs.length).to.be.greaterThan(0);
                    for (const job of cronJobs) expect(waitsForRestore(job), job.name).to.equal(Boolean(e.settings.restore));
                }
                if (!e.settings.restore) return;
                // The restore starts once PostgreSQL runs: it waits for the database's workload.
                const postgresUrns = new Set(postgres.map((r) => r.urn));
                const restoreJobs = childrenOf(e, restores[0]).filter((r) => r.type.endsWith(":Job") || /job$/.test(r.name));
                expect(restoreJobs.length).to.be.greaterThan(0);
                for (const job of restoreJobs)
                    expect(
                        job.dependsOn.some((d) => postgresUrns.has(d)),
                        job.name,
                    ).to.equal(true);
                const restoreText = inputsText(childrenOf(e, restores[0]));
                expect(restoreText).to.include(e.settings.restore.bucket);
                const aws = childrenOf(e, restores[0]).find((r) => r.type.endsWith("core/v1:Secret") && r.name.endsWith("-aws"));
                expect(e.secretMapKeys.get(aws!.urn), "the restore job's AWS key").to.deep.equal({
                    stringData: ["RESTORE_AWS_ACCESS_KEY_ID", "RESTORE_AWS_SECRET_ACCESS_KEY"],
                });
            });
        });
    }

    it("deploys the catalog file sophia:catalog names, and no edge where the stack sets none", async () => {
        const [stack] = platformStacks(ROOT);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-catalog-")), "mcp-servers.yaml");
        fs.writeFileSync(file, fs.readFileSync(CATALOG_FILE, "utf8").replace(/expose: public\n\s*clients: \[[^\]]*\]/g, "expose: internal"));
        const internalOnly = loadCatalog(file);
        expect(internalOnly.servers.some((s) => s.expose === "public")).to.equal(false);
        const config = stackConfigOf(stack, { "sophia:catalog": file });
        // Without the edge its settings and secrets go too: the program refuses a secret nothing uses.
        for (const key of Object.keys(config.config)) if (/^sophia:(edge|domain|EDGE_\w+)$/.test(key)) delete config.config[key];
        const e = await evaluate(config);
        expect(components(e, "Edge")).to.deep.equal([]);
        expect(e.stackOutputs.edgeHosts).to.deep.equal([]);
        const names = internalOnly.servers.filter((s) => (s.targets as readonly string[]).includes(e.settings.target)).map((s) => s.name);
        expect(Object.keys(e.stackOutputs.serverAddresses as object).sort()).to.deep.equal(names.sort());
    });

    it("registers nothing when a setting is invalid, and names the key", async () => {
        const [stack] = platformStacks(ROOT);
        const recorder = new RecordingMonitor();
        const error = await runProgram(stackConfigOf(stack, { "sophia:target": "nomad" }), recorder).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidInputError);
        // At the value's line and column in the stack file, which the engine does not pass: the program reads the file.
        const lines = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8").split("\n");
        const line = lines.findIndex((l) => /^\s+sophia:target:/.test(l)) + 1;
        const column = lines[line - 1].indexOf("sophia:target:") + "sophia:target: ".length + 1;
        expect((error as Error).message).to.include(`Pulumi.${stack}.yaml:${line}:${column} sophia:target: got "nomad"`);
        expect(recorder.recorded.filter((r) => r.type !== "pulumi:pulumi:Stack")).to.deep.equal([]);
    });
});
