import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { StackExpectations, stackExpectations } from "../../commands/release/expectations";
import { checkEdgeHealth, checkEdgeRefusesAnonymous, LiveStack } from "../../commands/release/verify";
import { ROOT, runCliAsync, runCommandInProcess } from "../support/plan";
import { freePort } from "../support/tools";
import { RealEdge, startRealEdge } from "../edge/realEdge";
import { Listening, startRefusingServer, startSilentServer } from "../mcpServers/broken";
import { startTypeScriptServer } from "../mcpServers/typescript/server";
import { edgeCertificate, Fake, fakeAlertmanager, fakePrometheus } from "./fakes";

const CLI = "commands/release/verifyCli.ts";
const SECRET = "fake-secret";

/** The public servers of a stack as MCP servers built with the official TypeScript SDK behind the real edge (nginx). */
class LiveEdge {
    private readonly running = new Map<string, Listening>();
    private edge?: RealEdge;
    readonly ports = new Map<string, number>();

    constructor(
        readonly expected: StackExpectations,
        private readonly dir: string,
    ) {}

    async start(certificate: { certFile: string; keyFile: string }): Promise<void> {
        for (const server of this.expected.publicServers) this.ports.set(server.name, await freePort());
        for (const server of this.expected.publicServers)
            await this.replace(server.name, (port) => startTypeScriptServer({ name: server.name, port, host: "127.0.0.1" }));
        fs.mkdirSync(this.dir, { recursive: true });
        this.edge = await startRealEdge({
            dir: this.dir,
            domain: this.expected.domain!,
            secret: SECRET,
            certificate,
            servers: this.expected.publicServers.map((s) => ({ name: s.name, port: this.ports.get(s.name)!, clients: s.clients })),
        });
    }

    get port(): number {
        return this.edge!.port;
    }

    log(): string {
        return this.edge?.log() ?? "";
    }

    /** Puts another server (or none) on the port the edge routes `name` to. */
    async replace(name: string, start?: (port: number) => Promise<Listening>): Promise<void> {
        await this.running.get(name)?.close();
        this.running.delete(name);
        if (start) this.running.set(name, await start(this.ports.get(name)!));
    }

    async close(): Promise<void> {
        await Promise.all([...this.running.values()].map((s) => s.close()));
        await this.edge?.close();
    }
}

/** A token of a client every public server of the stack allows (the edge's allowlist checks it). */
const tokenFor = (expected: StackExpectations): string => `${expected.publicServers[0].clients[0]}.${SECRET}`;

/**
 * npm run verify against a stack's public servers built with the official MCP SDK behind the real edge
 * (nginx with the rendered config), and fakes of Prometheus and Alertmanager on 127.0.0.1: every check
 * passes against a healthy stack, and each planted fault fails the run with the check and the reason.
 * What they serve comes from the same catalog and stack settings verify reads.
 */
