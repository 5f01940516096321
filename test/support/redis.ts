// A throwaway redis-server on 127.0.0.1 that runs the program's own arguments with a given ACL file,
// and the clients that talk to it.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import type { SecretHandle } from "../../components/platform";
import { DEFAULT_REDIS, exporterPasswordFile, PLATFORM_USERS, redisExporterAddress, redisWorkload } from "../../components/redis";
import { freePort, requireBinary, waitFor } from "./tools";

/** The program's arguments for Redis, with its file paths moved into `dir`, on `port` of 127.0.0.1. */
export function testServerArgs(dir: string, aclFile: string, port: number): string[] {
    const handle = { name: "redis-auth", group: "data", keys: [], resource: undefined } as unknown as SecretHandle;
    const args = [...redisWorkload(DEFAULT_REDIS, handle, []).args!];
    const replace = (flag: string, value: string) => {
        const at = args.indexOf(flag);
        if (at < 0) throw new Error(`redis-server's arguments in the program have no ${flag}`);
        args[at + 1] = value;
    };
    replace("--aclfile", aclFile);
    replace("--dir", dir);
    return [...args, "--port", String(port), "--bind", "127.0.0.1", "--daemonize", "no"];
}

export class RedisTestServer {
    private readonly clients: Redis[] = [];
    private log = "";

    private constructor(
        readonly dir: string,
        readonly port: number,
        private readonly process: ChildProcess,
    ) {
        process.stdout!.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
        process.stderr!.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
    }

    /** Starts Redis with `acl` as its ACL file and waits until `user` can log in with `password`. */
    static async start(acl: string, user: string, password: string): Promise<RedisTestServer> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-redis-"));
        const aclFile = path.join(dir, "users.acl");
        fs.writeFileSync(aclFile, acl, { mode: 0o600 });
        const port = await freePort();
        const child = spawn(requireBinary("redis-server"), testServerArgs(dir, aclFile, port), { stdio: ["ignore", "pipe", "pipe"] });
        const server = new RedisTestServer(dir, port, child);
        await waitFor(
            `redis-server on 127.0.0.1:${port}`,
            async () => {
                if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${server.log}`);
                const c = server.client(user, password);
                await c.connect();
                const pong = await c.ping();
                c.disconnect();
                return pong === "PONG" ? true : undefined;
            },
            20_000,
            100,
        );
        return server;
    }

    /** A client that connects on `connect()`, logging in as `username` when given; no retries, no queue. */
    client(username?: string, password?: string): Redis {
        const c = new Redis({
            host: "127.0.0.1",
            port: this.port,
            username,
            password,
            lazyConnect: true,
            // RESP2 and no set-up commands: ioredis would otherwise send HELLO and CLIENT SETINFO before
            // AUTH, which Redis refuses to an anonymous client, and close the connection.
            enableReadyCheck: false,
            disableClientInfo: true,
            protocol: 2,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
            enableOfflineQueue: false,
        });
        c.on("error", () => undefined);
        this.clients.push(c);
        return c;
    }

    /** A connected client logged in as `username`. */
    async loggedIn(username: string, password: string): Promise<Redis> {
        const c = this.client(username, password);
        await c.connect();
        return c;
    }

    stop(): void {
        for (const c of this.clients) c.disconnect();
        this.process.kill("SIGKILL");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** The error message a command was refused with; fails when the command was accepted. */
export async function refusal(command: Promise<unknown>): Promise<string> {
    try {
        await command;
    } catch (error) {
        return (error as Error).message;
    }
    throw new Error("the command was accepted");
}

/** What redis_exporter served on its first answered scrape, and everything it logged until then. */
export interface ExporterScrape {
    readonly metrics: string;
    readonly log: string;
}

/**
 * The real redis_exporter as the workload runs it (REDIS_ADDR, REDIS_USER and the password file
 * REDIS_PASSWORD_FILE names, written into `dir`), against Redis on 127.0.0.1:`redisPort`, with
 * `extraEnv` on top; scraped once it answers, then stopped.
 */
export async function scrapeRedisExporter(redisPort: number, dir: string, password: string, extraEnv: Record<string, string> = {}): Promise<ExporterScrape> {
    const address = redisExporterAddress("127.0.0.1", redisPort);
    const passwordFile = path.join(dir, "exporter-passwords.json");
    fs.writeFileSync(passwordFile, exporterPasswordFile(address, password), { mode: 0o600 });
    const listen = await freePort();
    const child = spawn(requireBinary("prometheus-redis-exporter"), ["--web.listen-address", `127.0.0.1:${listen}`], {
        env: { REDIS_ADDR: address, REDIS_USER: PLATFORM_USERS.exporter, REDIS_PASSWORD_FILE: passwordFile, ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    try {
        const metrics = await waitFor(
            "redis_exporter's /metrics",
            () =>
                new Promise<string | undefined>((resolve) => {
                    http.get(`http://127.0.0.1:${listen}/metrics`, (res) => {
                        let body = "";
                        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
                        res.on("end", () => resolve(res.statusCode === 200 ? body : undefined));
                    }).on("error", () => resolve(undefined));
                }),
            20_000,
            200,
        );
        return { metrics, log };
    } finally {
        child.kill("SIGKILL");
    }
}
