// Throwaway servers on 127.0.0.1 for the restore drill: a PostgreSQL cluster and an S3-compatible store.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { freePort, postgresServerBin } from "../support/tools";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

/**
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user of the
 * Debian package; as anyone else it belongs to that user.
 */
function asClusterOwner(command: string, args: string[]): { command: string; args: string[] } {
    return process.getuid?.() === 0 ? { command: "runuser", args: ["-u", "postgres", "--", command, ...args] } : { command, args };
}

export class PostgresCluster {
    readonly port: number;
    readonly user = "sophia";
    readonly password = "drill-only-password";
    private constructor(
        readonly dir: string,
        port: number,
        private readonly bin: string,
    ) {
        this.port = port;
    }

    /** Starts a cluster of the newest installed PostgreSQL whose server programs are in `bin`. */
    static async start(root: string, bin: string = postgresServerBin()): Promise<PostgresCluster> {
        const dir = path.join(root, "pg");
        fs.mkdirSync(dir, { mode: 0o700 });
        const cluster = new PostgresCluster(dir, await freePort(), bin);
        const pwfile = path.join(dir, "pwfile");
        fs.writeFileSync(pwfile, cluster.password, { mode: 0o600 });
        if (process.getuid?.() === 0) {
            const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
            const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
            fs.chownSync(dir, uid, gid);
            fs.chownSync(pwfile, uid, gid);
        }
        cluster.exec(path.join(bin, "initdb"), [
            "-D",
            path.join(dir, "data"),
            "-U",
            cluster.user,
            `--pwfile=${pwfile}`,
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        const options = `-c listen_addresses=127.0.0.1 -p ${cluster.port} -k ${dir} -c fsync=off`;
        cluster.exec(path.join(bin, "pg_ctl"), ["-D", path.join(dir, "data"), "-l", path.join(dir, "server.log"), "-o", options, "-w", "-t", "30", "start"]);
        return cluster;
    }

    /** The environment the PostgreSQL client programs (psql, pg_dump) reach this cluster with. */
    clientEnv(bin: string, home: string): NodeJS.ProcessEnv {
        return { PATH: `${bin}:${process.env.PATH}`, HOME: home, PGHOST: "127.0.0.1", PGPORT: String(this.port), PGUSER: this.user, PGPASSWORD: this.password };
    }

    /** Runs `work` with a client connected to `database` as the cluster's user, and disconnects. */
    async withClient<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
        const client = new Client({ host: "127.0.0.1", port: this.port, user: this.user, password: this.password, database });
        await client.connect();
        try {
            return await work(client);
        } finally {
            await client.end();
        }
    }

    private exec(command: string, args: string[]): void {
        const c = asClusterOwner(command, args);
        const result = spawnSync(c.command, c.args, { encoding: "utf8", timeout: 60_000, cwd: this.dir });
        if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr}${result.stdout}`);
    }

    stop(): void {
        if (!fs.existsSync(path.join(this.dir, "data", "postmaster.pid"))) return;
        this.exec(path.join(this.bin, "pg_ctl"), ["-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "-t", "30", "stop"]);
    }
}

export class S3Server {
    private constructor(
        private readonly server: { close(): Promise<void> },
        readonly port: number,
    ) {}

    static async start(root: string, bucket: string): Promise<S3Server> {
        const port = await freePort();
        const server = new S3rver({ address: "127.0.0.1", port, directory: path.join(root, "s3"), silent: true, configureBuckets: [{ name: bucket }] });
        await server.run();
        return new S3Server(server, port);
    }

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** What an S3 client of the backup programs needs to reach this server: region, S3rver's fixed credentials, endpoint. */
    clientEnv(): NodeJS.ProcessEnv {
        return { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_ENDPOINT_URL_S3: this.endpoint };
    }

    stop(): Promise<void> {
        return this.server.close();
    }
}

/** Records what is pushed to it, standing in for the Prometheus Pushgateway. */
export class PushRecorder {
    readonly pushes: { method: string; url: string; body: string }[] = [];
    private constructor(
        private readonly server: http.Server,
        readonly port: number,
    ) {}

    static async start(): Promise<PushRecorder> {
        const server = http.createServer();
        const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
        const recorder = new PushRecorder(server, port);
        server.on("request", (req, res) => {
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => {
                recorder.pushes.push({ method: req.method!, url: req.url!, body });
                res.writeHead(200).end();
            });
        });
        return recorder;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}

export function tempRoot(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-drill-"));
    fs.chmodSync(root, 0o755);
    return root;
}
