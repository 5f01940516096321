// Session affinity through the real edge: nginx with the rendered config in front of two replicas of
// a stateful server built with the official TypeScript SDK, listed by a DNS server of the test's own
// as Docker's DNS lists tasks.<service>, reached with the official client.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { mcpClient, McpReach } from "../../commands/release/mcpClient";
import { GatewayModel, renderGatewayConfig, REPLICA_LOOKUP_SECONDS } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import type { ServerSpec } from "../../stacks/specs";
import { edgeCertificate } from "../release/fakes";
import { freePort, requireBinary } from "../support/tools";
import { ensurePythonServerVenv, startPythonServer } from "../mcpServers/python/python";
import { RunningServer, startTypeScriptServer } from "../mcpServers/typescript/server";
import { ROOT } from "../support/plan";
import { startTestDns, TestDns } from "./dnsServer";
import { RealEdge, startRealEdge } from "./realEdge";

const DOMAIN = "affinity.test.sophia.local";
const SECRET = "affinity-test-secret";
const CLIENT = "claude-desktop";
const SERVER = "stateful-server";
/** The name listing the replicas, as on Swarm. */
const REPLICAS = `tasks.${SERVER}`;
/** Two replicas on one port, as in a service: each on its own loopback address. */
const ADDRESSES = ["127.0.0.1", "127.0.0.2"];
const CALLS_ON_ONE_SESSION = 50;
const NEW_SESSIONS = 16;

/** How each SDK's replica is started on one address of the shared port. */
const SDKS: { sdk: string; start: (address: string, port: number) => Promise<RunningServer> }[] = [
    { sdk: "typescript", start: (host, port) => startTypeScriptServer({ name: SERVER, host, port, replica: `replica-${host}` }) },
    {
        sdk: "python",
        start: (host, port) => {
            const venv = process.env.SOPHIA_MCP_PYTHON_VENV ?? path.join(ROOT, ".cache", "mcp-python-venv");
            return startPythonServer(ensurePythonServerVenv(venv), { name: SERVER, host, port });
        },
    },
];

