// The backup job's building blocks in this process (images/backup/src): how it reads its settings,
// runs the database clients and holds a psql session, against real programs and a real PostgreSQL.
// test/backup/drill.test.ts runs the job's programs whole, as the job does.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { oneOf, requiredSetting, setting } from "../../images/backup/src/environment";
import { countRows, databases, libpqEnvironment } from "../../images/backup/src/postgres";
import { PsqlSession, run } from "../../images/backup/src/run";
import { postgresServerBin, requireBinary } from "../support/tools";
import { PostgresCluster, tempRoot } from "./servers";

describe("the backup job's settings (images/backup/src/environment.ts)", () => {
    let root: string;
    before(() => (root = tempRoot()));
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    /** A Docker secret as Swarm mounts it: a file, often ending with the newline `echo` wrote. */
    const secretFile = (content: string) => {
        const file = path.join(root, `secret-${Math.random().toString(36).slice(2)}`);
        fs.writeFileSync(file, content);
        return file;
    };

    it("reads a secret from the file <NAME>_FILE names, without its trailing newline", () => {
        expect(setting("PGPASSWORD", { PGPASSWORD_FILE: secretFile("s3cret\n") })).to.equal("s3cret");
    });

    it("takes a set variable over its file, and an empty one as not set", () => {
        const file = secretFile("from-file\n");
        expect(setting("PGPASSWORD", { PGPASSWORD: "from-env", PGPASSWORD_FILE: file })).to.equal("from-env");
        expect(setting("PGPASSWORD", { PGPASSWORD: "", PGPASSWORD_FILE: file })).to.equal("from-file");
        expect(setting("PGPASSWORD", { PGPASSWORD: "" })).to.equal(undefined);
        expect(setting("PGPASSWORD", {})).to.equal(undefined);
    });

    it("names the variable and its file when a required one is missing, and the allowed values when one is wrong", () => {
        expect(() => requiredSetting("BACKUP_BUCKET", {})).to.throw("BACKUP_BUCKET (or BACKUP_BUCKET_FILE) is not set");
        expect(() => oneOf("BACKUP_TARGET", ["postgres", "redis"], { BACKUP_TARGET: "mysql" })).to.throw(
            'BACKUP_TARGET must be one of postgres, redis, got "mysql"',
        );
        expect(oneOf("BACKUP_TARGET", ["postgres", "redis"], { BACKUP_TARGET_FILE: secretFile("redis\n") })).to.equal("redis");
    });
});

describe("running a database client program (images/backup/src/run.ts)", () => {
    const PATH = process.env.PATH;

    it("gives back what the program printed, run with exactly the environment given", async () => {
        expect(await run("sh", ["-c", 'printf "%s|%s\\n" "$GREETING" "${HOME:-no home}"'], { PATH, GREETING: "hello" })).to.equal("hello|no home\n");
    });

    it("fails with the command line, the exit code and what the program said on stderr", async () => {
        const failed = await run("sh", ["-c", "echo partial; echo 'relation missing' >&2; exit 3"], { PATH }).then(
            () => undefined,
            (error: Error) => error.message,
        );
        expect(failed).to.equal("sh -c echo partial; echo 'relation missing' >&2; exit 3 exited with 3: relation missing");
    });

    it("fails when the program cannot be started", async () => {
        const failed = await run("no-such-client-program", [], { PATH }).then(
            () => undefined,
            (error: NodeJS.ErrnoException) => error.code,
        );
        expect(failed).to.equal("ENOENT");
    });
});

