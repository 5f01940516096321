import * as path from "path";
import { setting } from "./environment";
import { PsqlSession, run } from "./run";

/**
 * libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) for the client programs, with the
 * password also accepted as PGPASSWORD_FILE (a Docker secret).
 */
export function libpqEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const password = setting("PGPASSWORD", env);
    return { ...env, PGPASSWORD: password, PGPASSWORD_FILE: undefined, PGCONNECT_TIMEOUT: env.PGCONNECT_TIMEOUT ?? "10" };
}

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every database holding data: all but the templates and the maintenance database. */
export async function databases(env: NodeJS.ProcessEnv): Promise<string[]> {
    const out = await run(
        "psql",
        [
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--dbname=postgres",
            "--command=SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname",
        ],
        env,
    );
    return out.split("\n").filter((line) => line !== "");
}

export function dumpFileName(database: string): string {
    return `${encodeURIComponent(database)}.dump`;
}

/** Rows per table ("public.tenants" → 5000): what a restore of the dump must bring back. */
export type RowCounts = Record<string, number>;

/** Every table pg_dump dumps the rows of: ordinary and partitioned tables outside the system schemas. */
const TABLES_QUERY = `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%' ORDER BY 1`;

/** The exact row count of every table, read through an open session (inside its transaction, if any). */
async function countRowsIn(session: PsqlSession): Promise<RowCounts> {
    const tables = await session.query(TABLES_QUERY);
    if (tables.length === 0) return {};
    const literal = (name: string): string => `'${name.replace(/'/g, "''")}'`;
    const rows = await session.query(tables.map((t) => `SELECT ${literal(t)}, count(*) FROM ${t}`).join(" UNION ALL "));
    return Object.fromEntries(rows.map((row) => row.split("\t")).map(([table, count]) => [table, Number(count)]));
}

/** The row counts of a database as it is now: the restore drill's side of the comparison. */
export async function countRows(database: string, env: NodeJS.ProcessEnv): Promise<RowCounts> {
    const session = PsqlSession.open(database, env);
    try {
        return await countRowsIn(session);
    } finally {
        await session.close();
    }
}

/**
 * A consistent snapshot of one database (pg_dump's custom format: compressed, restorable table by
 * table) and its row counts. The counts are taken in the very snapshot pg_dump dumps: a session
 * exports its snapshot, counts in it, and stays open while pg_dump reads that snapshot.
 */
export async function dumpDatabase(database: string, dir: string, env: NodeJS.ProcessEnv): Promise<{ file: string; rowCounts: RowCounts }> {
    const file = path.join(dir, dumpFileName(database));
    const session = PsqlSession.open(database, env);
    try {
        await session.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const [snapshot] = await session.query("SELECT pg_export_snapshot()");
        const rowCounts = await countRowsIn(session);
        await run("pg_dump", ["--format=custom", "--compress=6", `--snapshot=${snapshot}`, `--file=${file}`, `--dbname=${database}`], env);
        await session.query("COMMIT");
        return { file, rowCounts };
    } finally {
        await session.close();
    }
}

/**
 * Recreates `database` from a dump. Refuses to touch a database that exists: restoring over live
 * data is an operator's decision (drop it, or restore under another name and compare).
 */
export async function restoreDatabase(file: string, database: string, env: NodeJS.ProcessEnv): Promise<void> {
    const literal = `'${database.replace(/'/g, "''")}'`;
    const exists = await run(
        "psql",
        ["--no-psqlrc", "--tuples-only", "--no-align", "--dbname=postgres", `--command=SELECT 1 FROM pg_database WHERE datname = ${literal}`],
        env,
    );
    if (exists.trim() === "1") throw new Error(`database ${database} exists; drop it first or restore under another name with --as`);
    await run("psql", ["--no-psqlrc", "--dbname=postgres", `--command=CREATE DATABASE ${quoteIdentifier(database)}`], env);
    await run("pg_restore", ["--exit-on-error", "--single-transaction", `--dbname=${database}`, file], env);
}