for (const { sdk, start } of SDKS)
    describe(`session affinity through the real edge (two replicas of the ${sdk} SDK's stateful server)`, function () {
        this.timeout(180_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-affinity-"));
        const replicas = new Map<string, RunningServer>();
        /** What whoami answers on each replica's address (its replica name and process). */
        const identities = new Map<string, string>();
        let dns: TestDns;
        let edge: RealEdge;
        let ca: string;

        const url = `https://${SERVER}.mcp.${DOMAIN}/mcp`;
        const reach = (): McpReach => ({ token: `${CLIENT}.${SECRET}`, connectTo: { host: "127.0.0.1", port: edge.port }, ca, timeoutMs: 20_000 });
        const whoami = async (client: ReturnType<typeof mcpClient>["client"]): Promise<string> => {
            const result = (await client.callTool({ name: "whoami", arguments: {} })) as CallToolResult;
            const { replica, pid } = JSON.parse((result.content[0] as { text: string }).text);
            return `${replica}#${pid}`;
        };
        const addressOf = (identity: string): string => [...identities].find(([, known]) => known === identity)![0];
        const startReplica = async (address: string, port: number): Promise<void> => {
            const server = await start(address, port);
            replicas.set(address, server);
            // Asked directly, not through the edge: which answer this address gives.
            const direct = mcpClient(server.url, { timeoutMs: 20_000 });
            try {
                await direct.client.connect(direct.transport);
                identities.set(address, await whoami(direct.client));
            } finally {
                await direct.close();
            }
        };

        before(async () => {
            const port = await freePort();
            for (const address of ADDRESSES) await startReplica(address, port);
            expect(new Set(identities.values()).size, "the replicas tell themselves apart").to.equal(ADDRESSES.length);
            dns = await startTestDns();
            dns.answer(REPLICAS, ADDRESSES);
            const certificate = edgeCertificate(dir, [DOMAIN]);
            ca = certificate.cert;
            fs.mkdirSync(path.join(dir, "edge"));
            edge = await startRealEdge({
                dir: path.join(dir, "edge"),
                domain: DOMAIN,
                secret: SECRET,
                certificate,
                resolver: `127.0.0.1:${dns.port}`,
                servers: [{ name: SERVER, port, clients: [CLIENT], replicas: REPLICAS }],
            });
        });
        after(async () => {
            await edge?.close();
            for (const server of replicas.values()) await server.close();
            await dns?.close();
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it(`keeps ${CALLS_ON_ONE_SESSION} calls of one session on the replica that opened it`, async () => {
            const session = mcpClient(url, reach());
            try {
                await session.client.connect(session.transport);
                const answered: string[] = [];
                for (let i = 0; i < CALLS_ON_ONE_SESSION; i++) answered.push(await whoami(session.client));
                expect(new Set(answered).size, answered.join(" ")).to.equal(1);
                expect([...identities.values()]).to.include(answered[0]);
            } finally {
                await session.close();
            }
            expect(dns.asked(REPLICAS), "the edge looked the replicas up while it ran").to.be.above(0);
        });

        it(`spreads new sessions over the replicas (${NEW_SESSIONS} sessions reach both)`, async () => {
            const answered = new Set<string>();
            for (let i = 0; i < NEW_SESSIONS; i++) {
                const session = mcpClient(url, reach());
                try {
                    await session.client.connect(session.transport);
                    answered.add(await whoami(session.client));
                } finally {
                    await session.close();
                }
            }
            expect([...answered].sort()).to.deep.equal([...identities.values()].sort());
        });

        it("answers 404 when the session's replica is gone, and the client recovers by initializing again", async () => {
            const session = mcpClient(url, reach());
            try {
                await session.client.connect(session.transport);
                const home = await whoami(session.client);
                const address = addressOf(home);
                // The replica stops; the DNS still names it until the orchestrator notices, as after a crash.
                await replicas.get(address)!.close();
                replicas.delete(address);
                const failure = await whoami(session.client).then(
                    () => undefined,
                    (error: unknown) => error,
                );
                expect(failure, "the MCP answer for an unknown session").to.be.instanceOf(StreamableHTTPError);
                expect((failure as StreamableHTTPError).code).to.equal(404);
                // Whichever replica the edge asks last, the dead one (502 from nginx) or the survivor (its own 404).
                for (let i = 0; i < 8; i++) {
                    const resumed = mcpClient(url, reach(), session.transport.sessionId);
                    try {
                        await resumed.client.connect(resumed.transport);
                        const again = await resumed.client.listTools().then(
                            () => undefined,
                            (error: unknown) => error,
                        );
                        expect((again as StreamableHTTPError | undefined)?.code, `attempt ${i + 1}`).to.equal(404);
                    } finally {
                        await resumed.close();
                    }
                }
            } finally {
                await session.close();
            }
            const again = mcpClient(url, reach());
            try {
                await again.client.connect(again.transport);
                const survivor = [...replicas.keys()][0];
                expect(await whoami(again.client)).to.equal(identities.get(survivor));
                expect(await whoami(again.client)).to.equal(identities.get(survivor));
            } finally {
                await again.close();
            }
        });

        it("finds the replicas of a rolling update without a restart of the edge", async () => {
            const [old] = [...replicas.keys()];
            const port = replicas.get(old)!.port;
            const fresh = "127.0.0.3";
            await startReplica(fresh, port);
            dns.answer(REPLICAS, [fresh]);
            await replicas.get(old)!.close();
            replicas.delete(old);
            const deadline = Date.now() + (REPLICA_LOOKUP_SECONDS + 10) * 1000;
            let reached = "";
            while (reached !== identities.get(fresh) && Date.now() < deadline) {
                const session = mcpClient(url, reach());
                try {
                    await session.client.connect(session.transport);
                    reached = await whoami(session.client);
                } catch {
                    await new Promise((resolve) => setTimeout(resolve, 500));
                } finally {
                    await session.close();
                }
            }
            expect(reached, "a new session reaches the replica that started after the edge").to.equal(identities.get(fresh));
        });
    });

describe("the edge's config for session affinity: accepted by nginx, refused when it cannot route", () => {
    const spec = (name: string, sessionAffinity: boolean) =>
        ({ name, port: 8080, mcpPath: "/mcp", expose: "public", clients: [CLIENT], sessionAffinity }) as unknown as ServerSpec;
    const model = (mcp: GatewayModel["mcp"], resolver?: string): GatewayModel => ({
        httpPort: 8080,
        trustForwardedFor: true,
        runtimeDir: "/tmp",
        oauth2Proxy: { address: "oauth2-proxy", port: 4180 },
        resolver,
        issuer: `https://id.${DOMAIN}/realms/sophia`,
        mcp,
        uis: [],
        rateLimit: { requestsPerSecond: 10, burst: 20 },
        maxRequestBodySize: "1m",
        streamTimeoutSeconds: 3600,
    });
    const problemsOf = (m: GatewayModel): string => {
        try {
            renderGatewayConfig(m);
        } catch (error) {
            return (error as Error).message;
        }
        return "";
    };

    it("renders a config real nginx accepts with Swarm's DNS server, 127.0.0.11", () => {
        const spec = { name: SERVER, port: 8080, mcpPath: "/mcp", expose: "public", clients: [CLIENT], sessionAffinity: true } as unknown as ServerSpec;
        const model: GatewayModel = {
            httpPort: 8080,
            trustForwardedFor: true,
            runtimeDir: fs.mkdtempSync(path.join(os.tmpdir(), "sophia-affinity-check-")),
            oauth2Proxy: { address: "127.0.0.1", port: 4180 },
            resolver: "127.0.0.11",
            issuer: `https://id.${DOMAIN}/realms/sophia`,
            mcp: mcpRoutes([{ spec, address: SERVER, replicas: REPLICAS }], DOMAIN),
            uis: [],
            rateLimit: { requestsPerSecond: 10, burst: 20 },
            maxRequestBodySize: "1m",
            streamTimeoutSeconds: 3600,
        };
        const config = path.join(model.runtimeDir, "nginx.conf");
        fs.writeFileSync(config, renderGatewayConfig(model));
        // The access log goes to /dev/stdout, as in a container; here stdout is a file.
        const accessLog = fs.openSync(path.join(model.runtimeDir, "access.log"), "a");
        const check = spawnSync(requireBinary("nginx"), ["-t", "-c", config, "-p", `${model.runtimeDir}/`, "-e", "stderr"], {
            encoding: "utf8",
            stdio: ["ignore", accessLog, "pipe"],
        });
        fs.closeSync(accessLog);
        expect(check.status, check.stderr).to.equal(0);
        // The replicas are looked up while nginx runs: at start-up only the resolver's address is read.
        expect(fs.readFileSync(config, "utf8")).to.contain("resolver 127.0.0.11 ");
        fs.rmSync(model.runtimeDir, { recursive: true, force: true });
    });

    it("names every sticky route without a replicas name, and the missing resolver, at once", () => {
        const routes = mcpRoutes(
            [
                { spec: spec("first", true), address: "first" },
                { spec: spec("second", true), address: "second" },
            ],
            DOMAIN,
        );
        const message = problemsOf(model(routes));
        expect(message).to.contain("mcp route first: sessionAffinity needs `replicas`, the DNS name that lists each replica (e.g. tasks.first)");
        expect(message).to.contain("mcp route second: sessionAffinity needs `replicas`");
        expect(message).to.contain(
            "resolver: first, second keep sessions on their replicas and need the DNS server that lists them (e.g. 127.0.0.11 on Swarm)",
        );
    });

    it("refuses a replicas name or resolver that is not a DNS name or address", () => {
        const routes = mcpRoutes([{ spec: spec("first", true), address: "first", replicas: "tasks.first;evil" }], DOMAIN);
        const message = problemsOf(model(routes, "127.0.0.11 ipv6=on"));
        expect(message).to.contain('mcp route first: replicas "tasks.first;evil" is not a DNS name');
        expect(message).to.contain('resolver "127.0.0.11 ipv6=on" is not an address or DNS name');
    });

    it("keeps servers without affinity on their service address, with no resolver", () => {
        const config = renderGatewayConfig(model(mcpRoutes([{ spec: spec("plain", false), address: "plain", replicas: "tasks.plain" }], DOMAIN)));
        expect(config).to.contain("server plain:8080;");
        expect(config).to.not.contain("resolver");
    });
});
