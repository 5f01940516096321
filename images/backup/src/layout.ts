/**
 * Where backups live in the bucket. One layout, shared by the jobs, the restore program, the
 * bucket's lifecycle rules and the writer's IAM policy:
 *
 *   <prefix>/<kind>/<target>/<stamp>/<file>      e.g. services/full/postgres/20250101T020000.123Z/sophia.dump
 *   <prefix>/<kind>/<target>/<stamp>/manifest.json   written last: a backup exists once its manifest does
 */
export const BACKUP_KINDS = ["full", "hourly"] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

export const BACKUP_TARGETS = ["postgres", "redis"] as const;
export type BackupTarget = (typeof BACKUP_TARGETS)[number];

/** The prefix the backup jobs write under; their IAM identity may write nowhere else. */
export const JOBS_PREFIX = "services";

export const MANIFEST = "manifest.json";

export interface Manifest {
    readonly target: BackupTarget;
    readonly kind: BackupKind;
    /** The point in time the data is from: when the snapshot started (ISO 8601). */
    readonly takenAt: string;
    readonly completedAt: string;
    /** The files: which database each holds (PostgreSQL), their size and content hash. */
    readonly files: readonly ManifestFile[];
}

export interface ManifestFile {
    readonly file: string;
    readonly database?: string;
    readonly bytes: number;
    readonly sha256: string;
    /**
     * PostgreSQL: rows per table ("public.tenants"), counted in the snapshot the dump holds, so a
     * restore can be checked. Absent in Redis backups and in manifests written before it was recorded.
     */
    readonly rowCounts?: Readonly<Record<string, number>>;
}

/** "20250101T020000.123Z": sorts in time order as text. */
export function stampOf(date: Date): string {
    return date.toISOString().replace(/[-:]/g, "");
}

export function dateOfStamp(stamp: string): Date {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(stamp);
    if (!m) throw new Error(`not a backup time stamp: ${stamp}`);
    return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
}

export function kindPrefix(prefix: string, kind: BackupKind, target?: BackupTarget): string {
    return target ? `${prefix}/${kind}/${target}/` : `${prefix}/${kind}/`;
}

export function backupKey(prefix: string, kind: BackupKind, target: BackupTarget, stamp: string, file: string): string {
    return `${kindPrefix(prefix, kind, target)}${stamp}/${file}`;
}

export interface BackupRef {
    readonly kind: BackupKind;
    readonly target: BackupTarget;
    readonly stamp: string;
    readonly manifestKey: string;
}

/** The complete backups among listed keys (those with a manifest), newest first; hourly wins a tie. */
export function completeBackups(keys: readonly string[], prefix: string, target: BackupTarget): BackupRef[] {
    const found: BackupRef[] = [];
    for (const kind of BACKUP_KINDS) {
        const start = kindPrefix(prefix, kind, target);
        for (const key of keys) {
            if (!key.startsWith(start) || !key.endsWith(`/${MANIFEST}`)) continue;
            const stamp = key.slice(start.length, -MANIFEST.length - 1);
            if (/^\d{8}T\d{6}\.\d{3}Z$/.test(stamp)) found.push({ kind, target, stamp, manifestKey: key });
        }
    }
    // Stryker disable next-line ConditionalExpression: hourly ones are found after full ones, so on a tie the sort asks with the hourly one as `a`
    return found.sort((a, b) => b.stamp.localeCompare(a.stamp) || (a.kind === "hourly" ? -1 : 1));
}
