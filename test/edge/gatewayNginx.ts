// A real nginx running the edge gateway's rendered config (components/edge/gatewayConfig.ts) on
// 127.0.0.1, started as the gateway's workload starts it (`nginx -c <config>`, no error-log flag), and
// recording stand-ins for oauth2-proxy and the routed servers. The tests render the config in
// `beforeEach` (`ensure`): per-test coverage then counts each test as reaching the renderer, and nginx
// restarts only when the rendered text changes. `gatewaySuite` registers that fixture's hooks.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { GatewayModel, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import type { ServerSpec } from "../../stacks/specs";
import { requireBinary } from "../support/tools";

/** The MCP client the routed servers' allowlists name in these tests. */
export const CLIENT = "claude-desktop";

/** A public MCP server as the edge reads its spec: Streamable HTTP on `/mcp`, for CLIENT, without session affinity unless `overrides` says. */
export function serverSpec(
    name: string,
    port: number,
    overrides: Partial<Pick<ServerSpec, "mcpPath" | "expose" | "clients" | "sessionAffinity">> = {},
): ServerSpec {
    return { name, port, mcpPath: "/mcp", expose: "public", clients: [CLIENT], sessionAffinity: false, ...overrides } as unknown as ServerSpec;
}

/** What each test's gateway must name itself; `gatewayModel` defaults the rest. */
export type ModelFields = Pick<GatewayModel, "httpPort" | "runtimeDir" | "oauth2Proxy"> & Partial<GatewayModel>;

/**
 * A gateway under `domain`: its realm's issuer, no TLS, X-Forwarded-For not trusted, nothing routed, and
 * limits no test reaches unless it sets its own.
 */
export function gatewayModel(domain: string, fields: ModelFields): GatewayModel {
    return {
        trustForwardedFor: false,
        issuer: `https://id.${domain}/realms/sophia`,
        mcp: [],
        uis: [],
        rateLimit: { requestsPerSecond: 1000, burst: 1000 },
        maxRequestBodySize: "1m",
        streamTimeoutSeconds: 60,
        ...fields,
    };
}

/** The page nginx images ship in their default root: what an unrouted path would serve without the gateway's 404. */
export const NGINX_WELCOME = "<h1>Welcome to nginx!</h1>";

export interface Reply {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

/** What reached a stand-in: one request, with the connection it came on. */
export interface Seen {
    readonly method: string;
    readonly url: string;
    readonly httpVersion: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
    /** The gateway's port of the connection the request came on: equal for requests on one kept-alive connection. */
    readonly connection: number;
}

/**
 * An HTTP server that records every request and answers with `answer`: on 127.0.0.1 and a free port,
 * unless `listenOn` names an address (a replica's, of 127.0.0.0/8) or a port.
 */
export async function recordingServer(
    answer: (seen: Seen, res: http.ServerResponse) => void = (_s, res) => res.end("{}"),
    listenOn: { readonly address?: string; readonly port?: number } = {},
): Promise<{
    server: http.Server;
    port: number;
    seen: Seen[];
}> {
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            const record: Seen = {
                method: req.method ?? "",
                url: req.url ?? "",
                httpVersion: req.httpVersion,
                headers: req.headers,
                body,
                connection: req.socket.remotePort ?? 0,
            };
            seen.push(record);
            answer(record, res);
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(listenOn.port ?? 0, listenOn.address ?? "127.0.0.1", resolve);
    });
    return { server, port: (server.address() as net.AddressInfo).port, seen };
}

const acceptsConnections = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.on("connect", () => (socket.destroy(), resolve(true))).on("error", () => resolve(false));
    });

/** The processes whose parent is `pid` (nginx's workers, for its master). */
export function childrenOf(pid: number): number[] {
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
            try {
                // The command name is in parentheses and may hold spaces: the parent's pid is the second field after it.
                const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
                return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
            } catch {
                return false;
            }
        })
        .map(Number);
}

/** nginx with a rendered gateway config; `dir` is the model's runtimeDir and nginx's prefix. */
export class GatewayNginx {
    private child: ChildProcess | undefined;
    private running = "";
    private stderrText = "";
    private accessLogFd: number | undefined;
    /** The port `ensure` waits on before it returns (the TLS port, or the plain one without TLS). */
    private readyPort = 0;

