// The restore program: brings a target back from the newest complete backup (or a chosen one).
//   BACKUP_BUCKET=... AWS_REGION=... node restore.js --target postgres [--database sophia [--as sophia_check]] [--backup <stamp>] [--list]
//   BACKUP_BUCKET=... AWS_REGION=... node restore.js --target redis --output /data/dump.rdb
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { setting } from "./environment";
import { BACKUP_TARGETS, BackupRef, BackupTarget, completeBackups, dateOfStamp, JOBS_PREFIX, Manifest } from "./layout";
import { libpqEnvironment, restoreDatabase } from "./postgres";
import { BackupBucket } from "./store";

export interface RestoreOptions {
    readonly target: BackupTarget;
    /** Restore only this database (PostgreSQL); all of the backup's databases otherwise. */
    readonly database?: string;
    /** Restore `database` under another name, e.g. to compare with the live one. */
    readonly as?: string;
    /** Restore every database of the backup under another name (the restore drill's scratch names). */
    readonly rename?: (database: string) => string;
    /** The backup's time stamp; the newest complete backup otherwise. */
    readonly backup?: string;
    /** Where a Redis RDB file is written. */
    readonly output?: string;
}

export interface RestoreReport {
    readonly bucket: string;
    readonly backup: BackupRef;
    readonly manifest: Manifest;
    /** Seconds between the backup's snapshot and the restore's start: the data lost, at most. */
    readonly backupAgeSeconds: number;
    /** Seconds the restore took: download and load. */
    readonly restoreSeconds: number;
    readonly restored: readonly string[];
}

export async function listBackups(target: BackupTarget, env: NodeJS.ProcessEnv = process.env): Promise<BackupRef[]> {
    const bucket = new BackupBucket(env);
    try {
        const prefix = setting("BACKUP_PREFIX", env) ?? JOBS_PREFIX;
        return completeBackups(await bucket.listKeys(`${prefix}/`), prefix, target);
    } finally {
        bucket.close();
    }
}

/** Options that cannot work together are refused before anything is downloaded. */
function checkOptions(options: RestoreOptions): void {
    if (options.as && !options.database) throw new Error("--as needs --database: name the one database to restore under another name");
    if (options.target === "redis" && !options.output)
        throw new Error("--output is needed for redis: the path the RDB file is written to (the server's dump.rdb, with Redis stopped)");
}

/** The backup asked for, else the newest complete one. */
function chooseBackup(backups: BackupRef[], options: RestoreOptions, bucket: string): BackupRef {
    const chosen = options.backup ? backups.find((b) => b.stamp === options.backup) : backups[0];
    if (!chosen)
        throw new Error(
            options.backup ? `no complete ${options.target} backup ${options.backup} in ${bucket}` : `no complete ${options.target} backup in ${bucket}`,
        );
    return chosen;
}

/** Downloads, verifies and loads the backup's databases (all, or the one asked for); returns the names restored. */
async function restorePostgres(
    bucket: BackupBucket,
    chosen: BackupRef,
    manifest: Manifest,
    options: RestoreOptions,
    dir: string,
    env: NodeJS.ProcessEnv,
): Promise<string[]> {
    const folder = chosen.manifestKey.slice(0, chosen.manifestKey.lastIndexOf("/") + 1);
    const wanted = manifest.files.filter((f) => !options.database || f.database === options.database);
    if (wanted.length === 0)
        throw new Error(`backup ${chosen.stamp} holds no database ${options.database}; it holds ${manifest.files.map((f) => f.database).join(", ")}`);
    const pg = libpqEnvironment(env);
    const restored: string[] = [];
    for (const f of wanted) {
        const local = path.join(dir, f.file);
        await download(bucket, folder + f.file, local, f.sha256);
        const name = options.as ?? options.rename?.(f.database!) ?? f.database!;
        await restoreDatabase(local, name, pg);
        restored.push(name);
    }
    return restored;
}

export async function restore(options: RestoreOptions, env: NodeJS.ProcessEnv = process.env): Promise<RestoreReport> {
    checkOptions(options);
    const started = Date.now();
    const prefix = setting("BACKUP_PREFIX", env) ?? JOBS_PREFIX;
    const bucket = new BackupBucket(env);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-restore-"));
    try {
        const backups = completeBackups(await bucket.listKeys(`${prefix}/`), prefix, options.target);
        const chosen = chooseBackup(backups, options, bucket.bucket);
        const manifest = JSON.parse(await bucket.getText(chosen.manifestKey)) as Manifest;
        const folder = chosen.manifestKey.slice(0, chosen.manifestKey.lastIndexOf("/") + 1);
        const restored: string[] = [];
        if (options.target === "postgres") {
            restored.push(...(await restorePostgres(bucket, chosen, manifest, options, dir, env)));
        } else {
            await download(bucket, folder + manifest.files[0].file, options.output!, manifest.files[0].sha256);
            restored.push(options.output!);
        }
        return {
            bucket: bucket.bucket,
            backup: chosen,
            manifest,
            backupAgeSeconds: (started - dateOfStamp(chosen.stamp).getTime()) / 1000,
            restoreSeconds: (Date.now() - started) / 1000,
            restored,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        bucket.close();
    }
}

async function download(bucket: BackupBucket, key: string, file: string, sha256: string): Promise<void> {
    await bucket.getFile(key, file);
    const actual = await BackupBucket.sha256(file);
    if (actual !== sha256) throw new Error(`${key} is damaged: its SHA-256 is ${actual}, the manifest says ${sha256}`);
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            target: { type: "string", default: "postgres" },
            database: { type: "string" },
            as: { type: "string" },
            backup: { type: "string" },
            output: { type: "string" },
            list: { type: "boolean", default: false },
        },
    });
    const target = values.target as BackupTarget;
    if (!BACKUP_TARGETS.includes(target)) throw new Error(`--target must be one of ${BACKUP_TARGETS.join(", ")}, got "${values.target}"`);
    if (values.list) {
        for (const b of await listBackups(target)) process.stdout.write(`${b.stamp}  ${b.kind}\n`);
        return;
    }
    const report = await restore({ target, database: values.database, as: values.as, backup: values.backup, output: values.output });
    process.stdout.write(`${JSON.stringify({ event: "restore-complete", ...report })}\n`);
}

if (require.main === module) {
    main().catch((error: Error) => {
        process.stderr.write(`${JSON.stringify({ event: "restore-failed", error: error.message })}\n`);
        process.exit(1);
    });
}
