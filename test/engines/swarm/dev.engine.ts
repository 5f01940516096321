import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, runCliAsync, runPlan } from "../../support/plan";
import { requireBinary, waitFor } from "../../support/tools";
import { Applied, applyPlan } from "./apply";
import { containerOf, convergenceOf, fixtureService, probe, ProbeAnswer, ServiceConvergence, taskAddresses, tasksOf, unkeptFields } from "./cluster";
import { Dockerd } from "./engine";
import { redisSecretValues } from "./cacheSecrets";
import { Forward, forwardInto } from "./forward";
import { buildImages, sdkAssignment } from "./images";
import { engineCatalog } from "./engineCatalog";
import { engineBody, PlanResource } from "./translate";
import { serverMetrics } from "../../../components/monitoring/metricsContract";
import * as YAML from "yaml";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { greet, McpFailure, mcpClient, McpReach } from "../../../commands/release/mcpClient";
import { ensurePythonServerVenv, runPythonClient } from "../../mcpServers/python/python";
import { expectDeletedSessionUnknown, expectProgressAsSent } from "../../mcpServers/sessionChecks";

// The catalog with one public server turned into a stdio server, which runs behind the stdio bridge.
const deployed = engineCatalog();
const catalog = deployed.catalog;
const sdks = sdkAssignment(catalog.servers);
const SINK = "engine-test-webhook-sink";
const PROBE = "engine-test-probe";

const secretKey = (secret: PlanResource): string =>
    (secret.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "sophia.ai/secret")!.value;

