// The restore drill's verdict and report: pure, from what the drill observed (drillCli.ts gathers it).
import { RPO_SECONDS, RTO_SECONDS } from "../../components/backup-jobs/objectives";

/** One database of the backup: its rows per table when backed up, and as restored. */
export interface DatabaseCheck {
    readonly database: string;
    /** The scratch database it was restored into. */
    readonly scratch: string;
    /** From the manifest; undefined when the backup recorded none. */
    readonly expected?: Readonly<Record<string, number>>;
    /** Counted in the scratch database; undefined when the restore did not get that far. */
    readonly restored?: Readonly<Record<string, number>>;
}

/** What the drill saw, before judging it. */
export interface DrillFacts {
    readonly stack: string;
    readonly bucket: string;
    readonly region: string;
    /** The newest complete backup, if there was one. */
    readonly backup?: { readonly stamp: string; readonly kind: string; readonly takenAt: string };
    readonly ageSeconds?: number;
    readonly restoreSeconds?: number;
    readonly databases: readonly DatabaseCheck[];
    /** Why the restore itself failed (damaged file, pg_restore error, no backup). */
    readonly restoreError?: string;
}

export interface TableResult {
    readonly table: string;
    readonly expected?: number;
    readonly restored?: number;
}

export interface DrillResult extends DrillFacts {
    readonly rpoSeconds: number;
    readonly rtoSeconds: number;
    readonly tables: readonly (DatabaseCheck & { readonly tables: readonly TableResult[] })[];
    readonly problems: readonly string[];
    readonly verdict: "pass" | "fail";
}

const minutes = (seconds: number): string => `${(seconds / 60).toFixed(1)} min`;

function tableResults(check: DatabaseCheck): TableResult[] {
    const names = [...new Set([...Object.keys(check.expected ?? {}), ...Object.keys(check.restored ?? {})])].sort();
    return names.map((table) => ({ table, expected: check.expected?.[table], restored: check.restored?.[table] }));
}

function countProblems(check: DatabaseCheck, tables: readonly TableResult[]): string[] {
    if (!check.restored) return [];
    if (!check.expected)
        return [`database ${check.database}: the backup records no row counts (written before they were recorded); take a new backup and drill again`];
    return tables
        .filter((t) => t.expected !== t.restored)
        .map((t) =>
            t.restored === undefined
                ? `database ${check.database} table ${t.table}: ${t.expected} rows at backup time, missing after the restore`
                : t.expected === undefined
                  ? `database ${check.database} table ${t.table}: restored with ${t.restored} rows, but the backup records no such table`
                  : `database ${check.database} table ${t.table}: ${t.expected} rows at backup time, ${t.restored} restored`,
        );
}

/** The backup's and the restore's own problems: none found, a failed restore, the RPO and the RTO. */
function objectiveProblems(facts: DrillFacts, objectives: { rpoSeconds: number; rtoSeconds: number }): string[] {
    const problems: string[] = [];
    if (!facts.backup) problems.push(facts.restoreError ?? `no complete postgres backup in ${facts.bucket}`);
    else if (facts.restoreError) problems.push(`the restore failed: ${facts.restoreError}`);
    if (facts.ageSeconds !== undefined && facts.ageSeconds > objectives.rpoSeconds)
        problems.push(
            `the newest backup is ${minutes(facts.ageSeconds)} old, beyond the RPO of ${minutes(objectives.rpoSeconds)}: the backup jobs are not keeping up`,
        );
    if (facts.restoreSeconds !== undefined && facts.restoreSeconds > objectives.rtoSeconds)
        problems.push(`the restore took ${minutes(facts.restoreSeconds)}, beyond the RTO of ${minutes(objectives.rtoSeconds)}`);
    return problems;
}

/** Judges the facts against the RPO and RTO and the recorded row counts. */
export function evaluateDrill(facts: DrillFacts, objectives = { rpoSeconds: RPO_SECONDS, rtoSeconds: RTO_SECONDS }): DrillResult {
    const problems = objectiveProblems(facts, objectives);
    const tables = facts.databases.map((check) => ({ ...check, tables: tableResults(check) }));
    for (const check of tables) problems.push(...countProblems(check, check.tables));
    return { ...facts, ...objectives, tables, problems, verdict: problems.length === 0 ? "pass" : "fail" };
}

const verdictOf = (ok: boolean): string => (ok ? "ok" : "FAIL");

/** The text report: what was restored from where, against which objective, then the verdict last. */
export function formatDrill(result: DrillResult): string {
    const lines = [`Restore drill of stack ${result.stack}: bucket ${result.bucket} (${result.region})`, ""];
    if (result.backup) lines.push(`Backup:   ${result.backup.stamp} (${result.backup.kind}), taken ${result.backup.takenAt}`);
    else lines.push("Backup:   none found");
    if (result.ageSeconds !== undefined)
        lines.push(
            `Age:      ${minutes(result.ageSeconds)} against the RPO of ${minutes(result.rpoSeconds)}  ${verdictOf(result.ageSeconds <= result.rpoSeconds)}`,
        );
    if (result.restoreSeconds !== undefined)
        lines.push(
            `Restore:  ${result.restoreSeconds.toFixed(1)} s against the RTO of ${minutes(result.rtoSeconds)}  ${verdictOf(result.restoreSeconds <= result.rtoSeconds)}`,
        );
    for (const db of result.tables) {
        lines.push("", `Database ${db.database} (restored as ${db.scratch}): rows at backup time → restored`);
        const width = Math.max(0, ...db.tables.map((t) => t.table.length));
        for (const t of db.tables) {
            const ok = db.expected !== undefined && t.expected === t.restored;
            lines.push(`  ${t.table.padEnd(width)}  ${String(t.expected ?? "-").padStart(9)} → ${String(t.restored ?? "-").padStart(9)}  ${verdictOf(ok)}`);
        }
    }
    lines.push("");
    if (result.verdict === "pass") lines.push("Verdict: PASS");
    else lines.push(`Verdict: FAIL, ${result.problems.length} problem(s):`, ...result.problems.map((p) => `  - ${p}`));
    return `${lines.join("\n")}\n`;
}
