// The edge as the platform renders it (components/edge/gatewayConfig.ts), run by a real nginx on
// 127.0.0.1 in front of servers of the test, with oauth2-proxy's auth_request contract stood in for:
// `Bearer <client>.<secret>` is that client when the secret is the test's, anything else is 401.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { GatewayModel, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import type { ServerSpec } from "../../stacks/specs";
import { freePort, requireBinary, waitFor } from "../support/tools";

export interface EdgeServer {
    readonly name: string;
    /** Port of the server on 127.0.0.1 the edge routes to. */
    readonly port: number;
    readonly clients: readonly string[];
    readonly mcpPath?: string;
    /** A DNS name listing the server's replicas: the server keeps sessions on their replica (`sessionAffinity`). */
    readonly replicas?: string;
}

export interface RealEdge {
    /** The HTTPS port: connect here with the server's host name as SNI and Host. */
    readonly port: number;
    readonly config: string;
    log(): string;
    close(): Promise<void>;
}

/** oauth2-proxy's /oauth2/auth: 202 with X-Auth-Request-User for `Bearer <client>.<secret>`, else 401. */
function startTokenChecker(secret: string): Promise<http.Server> {
    const server = http.createServer((req, res) => {
        const [, client, presented] = /^Bearer ([a-z0-9-]+)\.(.+)$/.exec(req.headers.authorization ?? "") ?? [];
        if (client && presented === secret) res.writeHead(202, { "x-auth-request-user": client }).end();
        else res.writeHead(401).end();
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const acceptsConnections = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.on("connect", () => (socket.destroy(), resolve(true))).on("error", () => resolve(false));
    });

/** Starts nginx with the rendered edge for `servers` under `domain`; `certificate` covers *.mcp.<domain>. */
export async function startRealEdge(options: {
    readonly dir: string;
    readonly domain: string;
    readonly servers: readonly EdgeServer[];
    readonly secret: string;
    readonly certificate: { readonly certFile: string; readonly keyFile: string };
    /** The DNS server (address[:port]) that answers the servers' `replicas` names. */
    readonly resolver?: string;
}): Promise<RealEdge> {
    const { dir, domain, servers, secret, certificate, resolver } = options;
    const tokenChecker = await startTokenChecker(secret);
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    const spec = (s: EdgeServer): ServerSpec =>
        ({
            name: s.name,
            port: s.port,
            mcpPath: s.mcpPath ?? "/mcp",
            expose: "public",
            clients: s.clients,
            sessionAffinity: s.replicas !== undefined,
        }) as unknown as ServerSpec;
    const model: GatewayModel = {
        httpPort,
        tls: { port: httpsPort, certificate: certificate.certFile, privateKey: certificate.keyFile },
        trustForwardedFor: false,
        runtimeDir: dir,
        oauth2Proxy: { address: "127.0.0.1", port: (tokenChecker.address() as net.AddressInfo).port },
        resolver,
        issuer: `https://id.${domain}/realms/sophia`,
        mcp: mcpRoutes(
            servers.map((s) => ({ spec: spec(s), address: "127.0.0.1", replicas: s.replicas })),
            domain,
        ),
        uis: [],
        rateLimit: { requestsPerSecond: 1000, burst: 1000 },
        maxRequestBodySize: "1m",
        streamTimeoutSeconds: 3600,
    };
    const config = path.join(dir, "nginx.conf");
    fs.writeFileSync(config, renderGatewayConfig(model));
    const nginx = requireBinary("nginx");
    const accessLog = fs.openSync(path.join(dir, "access.log"), "a");
    const args = ["-c", config, "-p", `${dir}/`, "-e", "stderr"];
    const check = spawnSync(nginx, ["-t", ...args], { encoding: "utf8", stdio: ["ignore", accessLog, "pipe"] });
    if (check.status !== 0) throw new Error(`nginx -t refused the rendered edge:\n${check.stderr}`);
    let errors = "";
    const child: ChildProcess = spawn(nginx, args, { stdio: ["ignore", accessLog, "pipe"] });
    child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    await waitFor(`nginx on 127.0.0.1:${httpsPort}`, async () => ((await acceptsConnections(httpsPort)) ? true : undefined), 10_000, 50).catch(
        (error: Error) => {
            child.kill("SIGTERM");
            throw new Error(`${error.message}\n${errors}`);
        },
    );
    return {
        port: httpsPort,
        config,
        log: () => `${errors}${fs.readFileSync(path.join(dir, "access.log"), "utf8")}`,
        close: async () => {
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            await exited;
            fs.closeSync(accessLog);
            await new Promise((resolve) => tokenChecker.close(resolve));
        },
    };
}