describe("a psql session and row counts against a real PostgreSQL (images/backup/src/run.ts, postgres.ts)", function () {
    this.timeout(120_000);
    let root: string;
    let postgres: PostgresCluster;
    let env: NodeJS.ProcessEnv;
    const admin = (sql: string, database = "postgres") =>
        run("psql", ["--no-psqlrc", "--quiet", `--dbname=${database}`, "--set=ON_ERROR_STOP=1", "-c", sql], env);
    const failureOf = (work: Promise<unknown>) =>
        work.then(
            () => "no failure",
            (error: Error) => error.message,
        );

    before(async () => {
        const serverBin = postgresServerBin();
        requireBinary("psql");
        root = tempRoot();
        postgres = await PostgresCluster.start(root, serverBin);
        env = postgres.clientEnv(serverBin, root);
    });
    after(() => {
        postgres?.stop();
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("keeps one session across statements: rows one a line, fields tab-separated, none for an empty answer", async () => {
        const session = PsqlSession.open("postgres", env);
        try {
            // A statement without rows answers none: no command tag ("CREATE TABLE", "INSERT 0 2") reads as a row.
            expect(await session.query("CREATE TEMP TABLE seen (id int, name text)")).to.deep.equal([]);
            expect(await session.query("INSERT INTO seen VALUES (1, 'a b'), (2, 'c')")).to.deep.equal([]);
            expect(await session.query("SELECT id, name FROM seen ORDER BY id")).to.deep.equal(["1\ta b", "2\tc"]);
            expect(await session.query("SELECT id FROM seen WHERE false")).to.deep.equal([]);
            expect(await session.query("SELECT count(*) FROM seen")).to.deep.equal(["2"]);
        } finally {
            await session.close();
        }
    });

    it("fails a statement with psql's own error, and every statement after it: the session has ended", async () => {
        const session = PsqlSession.open("postgres", env);
        const first = await failureOf(session.query("SELECT * FROM no_such_table"));
        expect(first).to.match(/^psql exited with 3: .*relation "no_such_table" does not exist/);
        expect(await failureOf(session.query("SELECT 1"))).to.equal(first);
        await session.close();
    });

    it("fails the first statement when psql cannot connect, with its reason", async () => {
        const session = PsqlSession.open("postgres", { ...env, PGPASSWORD: "not-the-password" });
        expect(await failureOf(session.query("SELECT 1"))).to.match(/^psql exited with 2: .*password authentication failed for user "sophia"/);
        await session.close();
    });

    it("ends psql on close: a statement after it fails", async () => {
        const session = PsqlSession.open("postgres", env);
        expect(await session.query("SELECT 1")).to.deep.equal(["1"]);
        await session.close();
        expect(await failureOf(session.query("SELECT 1"))).to.match(/^psql exited with 0/);
    });

    it("counts no rows in a database without tables, and counts a table whose name needs quoting", async () => {
        await admin("CREATE DATABASE empty_one");
        expect(await countRows("empty_one", env)).to.deep.equal({});
        await admin("CREATE DATABASE quoted");
        await admin(`CREATE TABLE "it's" (x int); INSERT INTO "it's" VALUES (1), (2); CREATE TABLE plain (x int)`, "quoted");
        expect(await countRows("quoted", env)).to.deep.equal({ 'public."it\'s"': 2, "public.plain": 0 });
    });

    it("fails the count with psql's reason for a database that does not exist", async () => {
        expect(await failureOf(countRows("no_such_database", env))).to.match(/^psql exited with 2: .*database "no_such_database" does not exist/);
    });

    it("gives up on a server that stopped answering after PGCONNECT_TIMEOUT, 10 s unless set, instead of waiting for ever", async () => {
        // A hung server: the postmaster paused, its socket still accepting connections the kernel queues.
        const postmaster = Number(fs.readFileSync(path.join(postgres.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
        const attempt = async (extra: NodeJS.ProcessEnv) => {
            const started = Date.now();
            const failure = await failureOf(databases(libpqEnvironment({ ...env, ...extra })));
            return { failure, seconds: (Date.now() - started) / 1000 };
        };
        process.kill(postmaster, "SIGSTOP");
        try {
            const set = await attempt({ PGCONNECT_TIMEOUT: "1" });
            expect(set.failure).to.match(/^psql .* exited with 2: .*timeout expired$/);
            expect(set.seconds).to.be.below(5);
            const unset = await attempt({});
            expect(unset.failure).to.match(/^psql .* exited with 2: .*timeout expired$/);
            expect(unset.seconds).to.be.within(9, 20);
        } finally {
            process.kill(postmaster, "SIGCONT");
        }
        expect(await databases(libpqEnvironment(env))).to.be.an("array");
    });
});
