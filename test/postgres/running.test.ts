// The platform's PostgreSQL and its exporter, run for real as each kind of target would run them:
// the program (index.ts) evaluated in this process from a stack file (test/support/program.ts), and
// the rendered server and exporter started in a sandbox (test/support/containers.ts) with the
// environment, secret files and health checks their runtime would give them. The server is this
// machine's PostgreSQL initialised as the official image's entrypoint does from that environment;
// the exporter is postgres_exporter (Debian's build of the image's program); Prometheus scrapes it
// with the stack's own scrape job.
import { expect } from "chai";
import * as fs from "fs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { RecordedResource } from "../../commands/plan/recorder";
import { POSTGRES_PORT } from "../../components/postgres";
import { platformStacks } from "../../esc/needs";
import { Container, containerPath, Sandbox } from "../support/containers";
import { ROOT } from "../support/plan";
import { Evaluated, evaluateStack } from "../support/program";
import { componentOf, containerOf, discoveryOf, dnsNames, WORKLOAD_TYPES, workloadName, workloadScrapeJob } from "../support/rendered";
import { scrapeWith } from "../support/scrape";
import { postgresServerBin, requireBinary, waitFor } from "../support/tools";

/** Stacks that create their database (a failover's comes from its restore), one per platform adapter: Swarm's and Kubernetes'. */
const STACKS = (() => {
    const creating = platformStacks(ROOT)
        .map((stack) => ({ stack, settings: offlineStackSettings(ROOT, stack) }))
        .filter((s) => !s.settings.restore);
    const swarm = creating.find((s) => s.settings.target === "swarm");
    const kubernetes = creating.find((s) => s.settings.target !== "swarm");
    return [swarm, kubernetes].filter((s) => s !== undefined).map((s) => s.stack);
})();

/** The Postgres component's workloads: the one that keeps data (the server, a StatefulSet or a service on a named volume) and its exporter. */
function serverAndExporter(e: Evaluated): { server: RecordedResource; exporter: RecordedResource } {
    const workloads = componentOf(e, "Postgres").children.filter((r) => WORKLOAD_TYPES.includes(r.type));
    const keepsData = (r: RecordedResource) =>
        r.type === "kubernetes:apps/v1:StatefulSet" || ((r.inputs.taskSpec as any)?.containerSpec?.mounts ?? []).some((m: any) => m.type === "volume");
    expect(workloads, "PostgreSQL's workloads").to.have.length(2);
    return { server: workloads.find(keepsData)!, exporter: workloads.find((w) => !keepsData(w))! };
}

/** This machine's account for a user name (the image's postgres user is this machine's postgres). */
function account(name: string): { uid: number; gid: number } {
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.startsWith(`${name}:`));
    if (!line) throw new Error(`no ${name} user on this machine: the postgresql package creates it`);
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
}

