import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { stackExpectations } from "../../commands/release/expectations";
import { ROOT, runCliAsync } from "../support/plan";
import { edgeCertificate, Fake, fakeAlertmanager, fakeEdge, fakePrometheus } from "./fakes";

const CLI = "commands/release/verifyCli.ts";
const TOKEN = "verify-client.fake-secret";

/**
 * npm run verify against fakes of the edge, Prometheus and Alertmanager on 127.0.0.1: every check
 * passes against a healthy fake, and each planted fault fails the run with the check and the reason.
 * What the fakes serve comes from the same catalog and stack settings verify reads.
 */
describe("npm run verify against fake endpoints", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-verify-"));
    const dev = stackExpectations("dev");
    const staging = stackExpectations("staging");
    const fakes: Fake[] = [];
    const state = { token: TOKEN, down: new Set<string>() };
    let edge: Fake;
    let certFile: string;
    let renderedConfig: string;

    before(async () => {
        const tls = edgeCertificate(dir, [dev.domain!, staging.domain!]);
        certFile = tls.certFile;
        edge = await fakeEdge(tls, state);
        renderedConfig = YAML.stringify(dev.alertmanager);
        fakes.push(edge);
    });
    after(async () => {
        await Promise.all(fakes.map((f) => f.close()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const allUp = (stack = dev): Record<string, "0" | "1"> => Object.fromEntries(stack.servers.map((s) => [s, "1" as const]));
    async function start(prometheus: Parameters<typeof fakePrometheus>[0], alertmanagerYaml = renderedConfig): Promise<string[]> {
        const [p, a] = await Promise.all([fakePrometheus(prometheus), fakeAlertmanager(alertmanagerYaml)]);
        fakes.push(p, a);
        return ["--prometheus-url", p.url, "--alertmanager-url", a.url, "--edge-address", `127.0.0.1:${edge.port}`, "--ca-file", certFile];
    }
    const verify = (stack: string, args: string[], env: Record<string, string> = { SOPHIA_VERIFY_TOKEN: TOKEN }) =>
        runCliAsync(CLI, ["--stack", stack, ...args], env);

    it("passes a healthy stack: every public server through the edge, 401 without a token, every target up, our routing loaded", async () => {
        const run = await verify("dev", await start({ up: allUp() }));
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        expect(dev.publicServers.length).to.be.greaterThan(0);
        for (const server of dev.publicServers) {
            expect(run.stdout).to.include(`PASS  edge ${server.name}: initialize answered through ${server.url}`);
            expect(run.stdout).to.include(`PASS  edge ${server.name} without a token: 401`);
        }
        expect(run.stdout).to.include(`PASS  prometheus targets: all ${dev.servers.length} MCP servers are up targets`);
        expect(run.stdout).to.match(/PASS {2}alertmanager config: loaded the rendered routing/);
        expect(run.stdout).to.include("SKIP  backups: stack dev has no backups (sophia:backup is not set)");
        expect(run.stdout).to.match(/Checks: \d+ passed, 0 failed, 1 skipped in [\d.]+ s: verified/);
        expect(run.stdout + run.stderr, "the token is never printed").to.not.include(TOKEN);
    });

    it("fails naming a server the edge cannot reach, and a server Prometheus finds down or does not scrape", async () => {
        const [unreachable, down, unscraped] = [dev.publicServers[0].name, dev.servers[1], dev.servers[2]];
        state.down.add(unreachable);
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
            state.down.clear();
        }
    });

    it("fails when the edge refuses the service token", async () => {
        const run = await verify("dev", await start({ up: allUp() }), { SOPHIA_VERIFY_TOKEN: "verify-client.wrong" });
        expect(run.code).to.equal(1);
        for (const server of dev.publicServers) expect(run.stdout).to.include(`FAIL  edge ${server.name}: POST ${server.url}: 401, the edge refused the token`);
        expect(run.stdout).to.not.include("verify-client.wrong");
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
        const run = await verify("staging", await start({ up: allUp(staging), backupAges: { [stale]: late } }, YAML.stringify(staging.alertmanager)));
        expect(run.code, run.stdout).to.equal(1);
        expect(run.stdout).to.include(`FAIL  backup ${stale}: newest success ${late / 60} min ago, older than the ${backups.rpoSeconds / 60} min RPO`);
        expect(run.stdout).to.include(`FAIL  backup ${never}: no successful ${never} backup reported`);
        const fresh = Object.fromEntries(backups.targets.map((t) => [t, 300]));
        const healthy = await verify("staging", await start({ up: allUp(staging), backupAges: fresh }, YAML.stringify(staging.alertmanager)));
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
                const run = await runCliAsync(CLI, args, { SOPHIA_VERIFY_TOKEN: TOKEN, ...env });
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
