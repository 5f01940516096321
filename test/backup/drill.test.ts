// The monthly DR drill (docs/05-operations/disaster-recovery.md), run for real on 127.0.0.1: the
// repository's backup program writes a full and an hourly backup of a seeded database, the database
// is dropped, and the repository's restore program brings it back from the bucket.
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { Client } from "pg";
import { PostgresCluster, PushRecorder, S3Server, tempRoot } from "./servers";
import { RPO_SECONDS, RTO_SECONDS } from "../../components/backup-jobs/objectives";
import { runProgram } from "../support/plan";
import { postgresServerBin, requireBinary } from "../support/tools";

const BUCKET = "sophia-drill-backups";
const DATABASE = "platform";

/** Runs one of the job image's programs as the job would: a process, configured by its environment. */
const runBackupProgram = (program: "backup" | "restore", args: string[], env: NodeJS.ProcessEnv) =>
    runProgram(`images/backup/src/${program}.ts`, args, env, 60_000);

const SCHEMA = `
    CREATE TABLE tenants (id serial PRIMARY KEY, name text NOT NULL UNIQUE, created timestamptz NOT NULL, settings jsonb NOT NULL);
    CREATE TABLE tool_calls (
        id bigserial PRIMARY KEY,
        tenant_id int NOT NULL REFERENCES tenants(id),
        tool text NOT NULL,
        cost numeric(12, 4),
        payload bytea,
        tags text[]
    );
    CREATE INDEX tool_calls_tenant ON tool_calls (tenant_id);
    CREATE VIEW tenant_costs AS SELECT tenant_id, sum(cost) AS total FROM tool_calls GROUP BY tenant_id;
`;

async function seed(client: Client): Promise<void> {
    await client.query(SCHEMA);
    await client.query(`INSERT INTO tenants (name, created, settings)
        SELECT 'tenant-' || i, timestamptz '2025-01-01 00:00:00+00' + i * interval '37 minutes', jsonb_build_object('plan', CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END, 'seats', i)
        FROM generate_series(1, 50) i`);
    await client.query(`INSERT INTO tool_calls (tenant_id, tool, cost, payload, tags)
        SELECT 1 + i % 50, 'tool-' || (i % 29), (i * 0.0137)::numeric(12, 4), decode(md5(i::text), 'hex'), ARRAY['t' || (i % 5), 'x''"' || i]
        FROM generate_series(1, 5000) i`);
}

/** Changes after the full backup: only the hourly backup holds them. */
async function changeAfterFull(client: Client): Promise<void> {
    await client.query(`INSERT INTO tenants (name, created, settings) VALUES ('late-tenant', now(), '{"plan": "enterprise"}')`);
    await client.query(`UPDATE tool_calls SET cost = cost * 2, tags = array_append(tags, 'rebilled') WHERE id % 7 = 0`);
    await client.query(`DELETE FROM tool_calls WHERE id % 11 = 0`);
}