    /** `env` is nginx's environment (e.g. an OPENSSL_CONF that stands for the host's OpenSSL policy); this process's by default. */
    constructor(
        readonly dir: string,
        private readonly env: NodeJS.ProcessEnv = process.env,
    ) {
        fs.chmodSync(dir, 0o755);
        // The default root of an nginx image holds a welcome page: an unrouted path that fell through to it would answer 200.
        fs.mkdirSync(path.join(dir, "html"), { recursive: true });
        fs.writeFileSync(path.join(dir, "html", "index.html"), `<!DOCTYPE html><html><body>${NGINX_WELCOME}</body></html>\n`);
    }

    get config(): string {
        return this.running;
    }

    get process(): ChildProcess | undefined {
        return this.child;
    }

    get configFile(): string {
        return path.join(this.dir, "nginx.conf");
    }

    /** What nginx wrote to its stderr (its error log) since it started. */
    stderr(): string {
        return this.stderrText;
    }

    /** The access log: nginx's stdout, a file here (in a container, the log collector reads it). */
    accessLog(): string {
        const file = path.join(this.dir, "access.log");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    }

    /** `nginx -t` over a rendered config: its exit code and what it printed. */
    static check(config: string, dir: string): { status: number | null; output: string } {
        const file = path.join(dir, "nginx-check.conf");
        fs.writeFileSync(file, config);
        // The access log is /dev/stdout, as in a container: a file here, not a pipe nginx cannot reopen.
        const stdout = fs.openSync(path.join(dir, "nginx-check.out"), "w");
        try {
            const check = spawnSync(requireBinary("nginx"), ["-t", "-c", file, "-p", `${dir}/`], { encoding: "utf8", stdio: ["ignore", stdout, "pipe"] });
            return { status: check.status, output: `${fs.readFileSync(path.join(dir, "nginx-check.out"), "utf8")}${check.stderr}` };
        } finally {
            fs.closeSync(stdout);
        }
    }

    /** Renders `model` and runs nginx with it, unless it already runs that very config. */
    async ensure(model: GatewayModel): Promise<string> {
        const rendered = renderGatewayConfig(model);
        if (this.child && this.running === rendered) return rendered;
        await this.stop();
        fs.writeFileSync(this.configFile, rendered);
        const nginx = requireBinary("nginx");
        // The workload's command is `nginx -c <config>`; the prefix is the test's folder, whose html/ has the welcome page.
        const args = ["-c", this.configFile, "-p", `${this.dir}/`];
        fs.rmSync(path.join(this.dir, "access.log"), { force: true });
        this.accessLogFd = fs.openSync(path.join(this.dir, "access.log"), "a");
        // The access log is /dev/stdout, as in a container: a file here, not a pipe nginx cannot reopen.
        const check = spawnSync(nginx, ["-t", ...args], { encoding: "utf8", env: this.env, stdio: ["ignore", this.accessLogFd, "pipe"] });
        if (check.status !== 0) {
            fs.closeSync(this.accessLogFd);
            this.accessLogFd = undefined;
            throw new Error(`nginx -t refused the rendered gateway:\n${check.stderr}`);
        }
        this.stderrText = "";
        const child = spawn(nginx, args, { env: this.env, stdio: ["ignore", this.accessLogFd, "pipe"] });
        child.stderr!.on("data", (chunk: Buffer) => (this.stderrText += chunk.toString()));
        this.child = child;
        this.running = rendered;
        this.readyPort = model.tls?.port ?? model.httpPort;
        for (let i = 0; i < 200; i++) {
            if (await acceptsConnections(this.readyPort)) return rendered;
            await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`nginx did not start:\n${this.stderrText}`);
    }

    /** Stops nginx (and a master that went to the background, which a test's model may make it do) and waits for its ports to free. */
    async stop(): Promise<void> {
        const child = this.child;
        this.child = undefined;
        this.running = "";
        const master = this.masterPid();
        if (child && child.exitCode === null && child.signalCode === null) {
            await new Promise<void>((resolve) => {
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
            });
        }
        if (master !== undefined && master !== child?.pid) await stopProcess(master);
        if (this.accessLogFd !== undefined) fs.closeSync(this.accessLogFd);
        this.accessLogFd = undefined;
        await until(async () => !this.readyPort || !(await acceptsConnections(this.readyPort)));
    }