describe("npm run verify against SDK-built MCP servers behind the real edge", function () {
    this.timeout(60_000);
    const dev = stackExpectations("dev");
    const staging = stackExpectations("staging");
    const TOKEN = tokenFor(dev);
    const fakes: Fake[] = [];
    // The folder and the edges are made in `before`, not when the file loads: a mutation run runs the
    // suite again in one process, after `after` removed the folder and closed the edges.
    let dir: string;
    let devEdge: LiveEdge;
    let stagingEdge: LiveEdge;
    let certFile: string;
    let renderedConfig: string;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-verify-"));
        devEdge = new LiveEdge(dev, path.join(dir, "dev-edge"));
        stagingEdge = new LiveEdge(staging, path.join(dir, "staging-edge"));
        const tls = edgeCertificate(dir, [dev.domain!, staging.domain!]);
        certFile = tls.certFile;
        await devEdge.start(tls);
        await stagingEdge.start(tls);
        renderedConfig = YAML.stringify(dev.alertmanager);
    });
    after(async () => {
        await Promise.all([...fakes.splice(0).map((f) => f.close()), devEdge.close(), stagingEdge.close()]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const allUp = (stack = dev): Record<string, "0" | "1"> => Object.fromEntries(stack.servers.map((s) => [s, "1" as const]));
    async function start(prometheus: Parameters<typeof fakePrometheus>[0], alertmanagerYaml = renderedConfig, edge = devEdge): Promise<string[]> {
        const [p, a] = await Promise.all([fakePrometheus(prometheus), fakeAlertmanager(alertmanagerYaml)]);
        fakes.push(p, a);
        return ["--prometheus-url", p.url, "--alertmanager-url", a.url, "--edge-address", `127.0.0.1:${edge.port}`, "--ca-file", certFile];
    }
    // The healthy run is the program as the deploy workflow starts it; the rest run the same command in this process.
    const verifyProcess = (stack: string, args: string[]) => runCliAsync(CLI, ["--stack", stack, ...args], { SOPHIA_VERIFY_TOKEN: TOKEN });
    const verify = (stack: string, args: string[], env: Record<string, string> = { SOPHIA_VERIFY_TOKEN: TOKEN }) =>
        runCommandInProcess(CLI, ["--stack", stack, ...args], env);
    const live = (token: string | undefined, timeoutMs = 5000): LiveStack => ({
        token,
        connectTo: { host: "127.0.0.1", port: devEdge.port },
        ca: fs.readFileSync(certFile, "utf8"),
        timeoutMs,
    });

    it("passes a healthy stack: every public server through the edge, 401 without a token, every target up, our routing loaded", async () => {
        const run = await verifyProcess("dev", await start({ up: allUp() }));
        expect(run.code, run.stdout + run.stderr + devEdge.log()).to.equal(0);
        expect(dev.publicServers.length).to.be.greaterThan(0);
        for (const server of dev.publicServers) {
            // The SDK's client opened a session with the SDK's server through nginx, listed its tools and ended it.
            expect(run.stdout).to.include(`PASS  edge ${server.name}: initialize answered through ${server.url} (server ${server.name}, 3 tools)`);
            expect(run.stdout).to.include(`PASS  edge ${server.name} without a token: 401`);
        }
        expect(run.stdout).to.include(`PASS  prometheus targets: all ${dev.servers.length} MCP servers are up targets`);
        expect(run.stdout).to.match(/PASS {2}alertmanager config: loaded the rendered routing/);
        expect(run.stdout).to.include("SKIP  backups: stack dev has no backups (sophia:backup is not set)");
        expect(run.stdout).to.match(/Checks: \d+ passed, 0 failed, 1 skipped in [\d.]+ s: verified/);
        expect(run.stdout + run.stderr, "the token is never printed").to.not.include(TOKEN);
        // Each session was ended with DELETE, as the edge passed it on.
        expect(devEdge.log()).to.match(/"DELETE \/mcp HTTP\/1.1" 200/);
    });

    it("fails naming a server the edge cannot reach, and a server Prometheus finds down or does not scrape", async () => {
        const [unreachable, down, unscraped] = [dev.publicServers[0].name, dev.servers[1], dev.servers[2]];
        await devEdge.replace(unreachable);
        const up = allUp();
        up[down] = "0";
        delete up[unscraped];
        try {
            const run = await verify("dev", await start({ up }));
            expect(run.code, run.stdout).to.equal(1);
            expect(run.stdout).to.match(new RegExp(`FAIL {2}edge ${unreachable}: POST \\S+: 502`));
            expect(run.stdout).to.include(
                `FAIL  prometheus targets: 2 of ${dev.servers.length} MCP servers are not up targets (down: ${down}; not scraped at all: ${unscraped})`,
            );
            expect(run.stdout).to.include("NOT verified");
        } finally {
            await devEdge.replace(unreachable, (port) => startTypeScriptServer({ name: unreachable, port, host: "127.0.0.1" }));
        }
    });

    it("fails, exit 1 and the server's reason, when a server answers initialize with an error", async () => {
        const broken = dev.publicServers[0];
        await devEdge.replace(broken.name, (port) => startRefusingServer(port, "protocol version not supported here"));
        try {
            const run = await verify("dev", await start({ up: allUp() }));
            expect(run.code, run.stdout).to.equal(1);
            expect(run.stdout).to.include(
                `FAIL  edge ${broken.name}: POST ${broken.url}: the server answered with error -32600: protocol version not supported here`,
            );
            for (const healthy of dev.publicServers.slice(1)) expect(run.stdout).to.include(`PASS  edge ${healthy.name}: initialize answered`);
        } finally {
            await devEdge.replace(broken.name, (port) => startTypeScriptServer({ name: broken.name, port, host: "127.0.0.1" }));
        }
    });

    it("fails, exit 1 and the timeout, when a server never answers", async () => {
        const silent = dev.publicServers[0];
        await devEdge.replace(silent.name, (port) => startSilentServer(port));
        try {
            const run = await verify("dev", [...(await start({ up: allUp() })), "--timeout", "2"]);
            expect(run.code, run.stdout).to.equal(1);
            expect(run.stdout).to.include(`FAIL  edge ${silent.name}: POST ${silent.url}: no answer within 2 s`);
        } finally {
            await devEdge.replace(silent.name, (port) => startTypeScriptServer({ name: silent.name, port, host: "127.0.0.1" }));
        }
    });

    it("fails when the edge refuses the service token", async () => {
        const wrong = `${dev.publicServers[0].clients[0]}.wrong`;
        const run = await verify("dev", await start({ up: allUp() }), { SOPHIA_VERIFY_TOKEN: wrong });
        expect(run.code).to.equal(1);
        for (const server of dev.publicServers) expect(run.stdout).to.include(`FAIL  edge ${server.name}: POST ${server.url}: 401, the edge refused the token`);
        expect(run.stdout).to.not.include(wrong);
    });

    it("fails when the token's client may not use a server (the edge's allowlist answers 403)", async () => {
        const server = dev.publicServers[0];
        const results = await checkEdgeHealth(dev, live(`not-${server.clients.join("-")}.${SECRET}`));
        expect(results.find((r) => r.check === `edge ${server.name}`)).to.deep.include({
            status: "fail",
            detail: `POST ${server.url}: 403, the token's client may not use this server (allowed: ${server.clients.join(", ")})`,
        });
    });

    it("fails, naming the address, when nothing listens where the edge should be", async () => {
        const closed = await freePort();
        const results = await checkEdgeHealth(dev, { ...live(TOKEN), connectTo: { host: "127.0.0.1", port: closed } });
        for (const server of dev.publicServers)
            expect(results.find((r) => r.check === `edge ${server.name}`)).to.deep.include({
                status: "fail",
                detail: `POST ${server.url}: connection to 127.0.0.1:${closed} refused`,
            });
    });

    it("fails, naming the host, when the edge's name does not resolve", async () => {
        // .invalid never resolves (RFC 2606).
        const nowhere = { ...dev, publicServers: [{ ...dev.publicServers[0], url: "https://edge.sophia.invalid/mcp" }] };
        const [result] = await checkEdgeHealth(nowhere, { timeoutMs: 5000, token: TOKEN });
        expect(result).to.deep.include({ status: "fail", detail: "POST https://edge.sophia.invalid/mcp: edge.sophia.invalid does not resolve" });
    });

    it("the anonymous check fails when a route lets a request without a token through", async () => {
        // The SDK server itself, reached without the edge, opens a session for anyone: that is what the check must catch.
        const server = dev.publicServers[0];
        const url = `http://127.0.0.1:${devEdge.ports.get(server.name)}/mcp`;
        const results = await checkEdgeRefusesAnonymous({ ...dev, publicServers: [{ ...server, url }] }, { timeoutMs: 5000 });
        expect(results).to.deep.equal([
            {
                check: `edge ${server.name} without a token`,
                status: "fail",
                detail: `POST ${url} without a token opened an MCP session: the route is not protected`,
            },
        ]);
    });

    it("fails when Alertmanager runs other routing: a receiver missing, one changed", async () => {
        const loaded = structuredClone(dev.alertmanager) as { receivers: { name: string; slack_configs?: { channel: string }[] }[] };
        const [removed] = loaded.receivers.splice(0, 1);
        const changed = loaded.receivers.find((r) => r.slack_configs)!;
        changed.slack_configs![0].channel = "#elsewhere";
        const run = await verify("dev", await start({ up: allUp() }, YAML.stringify(loaded)));
        expect(run.code).to.equal(1);
        expect(run.stdout).to.include(`receiver ${removed.name} is missing`);
        expect(run.stdout).to.include(`receiver ${changed.name} has slack_configs(#elsewhere)`);
    });

    it("fails on a backup older than the RPO and on a target that never reported one; passes fresh ones (stacks with backups)", async () => {
        const backups = staging.backups!;
        const [stale, never] = backups.targets;
        expect(never, "the stack backs up two targets or more").to.be.a("string");
        const late = backups.rpoSeconds + 600;
        const run = await verify(
            "staging",
            await start({ up: allUp(staging), backupAges: { [stale]: late } }, YAML.stringify(staging.alertmanager), stagingEdge),
            { SOPHIA_VERIFY_TOKEN: tokenFor(staging) },
        );
        expect(run.code, run.stdout).to.equal(1);
        expect(run.stdout).to.include(`FAIL  backup ${stale}: newest success ${late / 60} min ago, older than the ${backups.rpoSeconds / 60} min RPO`);
        expect(run.stdout).to.include(`FAIL  backup ${never}: no successful ${never} backup reported`);
        const fresh = Object.fromEntries(backups.targets.map((t) => [t, 300]));
        const healthy = await verify("staging", await start({ up: allUp(staging), backupAges: fresh }, YAML.stringify(staging.alertmanager), stagingEdge), {
            SOPHIA_VERIFY_TOKEN: tokenFor(staging),
        });
        expect(healthy.code, healthy.stdout).to.equal(0);
        for (const target of backups.targets) expect(healthy.stdout).to.include(`PASS  backup ${target}: newest success 5 min ago`);
    });

    it("fails, naming the URL, when Prometheus or Alertmanager cannot be reached", async () => {
        const args = await start({ up: allUp() });
        const closed = await fakePrometheus({ up: {} });
        await closed.close();
        args[1] = closed.url;
        args[3] = closed.url;
        const run = await verify("dev", args);
        expect(run.code).to.equal(1);
        expect(run.stdout).to.include(`FAIL  prometheus targets: Prometheus at ${closed.url}: connection to 127.0.0.1:${closed.port} refused`);
        expect(run.stdout).to.include(`FAIL  alertmanager config: Alertmanager at ${closed.url}: connection to 127.0.0.1:${closed.port} refused`);
    });

    describe("usage errors exit 2, naming the flag or variable and the fix, and check nothing", () => {
        const cases: [string, string[], Record<string, string>, RegExp][] = [
            ["an unknown stack", ["--stack", "prd"], {}, /unknown stack "prd" \(from --stack\): did you mean prod\?/],
            [
                "a malformed URL",
                ["--stack", "dev", "--prometheus-url", "localhost:9090", "--alertmanager-url", "http://x"],
                {},
                /--prometheus-url "localhost:9090" is not an http\(s\) URL/,
            ],
            [
                "no Prometheus URL",
                ["--stack", "dev", "--alertmanager-url", "http://x"],
                { SOPHIA_PROMETHEUS_URL: "" },
                /no Prometheus URL: pass --prometheus-url or set SOPHIA_PROMETHEUS_URL/,
            ],
            [
                "a missing token",
                ["--stack", "dev", "--prometheus-url", "http://x", "--alertmanager-url", "http://x"],
                { SOPHIA_VERIFY_TOKEN: "" },
                /SOPHIA_VERIFY_TOKEN is not set/,
            ],
            [
                "a bad edge address",
                ["--stack", "dev", "--prometheus-url", "http://x", "--alertmanager-url", "http://x", "--edge-address", "nowhere"],
                {},
                /--edge-address "nowhere" is not host:port/,
            ],
            [
                "an unreadable CA file",
                ["--stack", "dev", "--prometheus-url", "http://x", "--alertmanager-url", "http://x", "--ca-file", "/no/such.pem"],
                {},
                /--ca-file \/no\/such.pem: cannot read it \(ENOENT\)/,
            ],
            ["an unknown flag", ["--stack", "dev", "--prometheus", "http://x"], {}, /unknown option --prometheus \(did you mean --prometheus-url\?\)/],
            [
                "every missing prerequisite at once",
                ["--stack", "dev", "--ca-file", "/no/such.pem"],
                { SOPHIA_PROMETHEUS_URL: "", SOPHIA_ALERTMANAGER_URL: "", SOPHIA_VERIFY_TOKEN: "" },
                /4 problems:\n {2}- no Prometheus URL: .*\n {2}- no Alertmanager URL: .*\n {2}- SOPHIA_VERIFY_TOKEN is not set: .*\n {2}- --ca-file \/no\/such\.pem: cannot read it/,
            ],
        ];
        for (const [what, args, env, message] of cases) {
            it(what, async () => {
                const run = await runCommandInProcess(CLI, args, { SOPHIA_VERIFY_TOKEN: TOKEN, ...env });
                expect(run.code, run.stderr).to.equal(2);
                expect(run.stderr).to.match(message);
                expect(run.stdout).to.equal("");
            });
        }
    });
});

describe("what verify expects of a stack", () => {
    const catalog = loadCatalog();

    for (const stack of platformStacks(ROOT)) {
        it(`${stack}: exactly the catalog servers its target runs, the public ones through the edge`, () => {
            const { target } = offlineStackSettings(ROOT, stack);
            const expected = stackExpectations(stack);
            const runs = catalog.servers.filter((s) => s.targets.includes(target));
            expect(expected.servers).to.deep.equal(runs.map((s) => s.name));
            if (expected.publicServers.length > 0)
                expect(expected.publicServers.map((s) => s.name)).to.deep.equal(runs.filter((s) => s.expose === "public").map((s) => s.name));
            // A server limited to other targets (docker-agent runs on Swarm only) is not expected here.
            for (const other of catalog.servers.filter((s) => !s.targets.includes(target))) expect(expected.servers).to.not.include(other.name);
        });
    }

    it("some stack leaves out a server its target does not run, so the line above is exercised", () => {
        const targets = platformStacks(ROOT).map((stack) => offlineStackSettings(ROOT, stack).target);
        expect(catalog.servers.some((s) => targets.some((t) => !s.targets.includes(t)))).to.be.true;
    });
});
