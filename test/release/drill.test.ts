// `npm run drill` for real on 127.0.0.1: the backup program writes into the stack's replica bucket
// (an S3-compatible server), the drill restores from it into the same PostgreSQL server under scratch
// names, and planted faults each fail it with their own message.
import * as fs from "fs";
import * as path from "path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { Client } from "pg";
import { backupNames } from "../../stacks/backupNames";
import { backupKey, dateOfStamp, JOBS_PREFIX, Manifest, stampOf } from "../../images/backup/src/layout";
import { countRows } from "../../images/backup/src/postgres";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { DrillResult } from "../../commands/release/drill";
import { PostgresCluster, S3Server, tempRoot } from "../backup/servers";
import { ROOT, runProgram } from "../support/plan";
import { freePort, postgresServerBin, requireBinary } from "../support/tools";

const DATABASE = "platform";
const stacks = platformStacks(ROOT).map((stack) => ({ stack, settings: offlineStackSettings(ROOT, stack) }));
const drilled = stacks.find((s) => s.settings.backup)!;
const withoutBackups = stacks.find((s) => !s.settings.backup);
const BUCKET = backupNames(drilled.settings.environment, drilled.settings.backup!).replicaBucket;

describe("npm run drill: the restore drill against real PostgreSQL and an S3-compatible server", function () {
    this.timeout(180_000);
    let root: string;
    let postgres: PostgresCluster | undefined;
    let s3: S3Server | undefined;
    let client: S3Client;
    let base: NodeJS.ProcessEnv;
    let databaseUrl: string;

    const admin = <T>(database: string, work: (c: Client) => Promise<T>): Promise<T> => postgres!.withClient(database, work);
    const keys = async (): Promise<string[]> => {
        const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
        return ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!);
    };
    const getText = async (key: string) => (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString("utf8");
    const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const emptyBucket = async () => {
        for (const key of await keys()) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    };
    /** The real backup program, writing where replication would put its objects. */
    const backupNow = async (): Promise<Manifest & { manifestKey: string }> => {
        const result = await runProgram("images/backup/src/backup.ts", [], {
            ...base,
            BACKUP_TARGET: "postgres",
            BACKUP_KIND: "hourly",
            BACKUP_BUCKET: BUCKET,
            AWS_REGION: "us-east-1",
        });
        expect(result.code, result.stderr).to.equal(0);
        const { manifest } = JSON.parse(result.stdout) as { manifest: string };
        return { ...(JSON.parse(await getText(manifest)) as Manifest), manifestKey: manifest };
    };
    const drill = (extra: NodeJS.ProcessEnv = {}, args: string[] = []) =>
        runProgram("commands/release/drillCli.ts", ["--stack", drilled.stack, ...args], { ...base, SOPHIA_DRILL_DATABASE_URL: databaseUrl, ...extra });
    const scratchLeft = () => admin("postgres", async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'sophia\\_drill\\_%'`)).rows);

    before(async function () {
        const serverBin = postgresServerBin();
        for (const program of ["psql", "pg_dump", "pg_restore"]) requireBinary(program);
        root = tempRoot();
        [postgres, s3] = await Promise.all([PostgresCluster.start(root, serverBin), S3Server.start(root, BUCKET)]);
        client = new S3Client({
            region: "us-east-1",
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        databaseUrl = `postgres://${postgres.user}:${encodeURIComponent(postgres.password)}@127.0.0.1:${postgres.port}/postgres`;
        base = {
            ...postgres.clientEnv(serverBin, root),
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            AWS_ENDPOINT_URL_S3: s3.endpoint,
        };
        await admin("postgres", (c) => c.query(`CREATE DATABASE ${DATABASE}`));
        await admin(DATABASE, async (c) => {
            await c.query(`CREATE TABLE tenants (id serial PRIMARY KEY, name text NOT NULL)`);
            await c.query(`CREATE TABLE "tool calls" (id bigserial PRIMARY KEY, tenant_id int REFERENCES tenants(id), note text)`);
            await c.query(`INSERT INTO tenants (name) SELECT 'tenant-' || i FROM generate_series(1, 40) i`);
            await c.query(`INSERT INTO "tool calls" (tenant_id, note) SELECT 1 + i % 40, E'line\\nbreak ' || i FROM generate_series(1, 3000) i`);
        });
    });

    after(async function () {
        client?.destroy();
        try {
            postgres?.stop();
        } finally {
            await s3?.stop();
            if (root) fs.rmSync(root, { recursive: true, force: true });
        }
    });

    beforeEach(emptyBucket);

    it("passes on a fresh backup: restored row for row, within the RPO and RTO, the scratch database dropped, a JSON report written", async () => {
        const manifest = await backupNow();
        const live = await countRows(DATABASE, { ...base, PGDATABASE: undefined });
        expect(manifest.files.find((f) => f.database === DATABASE)!.rowCounts).to.deep.equal(live);
        expect(live).to.deep.equal({ "public.tenants": 40, 'public."tool calls"': 3000 });

        const json = path.join(root, "report", "drill.json");
        const run = await drill({}, ["--json", json]);
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        expect(run.stdout).to.include(`bucket ${BUCKET} (${drilled.settings.backup!.replicaRegion})`);
        expect(run.stdout).to.match(/Verdict: PASS\n/);
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as DrillResult;
        expect(report.verdict).to.equal("pass");
        expect(report.backup!.stamp).to.equal(stampOf(new Date(manifest.takenAt)));
        expect(report.ageSeconds).to.be.within(0, report.rpoSeconds);
        expect(report.restoreSeconds).to.be.within(0, report.rtoSeconds);
        const platform = report.tables.find((d) => d.database === DATABASE)!;
        expect(platform.tables).to.deep.equal(Object.entries(live).map(([table, n]) => ({ table, expected: n, restored: n })));
        process.stdout.write(`      drill: restore ${report.restoreSeconds!.toFixed(1)} s, backup ${report.ageSeconds!.toFixed(1)} s old\n`);
        expect(await scratchLeft()).to.deep.equal([]);
        // The scratch server's password reaches psql through the environment only, and no output shows it.
        expect(run.stdout + run.stderr + fs.readFileSync(json, "utf8")).to.not.include(postgres!.password);
    });

    it("fails on a backup older than the RPO (the program's own backup, aged by two hours)", async () => {
        const manifest = await backupNow();
        const old = new Date(Date.parse(manifest.takenAt) - 2 * 3600_000);
        const from = manifest.manifestKey.slice(0, manifest.manifestKey.lastIndexOf("/") + 1);
        for (const f of manifest.files) {
            const body = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: from + f.file }));
            await put(backupKey(JOBS_PREFIX, "hourly", "postgres", stampOf(old), f.file), Buffer.from(await body.Body!.transformToByteArray()));
        }
        await emptyOf(from);
        await put(
            backupKey(JOBS_PREFIX, "hourly", "postgres", stampOf(old), "manifest.json"),
            JSON.stringify({ ...manifest, manifestKey: undefined, takenAt: old.toISOString() }),
        );
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.match(/Age: +120\.\d min against the RPO of 60\.0 min {2}FAIL/);
        expect(run.stdout).to.match(/- the newest backup is 120\.\d min old, beyond the RPO of 60\.0 min/);
        expect(dateOfStamp(stampOf(old)).getTime()).to.equal(old.getTime());
        expect(await scratchLeft()).to.deep.equal([]);
    });

    async function emptyOf(prefix: string): Promise<void> {
        for (const key of (await keys()).filter((k) => k.startsWith(prefix))) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    }

    it("fails when a table comes back with a row missing", async () => {
        const manifest = await backupNow();
        const files = manifest.files.map((f) => (f.database === DATABASE ? { ...f, rowCounts: { ...f.rowCounts, "public.tenants": 41 } } : f));
        await put(manifest.manifestKey, JSON.stringify({ ...manifest, files }));
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.include(`- database ${DATABASE} table public.tenants: 41 rows at backup time, 40 restored`);
        expect(run.stdout).to.match(/public\.tenants +41 → +40 {2}FAIL/);
        expect(await scratchLeft()).to.deep.equal([]);
    });

    it("fails on a damaged dump file: its SHA-256 is not the manifest's", async () => {
        const manifest = await backupNow();
        const folder = manifest.manifestKey.slice(0, manifest.manifestKey.lastIndexOf("/") + 1);
        const dump = manifest.files.find((f) => f.database === DATABASE)!;
        const bytes = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: folder + dump.file }))).Body!.transformToByteArray());
        bytes[bytes.length >> 1] ^= 0xff;
        await put(folder + dump.file, bytes);
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.match(
            new RegExp(`- the restore failed: ${folder}${dump.file} is damaged: its SHA-256 is [0-9a-f]{64}, the manifest says ${dump.sha256}`),
        );
        expect(await scratchLeft()).to.deep.equal([]);
    });

    it("fails when pg_restore cannot load a file, and drops the half-made scratch database", async () => {
        const manifest = await backupNow();
        const folder = manifest.manifestKey.slice(0, manifest.manifestKey.lastIndexOf("/") + 1);
        const garbage = Buffer.from("not a pg_dump archive\n");
        const { createHash } = await import("crypto");
        const files = manifest.files.map((f) =>
            f.database === DATABASE ? { ...f, bytes: garbage.length, sha256: createHash("sha256").update(garbage).digest("hex") } : f,
        );
        await put(folder + files.find((f) => f.database === DATABASE)!.file, garbage);
        await put(manifest.manifestKey, JSON.stringify({ ...manifest, files }));
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.match(/- the restore failed: pg_restore .* exited with 1: pg_restore: error: input file does not appear to be a valid archive/);
        expect(await scratchLeft()).to.deep.equal([]);
    });

    it("fails on a backup written before row counts were recorded: still readable, but nothing to check against", async () => {
        const manifest = await backupNow();
        const files = manifest.files.map((f) => ({ file: f.file, database: f.database, bytes: f.bytes, sha256: f.sha256 }));
        await put(manifest.manifestKey, JSON.stringify({ ...manifest, files }));
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.include(`- database ${DATABASE}: the backup records no row counts`);
        expect(run.stdout).to.match(/public\.tenants +- → +40 {2}FAIL/);
    });

    it("fails on an empty bucket", async () => {
        const run = await drill();
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stdout).to.include("Backup:   none found");
        expect(run.stdout).to.include(`- no complete postgres backup in ${BUCKET}`);
    });

    it("exits 2 naming the bucket and what to check when the bucket cannot be reached", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const run = await drill({ AWS_ENDPOINT_URL_S3: closed });
        expect(run.code, run.stdout).to.equal(2);
        expect(run.stderr).to.include(`cannot list bucket ${BUCKET} in ${drilled.settings.backup!.replicaRegion} at ${closed} (AWS_ENDPOINT_URL_S3):`);
        expect(run.stderr).to.include("ECONNREFUSED");
        expect(run.stderr).to.not.match(/\n\s+at /);
    });

    it("exits 2 with the fix on configuration errors, never showing the scratch server's password", async () => {
        const missing = await drill({ SOPHIA_DRILL_DATABASE_URL: "" });
        expect(missing.code).to.equal(2);
        expect(missing.stderr).to.include(
            "SOPHIA_DRILL_DATABASE_URL is not set: set SOPHIA_DRILL_DATABASE_URL to postgres://<user>:<password>@<host>:<port>/postgres",
        );
        const wrong = await drill({
            SOPHIA_DRILL_DATABASE_URL: `postgres://${postgres!.user}:wrong-${postgres!.password}@127.0.0.1:${postgres!.port}/postgres`,
        });
        expect(wrong.code).to.equal(2);
        expect(wrong.stderr).to.include(
            `cannot use the scratch PostgreSQL server ${postgres!.user}@127.0.0.1:${postgres!.port} from SOPHIA_DRILL_DATABASE_URL:`,
        );
        expect(wrong.stderr).to.include("password authentication failed");
        expect(wrong.stderr).to.not.include(postgres!.password);
        const unknown = await runProgram("commands/release/drillCli.ts", ["--stack", "nowhere"], base);
        expect(unknown.code).to.equal(2);
        expect(unknown.stderr).to.include(`unknown stack "nowhere" (from --stack)`);
        expect(withoutBackups, "a stack without backups to test against").to.not.equal(undefined);
        const none = await runProgram("commands/release/drillCli.ts", ["--stack", withoutBackups!.stack], { ...base, SOPHIA_DRILL_DATABASE_URL: databaseUrl });
        expect(none.code).to.equal(2);
        expect(none.stderr).to.include(
            `stack ${withoutBackups!.stack} (from --stack) has no backups: Pulumi.${withoutBackups!.stack}.yaml sets no sophia:backup`,
        );
        const list = await runProgram("commands/release/drillCli.ts", ["--list-stacks"], base);
        expect(list.code).to.equal(0);
        expect(JSON.parse(list.stdout)).to.deep.equal(stacks.filter((s) => s.settings.backup).map((s) => s.stack));
    });
});