    /** The master's pid from the pid file, if nginx wrote one. */
    private masterPid(): number | undefined {
        const pidFile = path.join(this.dir, "nginx.pid");
        return fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8").trim()) : undefined;
    }
}

/** Polls `done` every 25 ms for up to 5 s. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 25));
}

/** Stops a process this test started (by its pid) and waits until it is gone. */
async function stopProcess(pid: number): Promise<void> {
    if (!fs.existsSync(`/proc/${pid}`)) return;
    process.kill(pid, "SIGTERM");
    await until(() => !fs.existsSync(`/proc/${pid}`));
}

/** A describe block's gateway, made by `gatewaySuite`: read its fields in hooks and tests, not when the file loads. */
export interface GatewaySuite {
    /** The suite's folder: the model's runtimeDir and nginx's prefix. */
    readonly dir: string;
    readonly gateway: GatewayNginx;
    /** Closes these stand-ins in `after`, their open connections first. */
    closeAfter(...servers: net.Server[]): void;
    /** Runs `close` in `after`, and waits for it. */
    onEnd(close: () => unknown): void;
}

/**
 * Registers, in the calling describe block, the hooks every gateway suite shares: `before` makes its
 * folder (never when the file loads: a mutation run runs the suites again in one process, after `after`
 * removed it) and its GatewayNginx; `beforeEach` runs nginx with `render()`'s model, when given; `after`
 * stops nginx, closes the stand-ins and removes the folder. `env(dir)` is nginx's environment.
 */
export function gatewaySuite(
    prefix: string,
    options: { readonly env?: (dir: string) => NodeJS.ProcessEnv; readonly render?: () => GatewayModel } = {},
): GatewaySuite {
    let dir = "";
    let gateway: GatewayNginx | undefined;
    const closers: (() => unknown)[] = [];
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        gateway = new GatewayNginx(dir, options.env?.(dir));
    });
    const { render } = options;
    // Rendered before each test (not once): per-test coverage then counts each test as reaching the renderer.
    if (render) beforeEach(async () => void (await gateway!.ensure(render())));
    after(async () => {
        await gateway?.stop();
        for (const close of closers.splice(0)) await close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
    return {
        get dir() {
            return dir;
        },
        get gateway() {
            if (!gateway) throw new Error("the suite's gateway is made in its before hook: use it in hooks and tests");
            return gateway;
        },
        closeAfter: (...servers) => {
            for (const server of servers) closers.push(() => ((server as http.Server).closeAllConnections?.(), server.close()));
        },
        onEnd: (close) => void closers.push(close),
    };
}

export interface RequestOptions {
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly body?: string | Buffer;
    readonly agent?: http.Agent | https.Agent;
    /** The local address the connection comes from (a private one, as from a cluster's ingress controller). */
    readonly localAddress?: string;
    readonly timeoutMs?: number;
}

function collect(req: http.ClientRequest, options: RequestOptions): Promise<Reply> {
    return new Promise((resolve, reject) => {
        req.on("response", (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
            res.on("error", reject);
        });
        req.on("error", reject);
        req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 5000} ms`)));
        req.end(options.body);
    });
}

/** A request over TLS to the gateway on 127.0.0.1, with `host` as SNI and Host. */
export function httpsRequest(port: number, ca: string, host: string, pathName: string, options: RequestOptions = {}): Promise<Reply> {
    const req = https.request({
        host: "127.0.0.1",
        port,
        servername: host,
        ca,
        path: pathName,
        method: options.method ?? "GET",
        headers: { Host: host, ...options.headers },
        agent: options.agent,
        localAddress: options.localAddress,
    });
    return collect(req, options);
}

/** A plain HTTP request to the gateway on 127.0.0.1, with `host` as Host. */
export function httpRequest(port: number, host: string, pathName: string, options: RequestOptions = {}): Promise<Reply> {
    const req = http.request({
        host: "127.0.0.1",
        port,
        path: pathName,
        method: options.method ?? "GET",
        headers: { Host: host, ...options.headers },
        agent: options.agent,
        localAddress: options.localAddress,
    });
    return collect(req, options);
}