interface RunningServer {
    readonly password: string;
    readonly child: { pid?: number; kill(signal: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null };
    /** A query through the server's socket, as its superuser. */
    query(sql: string): string;
}

/**
 * The official image's entrypoint (docker-library/postgres docker-entrypoint.sh) on an empty data
 * directory: POSTGRES_PASSWORD, POSTGRES_USER (default postgres) and POSTGRES_DB (default the user)
 * from the environment or their _FILE; no password, no start; initdb of $PGDATA with that superuser
 * and password, host connections by scram-sha-256; CREATE DATABASE unless it is "postgres"; then
 * `postgres`, which finds its data in $PGDATA and listens on its default port.
 */
async function startAsTheImageDoes(sandbox: Sandbox, container: Container): Promise<RunningServer> {
    const env = container.env;
    const pg = account("postgres");
    const PATH = containerPath([postgresServerBin()]);
    const as = { user: pg.uid, group: pg.gid };
    sandbox.mount(container, pg);
    const fromFile = (name: string) => (env[`${name}_FILE`] ? sandbox.exec(["cat", env[`${name}_FILE`]]).replace(/\n+$/, "") : undefined);
    const fileEnv = (name: string, fallback: string) => env[name] || fromFile(name) || fallback;
    const password = fileEnv("POSTGRES_PASSWORD", "");
    if (!password) throw new Error("Database is uninitialized and superuser password is not specified (the image's entrypoint refuses to start)");
    const superuser = fileEnv("POSTGRES_USER", "postgres");
    const database = fileEnv("POSTGRES_DB", superuser);
    const pgdata = env.PGDATA || "/var/lib/postgresql/data";
    sandbox.mkdir(pgdata, pg.uid, pg.gid, 0o700);
    sandbox.writeFile("/tmp/pwfile", `${password}\n`, 0o600, pg.uid, pg.gid);
    const initdb = [
        "initdb",
        `--username=${superuser}`,
        "--pwfile=/tmp/pwfile",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "--locale=C",
        "-E",
        "UTF8",
    ];
    sandbox.exec(initdb, { ...as, env: { ...env, PATH } });
    sandbox.exec(["/bin/sh", "-c", 'echo "host all all all scram-sha-256" >> "$1/pg_hba.conf"', "sh", pgdata], as);
    const server = sandbox.start(["postgres", "-c", "listen_addresses=*", "-c", "fsync=off"], { ...as, env: { ...env, PATH } });
    const psql = (sql: string) =>
        sandbox.exec(["psql", "-v", "ON_ERROR_STOP=1", "-tA", "-h", "/var/run/postgresql", "-U", superuser, "-d", "postgres", "--set", `db=${database}`], {
            ...as,
            env: { PATH },
            input: sql,
        });
    await waitFor(
        "PostgreSQL to accept connections on its socket",
        () => {
            if (server.child.exitCode !== null) throw new Error(`postgres exited: ${server.log()}`);
            try {
                return psql("SELECT 1").trim() === "1" ? true : undefined;
            } catch {
                return undefined;
            }
        },
        20_000,
        100,
    );
    if (database !== "postgres") psql('CREATE DATABASE :"db";');
    return { password, child: server.child, query: psql };
}

/** Starts a container's program in the sandbox as its user, with its environment, files and volumes, until it logs `ready`. */
async function startContainer(sandbox: Sandbox, container: Container, command: string[], ready: RegExp) {
    sandbox.mount(container);
    const run = sandbox.start(command, { user: container.user, group: container.group, env: { ...container.env, PATH: containerPath() } });
    await waitFor(
        `${container.workload} to start`,
        () => {
            if (run.child.exitCode !== null) throw new Error(`${container.workload} exited: ${run.log()}`);
            return ready.test(run.log()) ? true : undefined;
        },
        15_000,
        100,
    );
    return run;
}

/** Runs the container's health check until it gives the expected answer, a few times (a runtime retries before it decides). */
async function probeUntil(sandbox: Sandbox, container: Container, healthy: boolean): Promise<{ code: number; output: string }> {
    expect(container.health, `${container.workload}'s health check`).to.not.equal(undefined);
    let last = { code: -1, output: "" };
    for (let attempt = 0; attempt < 10; attempt++) {
        last = sandbox.probe(container, { env: { PATH: containerPath([postgresServerBin()]) } });
        if ((last.code === 0) === healthy) return last;
        await new Promise((r) => setTimeout(r, 300));
    }
    return last;
}

/** The database a postgres_exporter DATA_SOURCE_URI (host:port/database?options) names. */
const uriDatabase = (uri: string): string => decodeURIComponent(new URL(`postgresql://${uri}`).pathname.slice(1));

describe("PostgreSQL and its exporter, run as each kind of target runs them", function () {
    this.timeout(120_000);

    for (const stack of STACKS) {
        describe(stack, () => {
            let sandbox: Sandbox | undefined;
            before(async () => {
                for (const binary of ["initdb", "psql", "prometheus", "wget"]) requireBinary(binary);
                requireBinary("prometheus-postgres-exporter");
                sandbox = await Sandbox.start();
            });
            after(async () => {
                await sandbox?.stop();
                sandbox = undefined;
            });
            afterEach(() => sandbox?.stopProcesses());

            it("starts from its rendered environment and secret, is healthy exactly while it serves, and its exporter logs in, scraped by Prometheus", async () => {
                const box = sandbox!;
                const e = await evaluateStack(stack);
                const { server, exporter } = serverAndExporter(e);
                const serverContainer = containerOf(e, server);
                const db = await startAsTheImageDoes(box, serverContainer);
                // The server listens where the component says its clients reach it.
                expect(db.query("SHOW port").trim()).to.equal(String(POSTGRES_PORT));

                // The health check the runtime runs in the container: healthy while PostgreSQL accepts connections.
                const healthy = await probeUntil(box, serverContainer, true);
                expect(healthy.code, `${JSON.stringify(serverContainer.health)}: ${healthy.output}`).to.equal(0);

                // The exporter reaches the server by the names the platform's DNS gives it, logs in, and Prometheus scrapes it.
                for (const name of dnsNames(e, server)) box.resolve(name);
                const exporterContainer = containerOf(e, exporter);
                const exporterRun = await startContainer(box, exporterContainer, [requireBinary("prometheus-postgres-exporter")], /Listening on/);
                const exporterHealthy = await probeUntil(box, exporterContainer, true);
                expect(exporterHealthy.code, `the exporter's health check ${JSON.stringify(exporterContainer.health)}: ${exporterHealthy.output}`).to.equal(0);
                const scrape = await scrapeWith(box, workloadScrapeJob(e), discoveryOf(e, exporter));
                expect(
                    scrape.targets.map((t) => t.health),
                    JSON.stringify(scrape.targets),
                ).to.deep.equal(["up"]);
                const up = scrape.query("pg_up");
                expect(
                    up.map((s) => s.value),
                    `pg_up (the exporter's log: ${exporterRun.log().slice(-1500)})`,
                ).to.deep.equal([1]);
                // Its series name the workload they come from (the `service` label TargetDown reports), as the platform names it.
                expect(up[0].metric.service).to.equal(workloadName(e, exporter));

                // It watches the platform's database, the one the server created on its first start.
                const watched = uriDatabase(exporterContainer.env.DATA_SOURCE_URI);
                const databases = db
                    .query("SELECT datname FROM pg_database")
                    .split("\n")
                    .filter((line) => line !== "");
                expect(databases, "the server's databases").to.include(watched);
                // The password reached both programs as a file: neither process has it in its environment.
                for (const pid of [exporterRun.child.pid, db.child.pid])
                    expect(fs.readFileSync(`/proc/${pid}/environ`, "utf8").includes(db.password), `process ${pid}'s environment`).to.equal(false);

                // And the health check says so once the server is gone.
                db.child.kill("SIGKILL");
                await waitFor("postgres to stop", () => (db.child.exitCode !== null || db.child.signalCode !== null ? true : undefined), 10_000, 50);
                const down = await probeUntil(box, serverContainer, false);
                expect(down.code, "the health check with the server stopped").to.not.equal(0);
            });
        });
    }
});
