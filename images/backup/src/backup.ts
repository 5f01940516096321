// The backup job: one backup of one target, uploaded to the bucket, then reported to the Pushgateway.
//   BACKUP_TARGET=postgres|redis BACKUP_KIND=full|hourly BACKUP_BUCKET=... AWS_REGION=... node backup.js
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oneOf, setting } from "./environment";
import { BACKUP_KINDS, BACKUP_TARGETS, backupKey, BackupTarget, JOBS_PREFIX, Manifest, MANIFEST, stampOf } from "./layout";
import { pushSuccess } from "./metrics";
import { databases, dumpDatabase, libpqEnvironment, RowCounts } from "./postgres";
import { snapshotRedis } from "./redis";
import { BackupBucket } from "./store";

interface Snapshot {
    readonly file: string;
    readonly database?: string;
    readonly rowCounts?: RowCounts;
}

async function snapshot(target: BackupTarget, dir: string, env: NodeJS.ProcessEnv): Promise<Snapshot[]> {
    switch (target) {
        case "postgres": {
            const pg = libpqEnvironment(env);
            const names = await databases(pg);
            if (names.length === 0) throw new Error("the server has no database to back up");
            const files: Snapshot[] = [];
            for (const database of names) files.push({ ...(await dumpDatabase(database, dir, pg)), database });
            return files;
        }
        case "redis":
            return [{ file: await snapshotRedis(dir, env) }];
    }
}

/** Takes, uploads and reports one backup; the manifest goes last, so a partial upload is never restored. */
export async function backup(env: NodeJS.ProcessEnv = process.env): Promise<Manifest & { readonly manifestKey: string }> {
    const target = oneOf("BACKUP_TARGET", BACKUP_TARGETS, env);
    const kind = oneOf("BACKUP_KIND", BACKUP_KINDS, env);
    const prefix = setting("BACKUP_PREFIX", env) ?? JOBS_PREFIX;
    const bucket = new BackupBucket(env);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-backup-"));
    try {
        const takenAt = new Date();
        const stamp = stampOf(takenAt);
        const files = [];
        for (const s of await snapshot(target, dir, env)) {
            const file = path.basename(s.file);
            const bytes = await bucket.putFile(backupKey(prefix, kind, target, stamp, file), s.file);
            files.push({
                file,
                bytes,
                sha256: await BackupBucket.sha256(s.file),
                ...(s.database !== undefined ? { database: s.database } : {}),
                ...(s.rowCounts ? { rowCounts: s.rowCounts } : {}),
            });
        }
        const manifest: Manifest = { target, kind, takenAt: takenAt.toISOString(), completedAt: new Date().toISOString(), files };
        const manifestKey = backupKey(prefix, kind, target, stamp, MANIFEST);
        await bucket.putText(manifestKey, JSON.stringify(manifest, null, 2));
        const pushgateway = setting("PUSHGATEWAY_URL", env);
        if (pushgateway)
            await pushSuccess(
                pushgateway,
                target,
                kind,
                takenAt,
                files.reduce((sum, f) => sum + f.bytes, 0),
            );
        return { ...manifest, manifestKey };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        bucket.close();
    }
}

if (require.main === module) {
    backup().then(
        (m) =>
            process.stdout.write(
                `${JSON.stringify({ event: "backup-complete", bucket: process.env.BACKUP_BUCKET, manifest: m.manifestKey, files: m.files })}\n`,
            ),
        (error: Error) => {
            process.stderr.write(`${JSON.stringify({ event: "backup-failed", error: error.message })}\n`);
            process.exit(1);
        },
    );
}
