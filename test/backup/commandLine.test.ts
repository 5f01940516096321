// What an operator and the orchestrator read of the backup image's programs, run as processes
// (images/backup/src/backup.ts, restore.ts): the restore's listing and its last line, and the exit
// code and JSON line of a failure (docs/05-operations/disaster-recovery.md, failover.md).
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { backupKey, stampOf } from "../../images/backup/src/layout";
import { runProgram } from "../support/plan";
import { S3Server, tempRoot } from "./servers";

const BUCKET = "sophia-command-line-backups";

/** A failed run's exit code, stdout, and last line of stderr (the AWS SDK may warn before it). */
const failure = (run: { code: number; stdout: string; stderr: string }) => ({
    code: run.code,
    stdout: run.stdout,
    last: run.stderr.split("\n").slice(-2).join("\n"),
});

describe("the backup image's programs on the command line", function () {
    this.timeout(120_000);
    let root: string;
    let s3: S3Server | undefined;
    let client: S3Client;
    let env: NodeJS.ProcessEnv;
    const rdb = Buffer.from("REDIS0011 a snapshot's bytes");
    const stamps = ["2025-01-01T02:00:00Z", "2025-01-01T02:30:00Z", "2025-01-01T03:30:00Z"].map((iso) => stampOf(new Date(iso)));

    before(async () => {
        root = tempRoot();
        s3 = await S3Server.start(root, BUCKET);
        client = new S3Client({
            region: "us-east-1",
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        const manifest = (kind: string, stamp: string) =>
            JSON.stringify({
                target: "redis",
                kind,
                takenAt: stamp,
                completedAt: stamp,
                files: [{ file: "dump.rdb", bytes: rdb.length, sha256: createHash("sha256").update(rdb).digest("hex") }],
            });
        for (const [kind, stamp] of [
            ["full", stamps[0]],
            ["hourly", stamps[1]],
            ["full", stamps[1]],
        ] as const) {
            await put(backupKey("services", kind, "redis", stamp, "dump.rdb"), rdb);
            await put(backupKey("services", kind, "redis", stamp, "manifest.json"), manifest(kind, stamp));
        }
        await put(backupKey("services", "full", "postgres", stamps[0], "manifest.json"), "{}");
        // The newest one's upload did not finish: no manifest.
        await put(backupKey("services", "hourly", "redis", stamps[2], "dump.rdb"), rdb);
        env = {
            PATH: process.env.PATH,
            HOME: root,
            BACKUP_BUCKET: BUCKET,
            ...s3.clientEnv(),
        };
    });
    after(async () => {
        client?.destroy();
        await s3?.stop();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("restore --list prints the complete backups newest first, one `<stamp>  <kind>` a line, PostgreSQL's unless --target says otherwise", async () => {
        const run = await runProgram("images/backup/src/restore.ts", ["--target", "redis", "--list"], env);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.equal(`${stamps[1]}  hourly\n${stamps[1]}  full\n${stamps[0]}  full\n`);
        const postgres = await runProgram("images/backup/src/restore.ts", ["--list"], env);
        expect(postgres.code, postgres.stderr).to.equal(0);
        expect(postgres.stdout).to.equal(`${stamps[0]}  full\n`);
    });

    it("restore ends with a restore-complete line holding its report, the RDB file written", async () => {
        const output = path.join(root, `dump-${Date.now()}.rdb`);
        const run = await runProgram("images/backup/src/restore.ts", ["--target", "redis", "--output", output], env);
        expect(run.code, run.stderr).to.equal(0);
        const lines = run.stdout.split("\n");
        expect(lines.slice(1)).to.deep.equal([""]);
        expect(JSON.parse(lines[0])).to.deep.include({ event: "restore-complete", bucket: BUCKET, restored: [output] });
        expect(fs.readFileSync(output).equals(rdb)).to.equal(true);
    });

    it("restore exits 1 with a restore-failed line naming the cause: an unknown target, a missing backup", async () => {
        const unknown = await runProgram("images/backup/src/restore.ts", ["--target", "mysql", "--list"], env);
        expect(failure(unknown)).to.deep.equal({
            code: 1,
            stdout: "",
            last: `${JSON.stringify({ event: "restore-failed", error: '--target must be one of postgres, redis, got "mysql"' })}\n`,
        });
        const missing = await runProgram(
            "images/backup/src/restore.ts",
            ["--target", "redis", "--output", path.join(root, "x.rdb"), "--backup", stamps[2]],
            env,
        );
        expect(failure(missing)).to.deep.equal({
            code: 1,
            stdout: "",
            last: `${JSON.stringify({ event: "restore-failed", error: `no complete redis backup ${stamps[2]} in ${BUCKET}` })}\n`,
        });
    });

    it("backup exits 1 with a backup-failed line naming the cause, so the job fails", async () => {
        const run = await runProgram("images/backup/src/backup.ts", [], { ...env, BACKUP_TARGET: "mysql", BACKUP_KIND: "full" });
        expect(failure(run)).to.deep.equal({
            code: 1,
            stdout: "",
            last: `${JSON.stringify({ event: "backup-failed", error: 'BACKUP_TARGET must be one of postgres, redis, got "mysql"' })}\n`,
        });
    });
});
