// The Pushgateway the backup jobs report their successes to, as each kind of target runs it: the
// program (index.ts) evaluated in this process (test/support/program.ts), the rendered workload
// started in a sandbox (test/support/containers.ts) with the health check its runtime runs, and
// Prometheus scraping it with the stack's own scrape job. Debian's prometheus-pushgateway is the
// image's program. Then who may reach it, and the label an operator finds it by.
import { expect } from "chai";
import { BACKUP_JOBS_CONSUMER, secretConfigKey } from "../../stacks/secrets";
import { CONFIG_NAMESPACE } from "../../stacks/settings";
import type { RecordedResource } from "../../commands/plan/recorder";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { platformStacks } from "../../esc/needs";
import { containerPath, Sandbox } from "../support/containers";
import { ROOT } from "../support/plan";
import { evaluate, Evaluated, stackConfigOf } from "../support/program";
import { admittedPorts, ALL_PORTS, podOf, swarmGroups } from "../support/reach";
import {
    clientsOf,
    componentOf,
    containerOf,
    discoveryOf,
    dnsNames,
    envOf,
    isKubernetes,
    Json,
    labelsOf,
    WORKLOAD_TYPES,
    workloadScrapeJob,
} from "../support/rendered";
import { scrapeWith } from "../support/scrape";
import { requireBinary, waitFor } from "../support/tools";
import type { StackConfig } from "../../commands/plan/stackConfig";

const STACKS = platformStacks(ROOT).map((stack) => ({ stack, settings: offlineStackSettings(ROOT, stack) }));
/** The stacks that keep off-site backups, and so run a Pushgateway. */
const BACKED_UP = STACKS.filter((s) => s.settings.backup);

/** A Swarm stack with the backup settings and keys of a stack that keeps backups: no Swarm stack keeps them yet, and this is how one would. */
function swarmWithBackups(): StackConfig | undefined {
    const swarm = STACKS.find((s) => s.settings.target === "swarm");
    if (!swarm || BACKED_UP.length === 0) return undefined;
    const source = stackConfigOf(BACKED_UP[0].stack);
    const keys = [`${CONFIG_NAMESPACE}:backup`, ...BACKUP_JOBS_CONSUMER.secrets.map(secretConfigKey)];
    const config = stackConfigOf(swarm.stack, Object.fromEntries(keys.map((k) => [k, source.config[k]])));
    config.secretKeys.push(...keys.filter((k) => source.secretKeys.includes(k) && !config.secretKeys.includes(k)));
    return config;
}

/** Every stack that keeps backups, and the Swarm one with backups. */
const configs = (): StackConfig[] => [...BACKED_UP.map((s) => stackConfigOf(s.stack)), swarmWithBackups()].filter((c) => c !== undefined);

/** One config per kind of target: the first Kubernetes stack that keeps backups, and Swarm's. */
const configOf = (kind: "Kubernetes" | "Swarm"): StackConfig | undefined =>
    kind === "Swarm" ? swarmWithBackups() : BACKED_UP.filter((s) => s.settings.target !== "swarm").map((s) => stackConfigOf(s.stack))[0];

/** The workload the backup jobs push to (by the address in their PUSHGATEWAY_URL), and that URL. */
function pushgatewayOf(e: Evaluated): { workload: RecordedResource; url: string } {
    const { children } = componentOf(e, "BackupJobs");
    const url = children.map((r) => envOf(r).PUSHGATEWAY_URL).find((u) => u !== undefined);
    if (!url) throw new Error(`${e.settings.stack}: no backup job names a PUSHGATEWAY_URL`);
    const host = new URL(url).hostname;
    const workloads = children.filter((r) => WORKLOAD_TYPES.includes(r.type) && dnsNames(e, r).includes(host));
    expect(
        workloads.map((w) => w.name),
        `${e.settings.stack}: the workload at ${host}`,
    ).to.have.length(1);
    return { workload: workloads[0], url };
}

/** The Pushgateway's program: Debian's build of the image's. */
const pushgatewayCommand = (): string[] => [requireBinary("prometheus-pushgateway")];