/** Every row of every table, in key order, as PostgreSQL renders it; the sequences; the schema's objects. */
async function contents(client: Client): Promise<Record<string, unknown>> {
    const tables = await client.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const result: Record<string, unknown> = {};
    for (const { name } of tables.rows) {
        const rows = await client.query(`SELECT t::text AS row FROM ${name} t ORDER BY 1`);
        result[name] = rows.rows.map((r) => r.row);
    }
    result.sequences = (await client.query(`SELECT sequencename, last_value FROM pg_sequences ORDER BY 1`)).rows;
    result.objects = (
        await client.query(`SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1`)
    ).rows;
    result.constraints = (
        await client.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`)
    ).rows;
    return result;
}

describe("restore drill: PostgreSQL through an S3-compatible bucket", function () {
    this.timeout(120_000);
    let root: string;
    let postgres: PostgresCluster | undefined;
    let s3: S3Server | undefined;
    let pushgateway: PushRecorder | undefined;
    let env: NodeJS.ProcessEnv;

    const connect = async (database: string): Promise<Client> => {
        const client = new Client({ host: "127.0.0.1", port: postgres!.port, user: postgres!.user, password: postgres!.password, database });
        await client.connect();
        return client;
    };
    const admin = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
        const client = await connect("postgres");
        try {
            return await work(client);
        } finally {
            await client.end();
        }
    };

    before(async function () {
        // The backup and restore programs run the client tools of the same PostgreSQL as the server.
        const serverBin = postgresServerBin();
        for (const client of ["psql", "pg_dump", "pg_restore"]) requireBinary(client);
        root = tempRoot();
        [postgres, s3, pushgateway] = await Promise.all([PostgresCluster.start(root, serverBin), S3Server.start(root, BUCKET), PushRecorder.start()]);
        const passwordFile = path.join(root, "pgpassword");
        fs.writeFileSync(passwordFile, postgres.password, { mode: 0o600 });
        env = {
            PATH: `${serverBin}:${process.env.PATH}`,
            HOME: root,
            PGHOST: "127.0.0.1",
            PGPORT: String(postgres.port),
            PGUSER: postgres.user,
            // As on Swarm: the secret arrives as a file.
            PGPASSWORD_FILE: passwordFile,
            BACKUP_TARGET: "postgres",
            BACKUP_BUCKET: BUCKET,
            ...s3.clientEnv(),
            PUSHGATEWAY_URL: `http://127.0.0.1:${pushgateway.port}`,
        };
    });

    after(async function () {
        const stops: Promise<unknown>[] = [];
        try {
            postgres?.stop();
        } finally {
            if (s3) stops.push(s3.stop());
            if (pushgateway) stops.push(pushgateway.stop());
            await Promise.allSettled(stops);
            if (root) fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("backs up (full, then hourly), loses the database, and restores it row for row within the RTO and RPO", async () => {
        await admin((c) => c.query(`CREATE DATABASE ${DATABASE}`));
        const db = await connect(DATABASE);
        let expected: Record<string, unknown>;
        try {
            await seed(db);
            const full = await runBackupProgram("backup", [], { ...env, BACKUP_KIND: "full" });
            expect(full.code, full.stderr).to.equal(0);
            await changeAfterFull(db);
            expected = await contents(db);
            const hourly = await runBackupProgram("backup", [], { ...env, BACKUP_KIND: "hourly" });
            expect(hourly.code, hourly.stderr).to.equal(0);
        } finally {
            await db.end();
        }
        await admin((c) => c.query(`DROP DATABASE ${DATABASE} WITH (FORCE)`));

        const restored = await runBackupProgram("restore", ["--target", "postgres", "--database", DATABASE], env);
        expect(restored.code, restored.stderr).to.equal(0);
        const report = JSON.parse(restored.stdout) as { backup: { kind: string }; restoreSeconds: number; backupAgeSeconds: number; restored: string[] };
        expect(report.backup.kind).to.equal("hourly");
        expect(report.restored).to.deep.equal([DATABASE]);

        const back = await connect(DATABASE);
        try {
            const actual = await contents(back);
            expect(Object.keys(actual)).to.include.members(["tenants", "tool_calls"]);
            expect((actual.tool_calls as string[]).length).to.equal(5000 - Math.floor(5000 / 11));
            expect(actual).to.deep.equal(expected);
        } finally {
            await back.end();
        }
        process.stdout.write(
            `      restore time ${report.restoreSeconds.toFixed(1)} s against the RTO of ${RTO_SECONDS / 60} min; ` +
                `newest backup ${report.backupAgeSeconds.toFixed(1)} s old against the RPO of ${RPO_SECONDS / 60} min\n`,
        );
        expect(report.restoreSeconds).to.be.below(RTO_SECONDS);
        expect(report.backupAgeSeconds).to.be.within(0, RPO_SECONDS);
    });

    it("reported each success to the Pushgateway with the snapshot's time, grouped by target and kind", () => {
        const urls = pushgateway!.pushes.map((p) => `${p.method} ${p.url}`);
        expect(urls).to.deep.equal(["PUT /metrics/job/sophia-backup/target/postgres/kind/full", "PUT /metrics/job/sophia-backup/target/postgres/kind/hourly"]);
        const value = Number(/^sophia_backup_last_success_timestamp_seconds (\S+)$/m.exec(pushgateway!.pushes[1].body)?.[1]);
        expect(Date.now() / 1000 - value).to.be.within(0, 120);
    });

    it("never restores over a live database, and ignores a backup whose upload did not finish", async () => {
        const refused = await runBackupProgram("restore", ["--target", "postgres", "--database", DATABASE], env);
        expect(refused.code).to.equal(1);
        expect(refused.stderr).to.include(`database ${DATABASE} exists; drop it first or restore under another name with --as`);

        // A newer hourly backup whose manifest never arrived: a job that died mid-upload.
        const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
        const client = new S3Client({
            region: "us-east-1",
            endpoint: s3!.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "services/hourly/postgres/29990101T000000.000Z/platform.dump", Body: "truncated" }));
        client.destroy();
        const copy = await runBackupProgram("restore", ["--target", "postgres", "--database", DATABASE, "--as", "platform_check"], env);
        expect(copy.code, copy.stderr).to.equal(0);
        expect(JSON.parse(copy.stdout).backup.stamp).to.not.equal("29990101T000000.000Z");
        const [live, check] = await Promise.all([connect(DATABASE), connect("platform_check")]);
        try {
            expect(await contents(check)).to.deep.equal(await contents(live));
        } finally {
            await Promise.all([live.end(), check.end()]);
        }
    });
});
