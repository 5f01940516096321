import * as path from "path";
import { setting } from "./environment";
import { run } from "./run";

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

/** A consistent snapshot of one database (pg_dump's custom format: compressed, restorable table by table). */
export async function dumpDatabase(database: string, dir: string, env: NodeJS.ProcessEnv): Promise<string> {
    const file = path.join(dir, dumpFileName(database));
    await run("pg_dump", ["--format=custom", "--compress=6", `--file=${file}`, `--dbname=${database}`], env);
    return file;
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
