// The backup and restore programs' own functions in this process (images/backup/src/backup.ts,
// restore.ts), against a real PostgreSQL, a real Redis, an S3-compatible server and the real
// Pushgateway: what a backup writes and reports, and what a restore chooses, checks and refuses.
// test/backup/drill.test.ts runs the same programs whole, as the job does.
import { ChildProcess, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { Client } from "pg";
import { backup } from "../../images/backup/src/backup";
import { stampOf } from "../../images/backup/src/layout";
import { countRows } from "../../images/backup/src/postgres";
import { listBackups, restore } from "../../images/backup/src/restore";
import { BackupBucket } from "../../images/backup/src/store";
import { RedisTestServer } from "../support/redis";
import { freePort, postgresServerBin, requireBinary, waitFor } from "../support/tools";
import { PostgresCluster, S3Server, tempRoot } from "./servers";

const BUCKET = "sophia-programs-backups";
/** A bucket holding more keys than one listing page (1000) returns. */
const CROWDED = "sophia-crowded-backups";
const REDIS_USER = "backup";
const REDIS_PASSWORD = "redis-test-only-password";

describe("the backup and restore programs in process (images/backup/src/backup.ts, restore.ts)", function () {
    this.timeout(120_000);
    let root: string;
    let postgres: PostgresCluster | undefined;
    let s3: S3Server | undefined;
    let crowded: ChildProcess | undefined;
    let crowdedEndpoint: string;
    let redis: RedisTestServer | undefined;
    let pushgateway: ChildProcess | undefined;
    let pushgatewayUrl: string;
    let client: S3Client;
    let env: NodeJS.ProcessEnv;

    const admin = <T>(database: string, work: (c: Client) => Promise<T>): Promise<T> => postgres!.withClient(database, work);
    const databaseNames = () =>
        admin("postgres", async (c) =>
            (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY 1`)).rows.map(
                (r) => r.datname,
            ),
        );
    const keys = async (): Promise<string[]> => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!);
    const object = async (key: string): Promise<Buffer> =>
        Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
    const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const failureOf = (work: Promise<unknown>) =>
        work.then(
            () => "no failure",
            (error: Error) => error.message,
        );
    /** Seeds `database` with `rows` tenants. */
    const seed = async (database: string, rows: number) => {
        await admin("postgres", (c) => c.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`));
        await admin(database, async (c) => {
            await c.query(`CREATE TABLE tenants (id serial PRIMARY KEY, name text NOT NULL)`);
            await c.query(`INSERT INTO tenants (name) SELECT 'tenant-' || i FROM generate_series(1, $1::int) i`, [rows]);
        });
    };

    before(async () => {
        const serverBin = postgresServerBin();
        for (const program of ["psql", "pg_dump", "pg_restore", "redis-cli"]) requireBinary(program);
        root = tempRoot();
        const acl = `user default off\nuser ${REDIS_USER} on >${REDIS_PASSWORD} ~* &* +@all\n`;
        [postgres, s3, redis] = await Promise.all([
            PostgresCluster.start(root, serverBin),
            S3Server.start(root, BUCKET),
            RedisTestServer.start(acl, REDIS_USER, REDIS_PASSWORD),
        ]);
        // The same S3-compatible server in a process of its own: its continuation tokens use DES,
        // which OpenSSL 3 offers only in its legacy provider.
        const crowdedPort = await freePort();
        fs.mkdirSync(path.join(root, "crowded"));
        crowded = spawn(
            process.execPath,
            [
                "--openssl-legacy-provider",
                require.resolve("s3rver/bin/s3rver.js"),
                "-d",
                path.join(root, "crowded"),
                "-a",
                "127.0.0.1",
                "-p",
                String(crowdedPort),
                "-s",
                "--configure-bucket",
                CROWDED,
            ],
            { stdio: "ignore" },
        );
        crowdedEndpoint = `http://127.0.0.1:${crowdedPort}`;
        await waitFor("the crowded bucket's server", async () => ((await fetch(crowdedEndpoint).catch(() => undefined)) ? true : undefined), 20_000, 100);
        const port = await freePort();
        pushgateway = spawn(requireBinary("prometheus-pushgateway"), [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
        pushgatewayUrl = `http://127.0.0.1:${port}`;
        await waitFor("the Pushgateway", async () => ((await fetch(`${pushgatewayUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 20_000, 100);
        client = new S3Client({
            region: "us-east-1",
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        // Old backups' files filling the first listing page; the newest backup's manifest sorts after them.
        const filler = new S3Client({
            region: "us-east-1",
            endpoint: crowdedEndpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        const old = stampOf(new Date("2025-01-01T02:00:00Z"));
        const fillerKeys = [
            `services/full/postgres/${old}/manifest.json`,
            ...Array.from({ length: 1000 }, (_, i) => `services/full/postgres/${old}/part-${i}.dump`),
        ];
        for (let i = 0; i < fillerKeys.length; i += 50)
            await Promise.all(fillerKeys.slice(i, i + 50).map((key) => filler.send(new PutObjectCommand({ Bucket: CROWDED, Key: key, Body: "-" }))));
        await filler.send(
            new PutObjectCommand({ Bucket: CROWDED, Key: `services/hourly/postgres/${stampOf(new Date("2025-01-02T03:30:00Z"))}/manifest.json`, Body: "{}" }),
        );
        filler.destroy();
        env = {
            ...postgres.clientEnv(serverBin, root),
            BACKUP_TARGET: "postgres",
            BACKUP_BUCKET: BUCKET,
            ...s3.clientEnv(),
        };
    });

    after(async () => {
        client?.destroy();
        pushgateway?.kill("SIGKILL");
        crowded?.kill("SIGKILL");
        redis?.stop();
        try {
            postgres?.stop();
        } finally {
            await s3?.stop();
            if (root) fs.rmSync(root, { recursive: true, force: true });
        }
    });

    beforeEach(async () => {
        const stored = await keys();
        if (stored.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: stored.map((Key) => ({ Key })) } }));
        for (const name of await databaseNames()) await admin("postgres", (c) => c.query(`DROP DATABASE "${name.replace(/"/g, '""')}" WITH (FORCE)`));
    });

    it("backs up every database under a file of its own (a name with a slash too), with its size, hash and row counts, the manifest beside them, and pushes the total size", async () => {
        await seed("platform", 3);
        await seed("team/a b", 2);
        // A trailing slash, as an operator may write the URL.
        const manifest = await backup({ ...env, BACKUP_KIND: "full", PUSHGATEWAY_URL: `${pushgatewayUrl}/` });
        const stamp = stampOf(new Date(manifest.takenAt));
        const folder = `services/full/postgres/${stamp}/`;
        expect(manifest.manifestKey).to.equal(`${folder}manifest.json`);
        expect(manifest.files.map((f) => [f.file, f.database, f.rowCounts])).to.deep.equal([
            ["platform.dump", "platform", { "public.tenants": 3 }],
            ["team%2Fa%20b.dump", "team/a b", { "public.tenants": 2 }],
        ]);
        expect((await keys()).sort()).to.deep.equal([`${folder}manifest.json`, `${folder}platform.dump`, `${folder}team%2Fa%20b.dump`]);
        for (const f of manifest.files) {
            const stored = await object(folder + f.file);
            expect(f.bytes, f.file).to.equal(stored.length);
            expect(f.sha256, f.file).to.equal(createHash("sha256").update(stored).digest("hex"));
        }
        const { manifestKey: _, ...written } = manifest;
        expect(JSON.parse((await object(manifest.manifestKey)).toString())).to.deep.equal(written);
        expect(Date.parse(manifest.completedAt)).to.be.at.least(Date.parse(manifest.takenAt));

        const exposition = await (await fetch(`${pushgatewayUrl}/metrics`)).text();
        const sample = (metric: string) =>
            Number(
                new RegExp(`^${metric}\\{(?=[^}]*job="sophia-backup")(?=[^}]*kind="full")(?=[^}]*target="postgres")[^}]*\\} (\\S+)$`, "m").exec(
                    exposition,
                )?.[1],
            );
        expect(sample("sophia_backup_last_size_bytes")).to.equal(manifest.files[0].bytes + manifest.files[1].bytes);
        expect(sample("sophia_backup_last_success_timestamp_seconds")).to.equal(Date.parse(manifest.takenAt) / 1000);
        expect(exposition).to.include(
            "# HELP sophia_backup_last_success_timestamp_seconds When the newest successful backup's snapshot was taken: the age of the newest restorable data.\n",
        );
        expect(exposition).to.include("# TYPE sophia_backup_last_success_timestamp_seconds gauge\n");
        expect(exposition).to.include("# HELP sophia_backup_last_size_bytes Bytes the newest successful backup stored.\n");
        expect(exposition).to.include("# TYPE sophia_backup_last_size_bytes gauge\n");
    });

    it("refuses a server with no database to back up, and writes nothing to the bucket", async () => {
        expect(await failureOf(backup({ ...env, BACKUP_KIND: "full" }))).to.equal("the server has no database to back up");
        expect(await keys()).to.deep.equal([]);
    });

    it("fails with the Pushgateway's status and answer when it refuses the report, the backup itself stored", async () => {
        await seed("platform", 1);
        const failed = await failureOf(backup({ ...env, BACKUP_KIND: "hourly", PUSHGATEWAY_URL: `${pushgatewayUrl}/not-the-pushgateway` }));
        expect(failed).to.equal("the Pushgateway refused the metrics (404): 404 page not found\n");
        expect((await keys()).filter((k) => k.endsWith("/manifest.json"))).to.have.length(1);
    });

    it("writes and finds backups under BACKUP_PREFIX when it is set, and nowhere else", async () => {
        await seed("platform", 1);
        const written = await backup({ ...env, BACKUP_KIND: "hourly", BACKUP_PREFIX: "drill" });
        expect(written.manifestKey).to.match(/^drill\/hourly\/postgres\/\d{8}T\d{6}\.\d{3}Z\/manifest\.json$/);
        expect((await listBackups("postgres", { ...env, BACKUP_PREFIX: "drill" })).map((b) => b.manifestKey)).to.deep.equal([written.manifestKey]);
        expect(await listBackups("postgres", env)).to.deep.equal([]);
        expect(await failureOf(restore({ target: "postgres", rename: (d) => `${d}_copy` }, env))).to.equal(`no complete postgres backup in ${BUCKET}`);
        const restored = await restore({ target: "postgres", rename: (d) => `${d}_copy` }, { ...env, BACKUP_PREFIX: "drill" });
        expect(restored.backup.manifestKey).to.equal(written.manifestKey);
    });

    it("restores every database of the newest backup under the names asked for, row for row, and says how old the backup was", async () => {
        await seed("platform", 3);
        await seed("team/a b", 2);
        const full = await backup({ ...env, BACKUP_KIND: "full" });
        await admin("platform", (c) => c.query(`INSERT INTO tenants (name) VALUES ('late')`));
        const hourly = await backup({ ...env, BACKUP_KIND: "hourly" });
        expect(hourly.takenAt > full.takenAt).to.equal(true);

        const report = await restore({ target: "postgres", rename: (d) => `copy of ${d}` }, env);
        expect(report.bucket).to.equal(BUCKET);
        expect(report.backup).to.deep.equal({ kind: "hourly", target: "postgres", stamp: stampOf(new Date(hourly.takenAt)), manifestKey: hourly.manifestKey });
        expect(report.manifest).to.deep.equal((({ manifestKey: _, ...m }) => m)(hourly));
        expect(report.restored).to.deep.equal(["copy of platform", "copy of team/a b"]);
        expect(await countRows("copy of platform", env)).to.deep.equal({ "public.tenants": 4 });
        expect(await countRows("copy of team/a b", env)).to.deep.equal({ "public.tenants": 2 });
        const age = (Date.now() - Date.parse(hourly.takenAt)) / 1000;
        expect(report.backupAgeSeconds).to.be.within(0, age);
        expect(report.restoreSeconds).to.be.within(0, age);
    });

    it("restores the backup asked for by its time stamp, and names the stamp when no complete backup has it", async () => {
        await seed("platform", 3);
        const full = await backup({ ...env, BACKUP_KIND: "full" });
        await admin("platform", (c) => c.query(`INSERT INTO tenants (name) VALUES ('late')`));
        await backup({ ...env, BACKUP_KIND: "hourly" });
        const stamp = stampOf(new Date(full.takenAt));
        const report = await restore({ target: "postgres", database: "platform", as: "platform_then", backup: stamp }, env);
        expect(report.backup).to.deep.include({ kind: "full", stamp });
        expect(report.restored).to.deep.equal(["platform_then"]);
        expect(await countRows("platform_then", env)).to.deep.equal({ "public.tenants": 3 });
        const missing = "20240101T000000.000Z";
        expect(await failureOf(restore({ target: "postgres", database: "platform", as: "x", backup: missing }, env))).to.equal(
            `no complete postgres backup ${missing} in ${BUCKET}`,
        );
    });

    it("restores one database under a name that needs quoting, never over an existing one, and names the databases a backup holds", async () => {
        await seed("platform", 3);
        await seed("billing", 1);
        await backup({ ...env, BACKUP_KIND: "full" });
        const name = `it's "checked"`;
        expect((await restore({ target: "postgres", database: "platform", as: name }, env)).restored).to.deep.equal([name]);
        expect(await countRows(name, env)).to.deep.equal({ "public.tenants": 3 });
        await admin(name, (c) => c.query(`DELETE FROM tenants WHERE id = 1`));

        expect(await failureOf(restore({ target: "postgres", database: "platform", as: name }, env))).to.equal(
            `database ${name} exists; drop it first or restore under another name with --as`,
        );
        // The existing database is left as it was.
        expect(await countRows(name, env)).to.deep.equal({ "public.tenants": 2 });
        expect(await failureOf(restore({ target: "postgres", database: "platfrom", as: "x" }, env))).to.match(
            /^backup \d{8}T\d{6}\.\d{3}Z holds no database platfrom; it holds billing, platform$/,
        );
        expect(await databaseNames()).to.deep.equal(["billing", name, "platform"].sort());
    });

    it("refuses a damaged file before it creates any database", async () => {
        await seed("platform", 3);
        const written = await backup({ ...env, BACKUP_KIND: "full" });
        const key = written.manifestKey.replace(/manifest\.json$/, "platform.dump");
        const bytes = await object(key);
        bytes[bytes.length >> 1] ^= 0xff;
        await put(key, bytes);
        expect(await failureOf(restore({ target: "postgres", database: "platform", as: "platform_copy" }, env))).to.match(
            new RegExp(`^${key.replace(/\./g, "\\.")} is damaged: its SHA-256 is [0-9a-f]{64}, the manifest says ${written.files[0].sha256}$`),
        );
        expect(await databaseNames()).to.deep.equal(["platform"]);
    });

    it("refuses options that cannot work together before it reaches the bucket", async () => {
        // No bucket settings at all: the options are checked first.
        expect(await failureOf(restore({ target: "postgres", as: "copy" }, {}))).to.equal(
            "--as needs --database: name the one database to restore under another name",
        );
        expect(await failureOf(restore({ target: "redis" }, {}))).to.equal(
            "--output is needed for redis: the path the RDB file is written to (the server's dump.rdb, with Redis stopped)",
        );
        expect(await failureOf(restore({ target: "redis", output: path.join(root, "dump.rdb") }, {}))).to.equal(
            "BACKUP_BUCKET (or BACKUP_BUCKET_FILE) is not set",
        );
        expect(await failureOf(restore({ target: "postgres", database: "platform", as: "copy" }, {}))).to.equal(
            "BACKUP_BUCKET (or BACKUP_BUCKET_FILE) is not set",
        );
    });

    it("backs up Redis as one RDB file and restores it byte for byte to the output path, failing on a folder that does not exist", async () => {
        const redisEnv = { ...env, BACKUP_TARGET: "redis", REDIS_URL: `redis://127.0.0.1:${redis!.port}`, REDIS_USERNAME: REDIS_USER, REDIS_PASSWORD };
        const written = await backup({ ...redisEnv, BACKUP_KIND: "hourly" });
        expect(written.files.map((f) => Object.keys(f).sort())).to.deep.equal([["bytes", "file", "sha256"]]);
        expect(written.manifestKey).to.match(/^services\/hourly\/redis\//);
        const output = path.join(root, `restored-${Date.now()}.rdb`);
        const report = await restore({ target: "redis", output }, env);
        expect(report.restored).to.deep.equal([output]);
        const stored = await object(written.manifestKey.replace(/manifest\.json$/, "dump.rdb"));
        expect(fs.readFileSync(output).equals(stored)).to.equal(true);
        expect(stored.subarray(0, 5).toString()).to.equal("REDIS");
        const nowhere = path.join(root, "no-such-folder", "dump.rdb");
        expect(await failureOf(restore({ target: "redis", output: nowhere }, env))).to.include(`ENOENT: no such file or directory, open '${nowhere}'`);
    });

    it("backs up Redis as its default user when no REDIS_USERNAME is set", async () => {
        const admin = await redis!.loggedIn(REDIS_USER, REDIS_PASSWORD);
        const password = "default-user-test-password";
        await admin.call("ACL", "SETUSER", "default", "on", `>${password}`, "~*", "&*", "+@all");
        try {
            const noUser = {
                ...env,
                BACKUP_TARGET: "redis",
                REDIS_URL: `redis://127.0.0.1:${redis!.port}`,
                REDIS_PASSWORD: password,
            };
            const written = await backup({ ...noUser, BACKUP_KIND: "full" });
            expect((await object(written.manifestKey.replace(/manifest\.json$/, "dump.rdb"))).subarray(0, 5).toString()).to.equal("REDIS");
        } finally {
            await admin.call("ACL", "SETUSER", "default", "off", "resetpass", "nocommands");
        }
    });

    it("leaves no dump behind in the temporary folder, whether the backup or the restore succeeds or fails", async () => {
        await seed("platform", 3);
        const temporary = fs.mkdtempSync(path.join(root, "tmp-"));
        const left = () => fs.readdirSync(temporary);
        const tmpdir = process.env.TMPDIR;
        // os.tmpdir() reads TMPDIR on every call.
        process.env.TMPDIR = temporary;
        try {
            const written = await backup({ ...env, BACKUP_KIND: "full" });
            expect(left(), "after a backup").to.deep.equal([]);
            expect(await failureOf(backup({ ...env, BACKUP_KIND: "hourly", PUSHGATEWAY_URL: `${pushgatewayUrl}/not-the-pushgateway` }))).to.include("404");
            expect(left(), "after a failed backup").to.deep.equal([]);
            await restore({ target: "postgres", database: "platform", as: "platform_copy" }, env);
            expect(left(), "after a restore").to.deep.equal([]);
            await put(written.manifestKey.replace(/manifest\.json$/, "platform.dump"), "damaged");
            expect(
                await failureOf(restore({ target: "postgres", database: "platform", as: "platform_other", backup: stampOf(new Date(written.takenAt)) }, env)),
            ).to.include("is damaged");
            expect(left(), "after a failed restore").to.deep.equal([]);
        } finally {
            if (tmpdir === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = tmpdir;
        }
    });

    it("lists backups past the bucket's first page of keys: the newest is on the second", async () => {
        const listed = await listBackups("postgres", { ...env, BACKUP_BUCKET: CROWDED, AWS_ENDPOINT_URL_S3: crowdedEndpoint });
        expect(listed.map((b) => `${b.kind} ${b.stamp}`)).to.deep.equal(["hourly 20250102T033000.000Z", "full 20250101T020000.000Z"]);
    });
});

describe("the backup bucket's uploads (images/backup/src/store.ts)", () => {
    let dir: string;
    beforeEach(() => (dir = tempRoot()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a file above S3's 5 GiB single-upload limit before sending any of it, and sends one of exactly 5 GiB", async () => {
        // Nothing listens at the endpoint: an upload it lets through gets as far as connecting.
        const closed = `http://127.0.0.1:${await freePort()}`;
        const bucket = new BackupBucket({
            BACKUP_BUCKET: BUCKET,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            AWS_ENDPOINT_URL_S3: closed,
        });
        /** A sparse file of `bytes`: its size without the disk space. */
        const file = (bytes: number) => {
            const f = path.join(dir, `${bytes}.dump`);
            fs.writeFileSync(f, "");
            fs.truncateSync(f, bytes);
            return f;
        };
        const failureOf = (work: Promise<unknown>) =>
            work.then(
                () => "no failure",
                (error: Error) => error.message,
            );
        try {
            const limit = 5 * 1024 ** 3;
            const above = file(limit + 1);
            expect(await failureOf(bucket.putFile("services/full/postgres/big.dump", above))).to.equal(
                `${above} is ${limit + 1} bytes, above the 5 GiB single-upload limit`,
            );
            expect(await failureOf(bucket.putFile("services/full/postgres/big.dump", file(limit)))).to.include("ECONNREFUSED");
        } finally {
            bucket.close();
        }
    });
});
