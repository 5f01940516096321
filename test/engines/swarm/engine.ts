import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { waitFor } from "../../support/tools";

/** A Docker Engine API answer. */
export interface EngineAnswer<T = any> {
    readonly status: number;
    readonly body: T;
}

/**
 * The Docker Engine API over a unix socket. API version 1.41 is Docker 20.10's, Debian bookworm's
 * docker.io; every request names it so a newer engine answers the same way.
 */
export class EngineApi {
    constructor(readonly socketPath: string) {}

    request<T = any>(method: string, endpoint: string, body?: unknown, headers: http.OutgoingHttpHeaders = {}): Promise<EngineAnswer<T>> {
        const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        const contentType = Buffer.isBuffer(body) ? "application/x-tar" : "application/json";
        return new Promise((resolve, reject) => {
            const req = http.request(
                {
                    socketPath: this.socketPath,
                    path: `/v1.41${endpoint}`,
                    method,
                    headers: { ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}), ...headers },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (chunk: Buffer) => chunks.push(chunk));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown = text;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            // Streams (image import, build) answer newline-separated JSON; keep the text.
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed as T });
                    });
                },
            );
            req.on("error", reject);
            req.end(payload);
        });
    }

    /** The body of a 2xx answer, or an error carrying the engine's own message. */
    async expect<T = any>(method: string, endpoint: string, body?: unknown, headers?: http.OutgoingHttpHeaders): Promise<T> {
        const answer = await this.request<T>(method, endpoint, body, headers);
        if (answer.status >= 300) {
            const message = (answer.body as { message?: string } | undefined)?.message ?? JSON.stringify(answer.body);
            throw new Error(`${method} ${endpoint}: ${answer.status} ${message}`);
        }
        return answer.body;
    }
}

/** A Docker daemon of the test's own: its data, state, socket and pid file under one folder. */
export class Dockerd {
    readonly socket: string;
    readonly api: EngineApi;
    private process?: ChildProcess;

    constructor(readonly dir: string) {
        this.socket = path.join(dir, "docker.sock");
        this.api = new EngineApi(this.socket);
    }

    /**
     * Starts dockerd with what this sandbox allows: no iptables (no NAT rules may be written) and no
     * default bridge (containers only join Swarm overlays), then makes it a one-node Swarm manager.
     */
    async start(): Promise<void> {
        requireDockerd();
        const log = fs.openSync(path.join(this.dir, "dockerd.log"), "a");
        this.process = spawn(
            "dockerd",
            [
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
                `--data-root=${path.join(this.dir, "data")}`,
                `--exec-root=${path.join(this.dir, "exec")}`,
                `--pidfile=${path.join(this.dir, "dockerd.pid")}`,
                `-H=unix://${this.socket}`,
            ],
            // Nothing can be pulled here: tasks use the local images without asking a registry first.
            { stdio: ["ignore", log, log], env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" } },
        );
        await waitFor(
            "dockerd to answer _ping",
            async () => ((await this.api.request("GET", "/_ping").catch(() => undefined))?.status === 200 ? true : undefined),
            60_000,
        );
        await this.api.expect("POST", "/swarm/init", { ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1" });
    }

    /** Leaves the Swarm (removing its services, networks, secrets), then stops dockerd by its PID. */
    async stop(): Promise<void> {
        if (!this.process || this.process.exitCode !== null) return;
        await this.api.request("POST", "/swarm/leave?force=true").catch(() => undefined);
        const exited = new Promise((resolve) => this.process!.once("exit", resolve));
        this.process.kill("SIGTERM");
        const timer = setTimeout(() => this.process!.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(timer);
        this.unmountLeftovers();
    }

    /** Network namespaces dockerd bind-mounted under its exec root can outlive it; unmount them so the folder can go. */
    private unmountLeftovers(): void {
        const mounts = fs
            .readFileSync("/proc/self/mounts", "utf8")
            .split("\n")
            .map((line) => line.split(" ")[1])
            .filter((target) => target?.startsWith(`${this.dir}/`))
            .sort()
            .reverse();
        for (const target of mounts) spawnSync("umount", [target]);
    }

    /** Runs a command in a running container (the docker CLI speaks the exec stream protocol). */
    exec(container: string, command: readonly string[], timeoutMs = 30_000): { code: number; stdout: string; stderr: string } {
        const result = spawnSync("docker", ["-H", `unix://${this.socket}`, "exec", container, ...command], { encoding: "utf8", timeout: timeoutMs });
        return { code: result.status ?? -1, stdout: result.stdout ?? "", stderr: `${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
    }

    log(): string {
        return fs.readFileSync(path.join(this.dir, "dockerd.log"), "utf8");
    }
}

/** dockerd comes from Debian's docker.io; the docker CLI alone is only a client. */
export function requireDockerd(): void {
    const found = spawnSync("sh", ["-c", "command -v dockerd"], { encoding: "utf8" });
    if (found.status !== 0) throw new Error('dockerd is not on PATH: install the Debian package "docker.io" (.ci/run does)');
}