describe("the Pushgateway, as each kind of target runs it", function () {
    this.timeout(120_000);
    let sandbox: Sandbox | undefined;
    before(async () => {
        for (const binary of ["prometheus", "wget"]) requireBinary(binary);
        sandbox = await Sandbox.start();
    });
    after(async () => {
        await sandbox?.stop();
        sandbox = undefined;
    });
    afterEach(() => sandbox?.stopProcesses());

    for (const kind of ["Kubernetes", "Swarm"] as const) {
        it(`${kind}: answers its health check on the port it serves, at the jobs' URL, and Prometheus scrapes it`, async function () {
            const config = configOf(kind);
            if (!config) return this.skip();
            const e = await evaluate(config);
            expect(isKubernetes(pushgatewayOf(e).workload)).to.equal(kind === "Kubernetes");
            const box = sandbox!;
            const { workload, url } = pushgatewayOf(e);
            const container = containerOf(e, workload);
            box.mount(container);
            const program = box.start(pushgatewayCommand(), { user: container.user, group: container.group, env: { ...container.env, PATH: containerPath() } });
            await waitFor(
                "the Pushgateway to listen",
                () => {
                    if (program.child.exitCode !== null) throw new Error(`the Pushgateway exited: ${program.log()}`);
                    return /Listening on/.test(program.log()) ? true : undefined;
                },
                15_000,
                100,
            );
            expect(container.health, "its health check").to.not.equal(undefined);
            const health = box.probe(container);
            expect(health.code, `${JSON.stringify(container.health)}: ${health.output}`).to.equal(0);
            // The jobs reach it by the name in their PUSHGATEWAY_URL.
            for (const name of dnsNames(e, workload)) box.resolve(name);
            expect(box.get(`${url.replace(/\/$/, "")}/metrics`), `GET ${url}/metrics`).to.be.a("string");
            const scrape = await scrapeWith(box, workloadScrapeJob(e), discoveryOf(e, workload));
            expect(
                scrape.targets.map((t) => t.health),
                `the targets Prometheus keeps of ${JSON.stringify(discoveryOf(e, workload))}`,
            ).to.deep.equal(["up"]);
        });
    }

    it("admits the backup jobs and Prometheus on its port alone, and nobody else", async () => {
        for (const config of configs()) {
            const e = await evaluate(config);
            const { workload } = pushgatewayOf(e);
            const clients = clientsOf(e, dnsNames(e, workload));
            expect(clients.length, `${config.stack}: the jobs that push to it`).to.be.greaterThan(0);
            const monitoring = `${e.settings.namespace}-monitoring`;
            if (!isKubernetes(workload)) {
                const groups = swarmGroups(e.resources, workload);
                for (const client of clients)
                    expect(
                        swarmGroups(e.resources, client).some((g) => groups.includes(g)),
                        client.name,
                    ).to.equal(true);
                // Prometheus scrapes it on the monitoring group's network.
                expect(groups, `${config.stack}: the networks it joins`).to.include("monitoring");
                expect(groups).to.not.include.members(["edge", "mcp", "data"]);
                continue;
            }
            const target = podOf(workload);
            const port = [...target.ports.values()];
            const expected = new Set([...clients.map((c) => podOf(c).namespace), monitoring]);
            for (const namespace of e.resources
                .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                .map((r) => (r.inputs.metadata as Json).name as string)) {
                const admitted = [...admittedPorts(e.resources, target, { namespace })];
                expect(admitted, `${config.stack}: what ${namespace} may reach of the Pushgateway`).to.not.include(ALL_PORTS);
                expect(admitted, `${config.stack}: what ${namespace} may reach of the Pushgateway`).to.deep.equal(expected.has(namespace) ? port : []);
            }
        }
    });

    it("says what it is: an app.kubernetes.io/component label that selects the Pushgateway alone", async () => {
        for (const config of configs()) {
            const e = await evaluate(config);
            const { workload } = pushgatewayOf(e);
            const role = labelsOf(workload)["app.kubernetes.io/component"];
            expect(role, `${config.stack}: the Pushgateway's role`).to.be.a("string").and.not.equal("");
            const selected = e.resources.filter((r) => WORKLOAD_TYPES.includes(r.type) && labelsOf(r)["app.kubernetes.io/component"] === role);
            expect(selected.map((r) => r.name)).to.deep.equal([workload.name]);
        }
    });
});
