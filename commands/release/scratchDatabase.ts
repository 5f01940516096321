// The scratch PostgreSQL server a restore drill restores into, named by a URL that holds its
// password: it reaches the client programs through libpq's environment, never their command line.
import { run } from "../../images/backup/src/run";
import { UsageError } from "../command";

export interface ScratchServer {
    /** PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE for psql and pg_restore. */
    readonly libpq: NodeJS.ProcessEnv;
    /** "drill@127.0.0.1:5432": where, without the password. */
    readonly description: string;
    /** Drops every database whose name starts with `prefix`, connections and all. */
    dropDatabases(prefix: string): Promise<void>;
}

/** libpq's environment from a postgres:// URL; the password is never echoed, not even when the URL is wrong. */
export function libpqFromUrl(url: string | undefined, variable: string): NodeJS.ProcessEnv {
    const fix = `set ${variable} to postgres://<user>:<password>@<host>:<port>/postgres of a scratch server whose user may create databases`;
    if (!url) throw new UsageError(`${variable} is not set: ${fix}`);
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new UsageError(`${variable} is not a URL (its value is not shown: it holds a password): ${fix}`);
    }
    if (!["postgres:", "postgresql:"].includes(parsed.protocol) || !parsed.hostname || !parsed.username)
        throw new UsageError(`${variable} needs the postgres:// scheme, a host and a user (its value is not shown: it holds a password): ${fix}`);
    const sslmode = parsed.searchParams.get("sslmode");
    return {
        PGHOST: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
        PGPORT: parsed.port || "5432",
        PGUSER: decodeURIComponent(parsed.username),
        PGPASSWORD: decodeURIComponent(parsed.password),
        PGPASSWORD_FILE: undefined,
        PGDATABASE: undefined,
        ...(sslmode ? { PGSSLMODE: sslmode } : {}),
    };
}

const psql = (sql: string, env: NodeJS.ProcessEnv): Promise<string> =>
    run("psql", ["--no-psqlrc", "--tuples-only", "--no-align", "--dbname=postgres", `--command=${sql}`], env);

/** The scratch server, once it has answered: a drill that cannot reach it has drilled nothing. */
export async function scratchServer(url: string | undefined, variable: string, base: NodeJS.ProcessEnv = process.env): Promise<ScratchServer> {
    const libpq = libpqFromUrl(url, variable);
    const env = { ...base, ...libpq };
    const description = `${libpq.PGUSER}@${libpq.PGHOST}:${libpq.PGPORT}`;
    try {
        const canCreate = await psql("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user", env);
        if (canCreate.trim() !== "t") throw new Error(`user ${libpq.PGUSER} may not create databases (grant it CREATEDB)`);
    } catch (error) {
        throw new UsageError(
            `cannot use the scratch PostgreSQL server ${description} from ${variable}: ${(error as Error).message.replace(/^[^]*? exited with \d+: /, "")}`,
        );
    }
    return {
        libpq,
        description,
        async dropDatabases(prefix: string): Promise<void> {
            const like = `${prefix.replace(/[\\%_']/g, (c) => (c === "'" ? "''" : `\\${c}`))}%`;
            const names = await psql(`SELECT quote_ident(datname) FROM pg_database WHERE datname LIKE '${like}'`, env);
            for (const name of names.split("\n").filter(Boolean)) await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, env);
        },
    };
}