/** A self-signed certificate for the edge's server names (the plan's TLS secrets come from ESC). */
function selfSignedCertificate(dir: string, domain: string): { certificate: string; key: string } {
    const [cert, key] = [path.join(dir, "edge.crt"), path.join(dir, "edge.key")];
    execFileSync(
        requireBinary("openssl"),
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=*.mcp.${domain}`, "-keyout", key, "-out", cert],
        {
            stdio: "ignore",
        },
    );
    return { certificate: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
}

/** "service: change" lines grouped by change, so each adaptation prints once with its services. */
function summarise(changes: readonly string[]): string {
    const byChange = new Map<string, string[]>();
    for (const line of changes) {
        const [service, change] = [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)];
        byChange.set(change, [...(byChange.get(change) ?? []), service]);
    }
    return [...byChange].map(([change, services]) => `        - ${change}: ${services.length} service(s): ${services.join(", ")}`).join("\n");
}

describe("the dev stack on a real Docker Swarm", function () {
    const timings: Record<string, number> = {};
    const started = Date.now();
    const mark = (step: string) => (timings[step] = Math.round((Date.now() - started) / 1000));
    let work: string;
    let dockerd: Dockerd;
    let resources: PlanResource[];
    let applied: Applied;
    /** Secret values by secret resource name, as the test supplied them. */
    const secretValues = new Map<string, string>();
    let cache: ReturnType<typeof redisSecretValues>;
    let networks: Map<string, string>;
    let planOut: string;
    let probeContainer: string;
    const ask = (request: Parameters<typeof probe>[2]): ProbeAnswer => probe(dockerd, probeContainer, request);
    const scale = async (service: string, replicas: number): Promise<void> => {
        const current = await dockerd.api.expect<any>("GET", `/services/${service}`);
        const spec = { ...current.Spec, Mode: { Replicated: { Replicas: replicas } } };
        await dockerd.api.expect("POST", `/services/${current.ID}/update?version=${current.Version.Index}`, spec);
    };
    const secretOf = (key: string): string => secretValues.get(resources.find((r) => r.type === "docker:index/secret:Secret" && secretKey(r) === key)!.name)!;
    const prometheusQuery = (query: string): { metric: Record<string, string>; value: [number, string] }[] => {
        const answer = ask({ url: `http://prometheus:9090/api/v1/query?query=${encodeURIComponent(query)}` });
        return (JSON.parse(answer.body ?? "{}") as { data?: { result?: any[] } }).data?.result ?? [];
    };

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-engines-swarm-"));
        const catalogFile = path.join(work, "mcp-servers.yaml");
        fs.writeFileSync(catalogFile, deployed.text);
        const run = runPlan(["--stack", "dev", "--catalog", catalogFile]);
        expect(run.code, run.stderr + run.stdout).to.equal(0);
        const plan = run.plan!;
        planOut = path.join(run.out, "dev");
        resources = plan.resources;
        mark("plan");
        dockerd = new Dockerd(work);
        await dockerd.start();
        mark("engine");
        const services = resources.filter((r) => r.type === "docker:index/service:Service");
        const images = [...new Set(services.map((s) => String(s.inputs.taskSpec.containerSpec.image)))];
        await buildImages(dockerd.api, work, images, sdks);
        mark("images");
        // Redis' ACL file and the passwords it was made from must agree, as the stack's generated ones do.
        cache = redisSecretValues(resources);
        const tls = selfSignedCertificate(work, "dev.sophia-ai.com");
        const special: Record<string, string> = {
            EDGE_TLS_CERTIFICATE: tls.certificate,
            EDGE_TLS_PRIVATE_KEY: tls.key,
            ALERT_SLACK_WEBHOOK_URL: `http://${SINK}:8080/slack`,
        };
        applied = await applyPlan(
            dockerd.api,
            resources,
            (secret) => {
                const value =
                    cache.values.get(secret.name) ??
                    special[secretKey(secret)] ??
                    `engine-test-${secretKey(secret).toLowerCase()}-${crypto.randomBytes(12).toString("hex")}`;
                secretValues.set(secret.name, value);
                return Buffer.from(value).toString("base64");
            },
            { cores: os.cpus().length, dockerSocket: dockerd.socket },
        );
        mark("applied");
        console.log(`      applied ${applied.created.length} resources; sandbox adaptations (see sandbox.ts):\n${summarise(applied.sandboxChanges)}`);
        networks = new Map(
            resources.filter((r) => r.type === "docker:index/network:Network").map((n) => [String(n.inputs.name), applied.ids.get(`${n.name}-id`)!]),
        );
        await dockerd.api.expect("POST", "/services/create", fixtureService(PROBE, "probe", [...networks.values()]));
        await dockerd.api.expect("POST", "/services/create", fixtureService(SINK, "webhook-sink", [networks.get("sophia-monitoring")!]));
    });

    after(async function () {
        mark("done");
        console.log(`      timings (s since start): ${JSON.stringify(timings)}`);
        await dockerd?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("converges: every service of the plan runs its replicas and passes its health check", async function () {
        const wanted = [...applied.services.values()].map((s) => ({ name: String(s.spec.Name), replicas: Number(s.spec.Mode?.Replicated?.Replicas ?? 1) }));
        expect(wanted.length).to.equal(resources.filter((r) => r.type === "docker:index/service:Service").length);
        let last: ServiceConvergence[] = [];
        try {
            await waitFor(
                "every service to converge",
                async () => {
                    last = await Promise.all(wanted.map((w) => convergenceOf(dockerd.api, w.name, w.replicas)));
                    return last.every((c) => c.healthy === c.replicas) ? true : undefined;
                },
                360_000,
                5_000,
            );
        } finally {
            mark("converged");
            const pending = last.filter((c) => c.healthy !== c.replicas);
            if (pending.length > 0) console.log(pending.map((c) => `      not converged: ${c.service} ${c.healthy}/${c.replicas}: ${c.detail}`).join("\n"));
        }
        for (const server of catalog.servers) expect(applied.services.has(`sophia-${server.name}`), server.name).to.be.true;
    });

    it("keeps every field the translation sent: the engine's stored spec holds each one", async function () {
        const unkept: string[] = [];
        for (const service of applied.services.values()) {
            const stored = await dockerd.api.expect<any>("GET", `/services/${service.id}`);
            unkept.push(...unkeptFields(service.spec, stored.Spec, String(service.spec.Name)));
        }
        expect(unkept).to.deep.equal([]);
    });

    it("fails with the engine's own message on a planted bad value", async function () {
        const codacy = applied.services.get("sophia-codacy")!.resource;
        const planted = structuredClone<PlanResource>(codacy);
        planted.inputs.name = "engine-test-planted";
        planted.inputs.taskSpec.restartPolicy.condition = "sometimes";
        const body = engineBody(planted, { ref: (id) => applied.ids.get(id)! });
        // The apply sends each body with EngineApi.expect, which fails with the engine's answer.
        const failure = await dockerd.api.expect("POST", "/services/create", body).then(
            () => "created",
            (error: Error) => error.message,
        );
        expect(failure).to.match(/^POST \/services\/create: 400 .*sometimes/);
    });

    it("mounts every secret as a file under /run/secrets, never as an environment value", async function () {
        let checked = 0;
        for (const service of applied.services.values()) {
            const mounted = (service.spec.TaskTemplate.ContainerSpec.Secrets ?? []) as { SecretName: string; File: { Name: string } }[];
            if (mounted.length === 0) continue;
            const container = await containerOf(dockerd.api, String(service.spec.Name));
            const environment = dockerd.exec(container, ["env"]).stdout;
            for (const secret of mounted) {
                const value = secretValues.get(secret.SecretName)!;
                expect(secret.File.Name, `${service.spec.Name}: ${secret.SecretName}`).to.match(/^\/run\/secrets\//);
                expect(dockerd.exec(container, ["cat", secret.File.Name]).stdout, `${service.spec.Name}: ${secret.File.Name}`).to.equal(value);
                expect(environment.includes(value.split("\n")[0]), `${service.spec.Name}: the value of ${secret.SecretName} is in its environment`).to.be.false;
                checked += 1;
            }
        }
        expect(checked).to.equal([...applied.services.values()].reduce((n, s) => n + (s.spec.TaskTemplate.ContainerSpec.Secrets ?? []).length, 0));
        expect(checked).to.be.greaterThan(0);
    });

    it("runs Redis with its ACL file: no anonymous client, each cache server's user on its own prefix only", async function () {
        const container = await containerOf(dockerd.api, "sophia-redis");
        const cli = (user: string | undefined, ...command: string[]) => {
            const auth = user ? `REDISCLI_AUTH='${cache.passwords.get(user)}' ` : "";
            const login = user ? `--user ${user} ` : "";
            const run = dockerd.exec(container, ["sh", "-c", `${auth}redis-cli --no-auth-warning ${login}-h 127.0.0.1 -p 6379 ${command.join(" ")}`]);
            return `${run.stdout}${run.stderr}`.trim();
        };
        expect(cli(undefined, "ping")).to.match(/NOAUTH/);
        const servers = catalog.servers.filter((s) => s.cache).map((s) => s.name);
        expect(servers).to.not.be.empty;
        for (const [i, server] of servers.entries()) {
            expect(cli(server, "set", `${server}:engine`, "stored"), server).to.equal("OK");
            expect(cli(server, "get", `${server}:engine`), server).to.equal("stored");
            const other = servers[(i + 1) % servers.length];
            if (other !== server) expect(cli(server, "get", `${other}:engine`), `${server} reading ${other}'s key`).to.match(/NOPERM/);
            expect(cli(server, "set", "shared:engine", "x"), `${server} outside its prefix`).to.match(/NOPERM/);
        }
    });

    describe("through the real edge with a real token, with the official SDK's client", function () {
        const routed = catalog.servers.filter((s) => s.expose === "public");
        let edge: Forward;
        let ca: string;
        const url = (server: string): string => `https://${server}.mcp.dev.sophia-ai.com/mcp`;
        const reach = (token: string | undefined): McpReach => ({ token, connectTo: { host: "127.0.0.1", port: edge.port }, ca, timeoutMs: 30_000 });
        const tokenOf = (client: string): string => `${client}.${secretOf("EDGE_OIDC_CLIENT_SECRET")}`;
        const text = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;

        before(async function () {
            probeContainer = await containerOf(dockerd.api, PROBE);
            edge = await forwardInto(dockerd, probeContainer, "edge-gateway", 8443);
            ca = fs.readFileSync(path.join(work, "edge.crt"), "utf8");
            expect(routed.length).to.be.greaterThan(0);
            expect(new Set(routed.map((s) => sdks.get(s.name))), "public servers of both SDKs and a stdio server").to.deep.equal(
                new Set(["mcp-typescript", "mcp-python", "mcp-stdio"]),
            );
        });
        after(async () => edge?.close());

        it("initialize, tools/list and tools/call reach every public server: an HTTP server learns the client from the edge, a stdio server answers from its stdio process", async function () {
            for (const server of routed) {
                const { client, transport, close } = mcpClient(url(server.name), reach(tokenOf(server.clients[0])));
                try {
                    await client.connect(transport);
                    expect(client.getServerVersion()?.name).to.equal(server.name);
                    expect((await client.listTools()).tools.map((t) => t.name).sort()).to.deep.equal(["count", "echo", "whoami"]);
                    expect(text(await client.callTool({ name: "echo", arguments: { text: server.name } }))).to.equal(server.name);
                    const who = JSON.parse(text(await client.callTool({ name: "whoami", arguments: {} }))) as Record<string, unknown>;
                    if (server.transport === "stdio")
                        // A stdio process sees no HTTP headers: the bridge started the TypeScript SDK's stdio server for this session.
                        expect(who, `${server.name} behind the stdio bridge`).to.deep.include({ sdk: "typescript", transport: "stdio" });
                    else
                        expect(who, "nginx passes the authenticated client on").to.deep.include({
                            client: server.clients[0],
                            sdk: sdks.get(server.name)!.slice(4),
                        });
                } finally {
                    await close();
                }
            }
        });

        it("refuses a request without a token (401 and the metadata challenge), a wrong secret (401) and a client the server does not allow (403)", async function () {
            for (const server of routed) {
                const host = `${server.name}.mcp.dev.sophia-ai.com`;
                const anonymous = ask({ url: "https://edge-gateway:8443/mcp", method: "POST", servername: host });
                expect(anonymous.status, `${server.name} without a token: ${JSON.stringify(anonymous)}`).to.equal(401);
                expect(anonymous.headers?.["www-authenticate"]).to.contain(`https://${host}/.well-known/oauth-protected-resource/mcp`);
                const failures = await Promise.all(
                    [undefined, `${server.clients[0]}.not-the-secret`, tokenOf(`not-${server.clients.join("-")}`)].map((token) =>
                        greet(url(server.name), reach(token)).then(
                            () => undefined,
                            (e: McpFailure) => e.status,
                        ),
                    ),
                );
                expect(failures, server.name).to.deep.equal([401, 401, 403]);
            }
        });

        it("delivers progress notifications as the tool sends them, through the edge, from both SDKs' servers and the stdio server", async function () {
            for (const sdk of ["mcp-typescript", "mcp-python", "mcp-stdio"] as const) {
                const server = routed.find((s) => sdks.get(s.name) === sdk)!;
                await expectProgressAsSent(url(server.name), reach(tokenOf(server.clients[0]))).catch((error: Error) => {
                    throw new Error(`${server.name} (${sdk}): ${error.message}`);
                });
            }
        });

        it("answers the Python SDK's own client on every public server: a session, tools/list, tools/call and progress as sent", async function () {
            const interpreter = ensurePythonServerVenv(path.join(ROOT, ".cache", "mcp-python-venv"));
            for (const server of routed) {
                const report = await runPythonClient(interpreter, url(server.name), reach(tokenOf(server.clients[0])), { echo: server.name, progressSteps: 4 });
                const where = `${server.name} (${sdks.get(server.name)}): ${JSON.stringify(report)}`;
                expect(report.server, where).to.equal(server.name);
                expect(report.tools, where).to.deep.equal(["count", "echo", "whoami"]);
                expect(report.echo, where).to.equal(server.name);
                if (server.transport !== "stdio") expect(report.whoami, where).to.include({ client: server.clients[0] });
                expect(report.progress!.arrivals, where).to.have.length(4);
                expect(report.progress!.arrivals[0], where).to.be.below(report.progress!.ended - 2000);
            }
        });

        it("keeps each session on its replica of a two-replica sessionAffinity server, spreads new sessions, and answers 404 when the replica dies", async function () {
            const server = routed.find((s) => s.sessionAffinity);
            expect(server, "the catalog has a public server with session affinity").to.not.equal(undefined);
            const name = `sophia-${server!.name}`;
            const planned = applied.services.get(name)!.spec.Mode.Replicated.Replicas as number;
            const replicas = planned + 1;
            const healthy = (count: number) => async () => {
                const c = await convergenceOf(dockerd.api, name, count);
                return c.healthy === count && (await tasksOf(dockerd.api, name)).filter((t) => t.state === "running").length === count ? c : undefined;
            };
            const token = tokenOf(server!.clients[0]);
            // The edge limits each client's request rate (429 above it): the calls keep below the dev stack's.
            const { requestsPerSecond } = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config["sophia:edge"].rateLimit;
            const pause = (requests: number) => new Promise((resolve) => setTimeout(resolve, (requests * 1500) / requestsPerSecond));
            const open = async () => {
                // initialize, its notification, the GET stream, a tool call and the DELETE at the end.
                await pause(5);
                const session = mcpClient(url(server!.name), reach(token));
                await session.client.connect(session.transport);
                return session;
            };
            const replicaOf = async (session: ReturnType<typeof mcpClient>): Promise<string> => {
                await pause(1);
                return (JSON.parse(text(await session.client.callTool({ name: "whoami", arguments: {} }))) as { replica: string }).replica;
            };
            await scale(name, replicas);
            try {
                await waitFor(`${name} to run ${replicas} healthy replicas`, healthy(replicas), 180_000, 2_000);
                // New sessions spread over the replicas; the gateway sees a new one within its DNS lookup interval.
                const seen = new Set<string>();
                await waitFor(
                    `new sessions to reach all ${replicas} replicas of ${name}`,
                    async () => {
                        const session = await open();
                        try {
                            seen.add(await replicaOf(session));
                        } finally {
                            await session.close();
                        }
                        return seen.size === replicas ? seen : undefined;
                    },
                    60_000,
                    200,
                );
                const session = await open();
                try {
                    const home = await replicaOf(session);
                    const answers: string[] = [];
                    for (let i = 0; i < 50; i++) answers.push(await replicaOf(session));
                    expect(new Set(answers), `50 calls of one session: ${answers.join(" ")}`).to.deep.equal(new Set([home]));
                    // The session's replica dies (its container's host name is what whoami answers).
                    const running = (await tasksOf(dockerd.api, name)).filter((t) => t.state === "running" && t.containerId);
                    const hosts = await Promise.all(
                        running.map(async (t) => ({ task: t, inspect: await dockerd.api.expect<any>("GET", `/containers/${t.containerId}/json`) })),
                    );
                    const victim = hosts.find((h) => h.inspect.Config.Hostname === home);
                    expect(victim, `the container whose host name is ${home}`).to.not.equal(undefined);
                    await dockerd.api.expect("POST", `/containers/${victim!.task.containerId}/kill`);
                    const failure = await replicaOf(session).then(
                        () => undefined,
                        (error: StreamableHTTPError) => error.code,
                    );
                    expect(failure, "the MCP answer for an unknown session").to.equal(404);
                } finally {
                    await session.close();
                }
                const again = await open();
                try {
                    const survivor = await replicaOf(again);
                    expect(survivor).to.not.equal(undefined);
                    expect(await replicaOf(again), "the new session stays on its replica").to.equal(survivor);
                } finally {
                    await again.close();
                }
            } finally {
                await scale(name, planned);
                await waitFor(`${name} back to ${planned} replica(s)`, healthy(planned), 180_000, 2_000);
            }
        });

        it("ends a session on DELETE: the session's id then gets 404, the spec's answer for an unknown session (both SDKs' servers and the stdio bridge)", async function () {
            for (const sdk of ["mcp-typescript", "mcp-python", "mcp-stdio"] as const) {
                const server = routed.find((s) => sdks.get(s.name) === sdk)!;
                await expectDeletedSessionUnknown(url(server.name), reach(tokenOf(server.clients[0]))).catch((error: Error) => {
                    throw new Error(`${server.name} (${sdk}): ${error.message}`);
                });
            }
        });
    });

    it("Prometheus scrapes every MCP server at its task address on the monitoring network, and the metrics contract holds", async function () {
        probeContainer = await containerOf(dockerd.api, PROBE);
        // One MCP session per server (internal ones too), by its Swarm DNS name, so that every server has counted requests.
        for (const server of catalog.servers) {
            const forward = await forwardInto(dockerd, probeContainer, server.name, server.port);
            try {
                const greeting = await greet(`http://127.0.0.1:${forward.port}${server.mcpPath}`, { timeoutMs: 30_000 });
                expect(greeting.serverName).to.equal(server.name);
            } finally {
                await forward.close();
            }
        }
        const targets = await waitFor(
            "every MCP server's target to be up with its requests scraped",
            () => {
                const names = new Set(catalog.servers.map((s) => s.name));
                const up = prometheusQuery('up{group="mcp"} == 1').filter((t) => names.has(t.metric.service));
                const counted = prometheusQuery('count by (service) (http_requests_total{group="mcp"})').filter((t) => names.has(t.metric.service));
                return up.length === names.size && counted.length === names.size ? up : undefined;
            },
            180_000,
            5_000,
        );
        mark("scraped");
        const monitoringAddresses = await taskAddresses(dockerd.api, "sophia-monitoring");
        for (const server of catalog.servers) {
            const target = targets.find((t) => t.metric.service === server.name);
            expect(target, `${server.name} is not an up target`).to.not.be.undefined;
            expect(target!.metric.tier).to.equal(server.tier);
            const [address, port] = target!.metric.instance.split(":");
            expect(port).to.equal(String(server.port));
            expect(
                monitoringAddresses.get(`sophia-${server.name}`),
                `${server.name}: the scraped address is its task's address on sophia-monitoring`,
            ).to.include(address);
            for (const metric of serverMetrics(server.cache)) {
                const series = metric.type === "histogram" ? `${metric.name}_bucket` : metric.name;
                const found = prometheusQuery(`${series}{service="${server.name}"}`);
                expect(found.length, `${server.name} exposes ${series}`).to.be.greaterThan(0);
                if (metric.type === "histogram") expect(found.map((f) => Number(f.metric.le))).to.include.members([0.2, 0.5]);
            }
        }
    });

    // After the checks through the edge: the stopped server's new task has a new address, which the
    // edge (nginx resolves its upstreams when it starts; dnsrr here, see sandbox.ts) does not learn.
    describe("npm run verify", function () {
        it("npm run verify passes the live stack through forwards into the Swarm, and fails on a wrong token and a stopped server", async function () {
            const routed = catalog.servers.filter((s) => s.expose === "public");
            // Stop a public server no later test uses (they fault the first critical and update the first low one).
            const stopped = routed.find(
                (s) => s !== catalog.servers.find((c) => c.tier === "critical") && s !== catalog.servers.find((c) => c.tier === "low"),
            )!;
            const forwards = await Promise.all(
                (
                    [
                        ["edge-gateway", 8443],
                        ["prometheus", 9090],
                        ["alertmanager", 9093],
                    ] as const
                ).map(([host, port]) => forwardInto(dockerd, probeContainer, host, port)),
            );
            const [edge, prometheus, alertmanager] = forwards.map((f) => f.port);
            const args = ["--stack", "dev", "--edge-address", `127.0.0.1:${edge}`, "--ca-file", path.join(work, "edge.crt"), "--timeout", "20"];
            const env = {
                SOPHIA_PROMETHEUS_URL: `http://127.0.0.1:${prometheus}`,
                SOPHIA_ALERTMANAGER_URL: `http://127.0.0.1:${alertmanager}`,
                SOPHIA_VERIFY_TOKEN: `${stopped.clients[0]}.${secretOf("EDGE_OIDC_CLIENT_SECRET")}`,
            };
            const verify = (extra: Record<string, string> = {}) => runCliAsync("commands/release/verifyCli.ts", args, { ...env, ...extra });
            try {
                const passed = await verify();
                mark("verified");
                expect(passed.code, passed.stdout + passed.stderr).to.equal(0);
                for (const server of routed) expect(passed.stdout).to.include(`PASS  edge ${server.name}: initialize answered`);
                expect(passed.stdout).to.include(`PASS  prometheus targets: all ${catalog.servers.length} MCP servers are up targets`);
                expect(passed.stdout).to.match(/PASS {2}alertmanager config: loaded the rendered routing/);

                const wrongToken = await verify({ SOPHIA_VERIFY_TOKEN: `${stopped.clients[0]}.not-the-secret` });
                expect(wrongToken.code).to.equal(1);
                for (const server of routed) expect(wrongToken.stdout).to.include(`FAIL  edge ${server.name}: POST https://${server.name}.mcp.`);
                expect(wrongToken.stdout).to.include("401, the edge refused the token in SOPHIA_VERIFY_TOKEN");

                await scale(`sophia-${stopped.name}`, 0);
                // Scaling down returns at once; the task stops after its grace period.
                await waitFor(
                    `${stopped.name}'s task to stop`,
                    async () => ((await tasksOf(dockerd.api, `sophia-${stopped.name}`)).every((t) => t.state !== "running") ? true : undefined),
                    120_000,
                    2_000,
                );
                const failed = await verify();
                expect(failed.code, failed.stdout).to.equal(1);
                expect(failed.stdout).to.match(new RegExp(`FAIL {2}edge ${stopped.name}: `));
                expect(failed.stdout).to.include("NOT verified");
            } finally {
                await Promise.all(forwards.map((f) => f.close()));
                await scale(`sophia-${stopped.name}`, 1);
                await waitFor(
                    `${stopped.name} to be healthy again`,
                    async () => ((await convergenceOf(dockerd.api, `sophia-${stopped.name}`, 1)).healthy === 1 ? true : undefined),
                    120_000,
                    3_000,
                );
                mark("verifyDone");
            }
        });
    });

    describe("the behaviours that take minutes, started together so that their waits overlap", function () {
        const failing = catalog.servers.find((s) => s.tier === "critical")!;
        const updated = catalog.servers.find((s) => s.tier === "low") ?? catalog.servers[0];
        let planned: Record<string, any>;

        before(async function () {
            const fault = ask({ url: `http://${failing.name}:${failing.port}/fault`, method: "POST" });
            expect(fault.status).to.equal(202);
            const current = await dockerd.api.expect<any>("GET", `/services/sophia-${updated.name}`);
            planned = applied.services.get(`sophia-${updated.name}`)!.spec;
            expect(current.Spec.UpdateConfig.FailureAction).to.equal("rollback");
            const broken = structuredClone(current.Spec);
            // The engine answers with Go's field name, Healthcheck; it reads field names case-insensitively.
            broken.TaskTemplate.ContainerSpec.Healthcheck.Test = ["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${updated.port}/no-such-health-endpoint`];
            await dockerd.api.expect("POST", `/services/${current.ID}/update?version=${current.Version.Index}`, broken);
        });

        it("an alert fired by a failing server reaches Alertmanager and its tier's receiver", async function () {
            const server = failing;
            const alertmanagerConfig = YAML.parse(fs.readFileSync(path.join(planOut, "monitoring/alertmanager.yml"), "utf8"));
            const received = await waitFor(
                `an alert of ${server.name} at the webhook sink`,
                () => {
                    const sink = JSON.parse(ask({ url: `http://${SINK}:8080/received` }).body ?? "[]") as { path: string; body: any }[];
                    const hit = sink.filter((m) => JSON.stringify(m.body).includes(server.name));
                    return hit.length > 0 ? hit : undefined;
                },
                300_000,
                5_000,
            );
            mark("alerted");
            const alerts = JSON.parse(ask({ url: "http://alertmanager:9093/api/v2/alerts" }).body ?? "[]") as { labels: Record<string, string> }[];
            const fired = alerts.filter((a) => a.labels.service === server.name);
            expect(fired.length, "the alert is in Alertmanager").to.be.greaterThan(0);
            const severity = fired[0].labels.severity;
            // The channel of the Slack receiver the generated routing sends this severity to.
            const route = (alertmanagerConfig.route.routes as { receiver: string; matchers: string[] }[]).find(
                (r) => r.matchers.includes(`severity="${severity}"`) && alertmanagerConfig.receivers.find((x: any) => x.name === r.receiver).slack_configs,
            )!;
            const channel = alertmanagerConfig.receivers.find((x: any) => x.name === route.receiver).slack_configs[0].channel as string;
            expect(received.map((m) => m.path)).to.include("/slack");
            expect(
                received.map((m) => m.body.channel),
                `the ${severity} route's receiver ${route.receiver}`,
            ).to.include(channel);
        });

        it("rolls back, by Swarm itself, an update whose new task fails its health check", async function () {
            const name = `sophia-${updated.name}`;
            const final = await waitFor(
                `${name}'s update to be rolled back`,
                async () => {
                    const service = await dockerd.api.expect<any>("GET", `/services/${name}`);
                    return service.UpdateStatus?.State === "rollback_completed" ? service : undefined;
                },
                300_000,
                5_000,
            );
            mark("rolledBack");
            expect(final.Spec.TaskTemplate.ContainerSpec.Healthcheck.Test).to.deep.equal(planned.TaskTemplate.ContainerSpec.HealthCheck.Test);
            // The task that ran the failed update's spec is among the service's tasks, failed and shut down.
            const filters = encodeURIComponent(JSON.stringify({ service: { [name]: true } }));
            const tasks = await dockerd.api.expect<any[]>("GET", `/tasks?filters=${filters}`);
            const brokenTasks = tasks.filter((t) => JSON.stringify(t.Spec.ContainerSpec.Healthcheck?.Test).includes("/no-such-health-endpoint"));
            expect(brokenTasks.length, "a task of the failed update ran").to.be.greaterThan(0);
            expect(
                brokenTasks.map((t) => t.DesiredState),
                "Swarm stopped it",
            ).to.satisfy((states: string[]) => states.every((s) => s === "shutdown"));
            const convergence = await waitFor(
                "the rolled back service to be healthy",
                async () => {
                    const c = await convergenceOf(dockerd.api, name, 1);
                    return c.healthy === 1 ? c : undefined;
                },
                120_000,
                3_000,
            );
            expect(convergence.healthy).to.equal(1);
        });
    });
});
