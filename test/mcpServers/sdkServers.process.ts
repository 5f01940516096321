import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { greet, McpFailure, mcpClient, McpReach } from "../../commands/release/mcpClient";
import { serverMetrics } from "../../components/monitoring/metricsContract";
import { ROOT } from "../support/plan";
import { freePort, requireBinary } from "../support/tools";
import { RealEdge, startRealEdge } from "../edge/realEdge";
import { expectDeletedSessionUnknown, expectProgressAsSent } from "./sessionChecks";
import { edgeCertificate } from "../release/fakes";
import { ensurePythonServerVenv, runPythonClient, startPythonServer } from "./python/python";
import { RunningServer, startTypeScriptServer } from "./typescript/server";

const DOMAIN = "sdk.test.sophia.local";
const SECRET = "sdk-test-secret";
const CLIENT = "claude-desktop";

/**
 * The test MCP servers built with the official SDKs (TypeScript: @modelcontextprotocol/sdk; Python:
 * `mcp` from PyPI, in a virtualenv the test makes) behind the real edge (nginx with the rendered
 * config), reached with the official TypeScript client as a real client reaches a deployed server.
 */
describe("MCP servers built with the official SDKs, through the real edge", function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-sdk-servers-"));
    const servers: { name: string; sdk: string; server?: RunningServer }[] = [
        { name: "ts-sdk-server", sdk: "typescript" },
        { name: "python-sdk-server", sdk: "python" },
    ];
    let edge: RealEdge;
    let ca: string;
    let interpreter: string;

    before(async () => {
        const venv = process.env.SOPHIA_MCP_PYTHON_VENV ?? path.join(ROOT, ".cache", "mcp-python-venv");
        interpreter = ensurePythonServerVenv(venv);
        const [tsPort, pyPort] = [await freePort(), await freePort()];
        servers[0].server = await startTypeScriptServer({ name: servers[0].name, port: tsPort, host: "127.0.0.1" });
        servers[1].server = await startPythonServer(interpreter, { name: servers[1].name, port: pyPort });
        const certificate = edgeCertificate(dir, [DOMAIN]);
        ca = certificate.cert;
        fs.mkdirSync(path.join(dir, "edge"));
        edge = await startRealEdge({
            dir: path.join(dir, "edge"),
            domain: DOMAIN,
            secret: SECRET,
            certificate,
            servers: servers.map((s) => ({ name: s.name, port: s.server!.port, clients: [CLIENT] })),
        });
    });
    after(async () => {
        await edge?.close();
        for (const s of servers) await s.server?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const url = (name: string): string => `https://${name}.mcp.${DOMAIN}/mcp`;
    const TOKEN = `${CLIENT}.${SECRET}`;
    const reach = (token: string | undefined): McpReach => ({ token, connectTo: { host: "127.0.0.1", port: edge.port }, ca, timeoutMs: 20_000 });
    const text = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;

    for (const s of servers) {
        describe(`the ${s.sdk} SDK's server`, () => {
            it("initializes, lists its tools and answers a tool call, learning the caller from the edge", async () => {
                const { client, transport, close } = mcpClient(url(s.name), reach(TOKEN));
                try {
                    await client.connect(transport);
                    expect(client.getServerVersion()?.name).to.equal(s.name);
                    expect(transport.sessionId, "a stateful session").to.be.a("string");
                    expect((await client.listTools()).tools.map((t) => t.name).sort()).to.deep.equal(["count", "echo", "whoami"]);
                    expect(text(await client.callTool({ name: "echo", arguments: { text: "through the edge" } }))).to.equal("through the edge");
                    expect(JSON.parse(text(await client.callTool({ name: "whoami", arguments: {} })))).to.include({ client: CLIENT, sdk: s.sdk });
                } finally {
                    await close();
                }
            });

            it("answers the Python SDK's own client through the edge: a session, tools/list and tools/call", async () => {
                // Progress through the edge with this client is checked in the Swarm engine tier (it takes seconds).
                const report = await runPythonClient(interpreter, url(s.name), reach(TOKEN), { echo: `python to ${s.sdk}` });
                expect(report.server).to.equal(s.name);
                expect(report.tools).to.deep.equal(["count", "echo", "whoami"]);
                expect(report.echo).to.equal(`python to ${s.sdk}`);
                expect(report.whoami).to.include({ client: CLIENT, sdk: s.sdk });
                expect(report.progress).to.equal(undefined);
                // The Python client asks server/discover first: the Python server answers it with the
                // 2026-07-28 protocol, the TypeScript one does not, and the client falls back to initialize.
                expect(report.protocolVersion).to.equal(s.sdk === "python" ? "2026-07-28" : LATEST_PROTOCOL_VERSION);
            });

            it("refuses the Python SDK's client without a token (401) and for a client its allowlist does not name (403)", async () => {
                for (const [token, status] of [
                    [undefined, 401],
                    [`not-${CLIENT}.${SECRET}`, 403],
                ] as const) {
                    const failure = await runPythonClient(interpreter, url(s.name), reach(token)).catch((e: Error) => e);
                    expect(failure).to.be.instanceOf(Error);
                    expect((failure as Error).message).to.contain(`HTTP ${status} for POST`);
                }
            });

            it("delivers progress notifications as the tool sends them, the first long before the tool ends", async () => {
                await expectProgressAsSent(url(s.name), reach(TOKEN));
            });

            it("ends a session on DELETE: the session's id then gets the spec's 404 for an unknown session", async () => {
                await expectDeletedSessionUnknown(url(s.name), reach(TOKEN));
            });

            it("passes verify's edge check: greet opens a session, lists the tools and ends the session", async () => {
                const greeting = await greet(url(s.name), reach(TOKEN));
                expect(greeting.serverName).to.equal(s.name);
                expect([...greeting.tools!].sort()).to.deep.equal(["count", "echo", "whoami"]);
            });

            it("is refused by the edge without a token (401) and for a client its allowlist does not name (403)", async () => {
                const anonymous = await greet(url(s.name), reach(undefined)).catch((e: McpFailure) => e);
                expect(anonymous).to.be.instanceOf(McpFailure);
                expect((anonymous as McpFailure).status).to.equal(401);
                const stranger = await greet(url(s.name), reach(`not-${CLIENT}.${SECRET}`)).catch((e: McpFailure) => e);
                expect(stranger).to.be.instanceOf(McpFailure);
                expect((stranger as McpFailure).status).to.equal(403);
            });

            it("serves its health path and every metric of the contract, in a format promtool accepts", async () => {
                const base = `http://127.0.0.1:${s.server!.port}`;
                expect((await fetch(`${base}/health`)).status).to.equal(200);
                const exposition = await (await fetch(`${base}/metrics`)).text();
                const lint = spawnSync(requireBinary("promtool"), ["check", "metrics"], { input: exposition, encoding: "utf8" });
                // promtool exits 1 for style hints too; a parse error is "error while linting".
                expect(lint.stderr + lint.stdout).to.not.match(/error while linting/);
                const families = new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
                for (const metric of serverMetrics(true)) expect(families.get(metric.name), metric.name).to.equal(metric.type);
                // Requests through the edge were counted with their status code.
                expect(exposition).to.match(/^http_requests_total\{code="200"\} [1-9]/m);
            });
        });
    }
});
