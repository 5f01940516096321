import { ChildProcessWithoutNullStreams, spawn } from "child_process";

/** Runs a client program (pg_dump, psql, redis-cli) to completion; its stderr is kept for the error. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`))));
    });
}

/** Ends every answer in a session's output; no query result can contain it. */
const ANSWER_END = "--sophia-answer-end--";

/**
 * One psql session kept open across queries, for work that must share a transaction (pg_dump
 * reading a snapshot that the session exported and holds). Rows come back one a line, fields tab-separated.
 */
export class PsqlSession {
    private output = "";
    private stderr = "";
    private exited: string | undefined;
    private waiting: (() => void) | undefined;

    private constructor(private readonly child: ChildProcessWithoutNullStreams) {
        child.stdout.on("data", (d: Buffer) => {
            this.output += d.toString();
            this.waiting?.();
        });
        child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
        const end = (why: string): void => {
            this.exited = why;
            this.waiting?.();
        };
        child.on("error", (error) => end(error.message));
        child.on("close", (code) => end(`psql exited with ${code}: ${this.stderr.trim()}`));
    }

    static open(database: string, env: NodeJS.ProcessEnv): PsqlSession {
        const args = ["--no-psqlrc", "--quiet", "--tuples-only", "--no-align", "--field-separator=\t", "--set=ON_ERROR_STOP=1", `--dbname=${database}`];
        return new PsqlSession(spawn("psql", args, { env, stdio: ["pipe", "pipe", "pipe"] }));
    }

    /** The rows of one statement; rejects with psql's error when it fails. */
    async query(sql: string): Promise<string[]> {
        if (this.exited) throw new Error(this.exited);
        this.child.stdin.write(`${sql};\n\\echo ${ANSWER_END}\n`);
        for (;;) {
            const end = this.output.indexOf(`${ANSWER_END}\n`);
            if (end >= 0) {
                const answer = this.output.slice(0, end);
                this.output = this.output.slice(end + ANSWER_END.length + 1);
                return answer.split("\n").filter((line) => line !== "");
            }
            if (this.exited) throw new Error(this.exited);
            await new Promise<void>((resolve) => (this.waiting = resolve));
        }
    }

    async close(): Promise<void> {
        if (this.exited) return;
        const closed = new Promise<void>((resolve) => this.child.on("close", () => resolve()));
        this.child.stdin.end();
        await closed;
    }
}
