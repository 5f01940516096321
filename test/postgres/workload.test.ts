// What a run does not show of the platform's PostgreSQL: the names its workloads are deployed and
// resolved under, manifests Kubernetes' schema accepts, images the release pipeline can pin, who may
// connect to it, and the labels an operator finds its exporter by. The program (index.ts) is
// evaluated in this process from the stack files (test/support/program.ts).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { IMAGE_WITH_TAG, loadImageLock } from "../../catalog/imageLock";
import { serverEntrySchema } from "../../catalog/schema";
import { kubernetesManifests, validateManifests } from "../../commands/plan/manifests";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { RecordedResource } from "../../commands/plan/recorder";
import { KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { Postgres } from "../../components/postgres";
import { platformStacks } from "../../esc/needs";
import { podTemplateOf } from "../support/containers";
import { ROOT } from "../support/plan";
import { Evaluated, evaluateStack } from "../support/program";
import { admittedPorts, ALL_PORTS, egressAllowed, podOf, swarmGroups } from "../support/reach";
import { clientsOf, componentOf, dnsNames, isKubernetes, Json, labelsOf, WORKLOAD_TYPES, workloadName } from "../support/rendered";
import { monitor, recordedUnder, settled } from "../support/setup";
import { TestParent } from "../support/workloads";

/** Every platform stack, and among them one per platform adapter (Swarm's, Kubernetes'). */
const STACKS = (() => {
    const settings = platformStacks(ROOT).map((stack) => ({ stack, target: offlineStackSettings(ROOT, stack).target }));
    return [settings.find((s) => s.target === "swarm"), settings.find((s) => s.target !== "swarm")].filter((s) => s !== undefined).map((s) => s.stack);
})();

/** A stateful component's workloads: the one that keeps data (a StatefulSet, or a service on a named volume) and its exporter. */
function serverAndExporter(e: Evaluated, type: string): { server: RecordedResource; exporter: RecordedResource } {
    const workloads = componentOf(e, type).children.filter((r) => WORKLOAD_TYPES.includes(r.type));
    const keepsData = (r: RecordedResource) =>
        r.type === "kubernetes:apps/v1:StatefulSet" || ((r.inputs.taskSpec as Json)?.containerSpec?.mounts ?? []).some((m: Json) => m.type === "volume");
    expect(workloads, `${type}'s workloads`).to.have.length(2);
    return { server: workloads.find(keepsData)!, exporter: workloads.find((w) => !keepsData(w))! };
}

let runs = 0;

/** A Postgres component with its defaults (no settings), rendered on a Kubernetes platform with `digests` as the image lock: its server and exporter. */
async function renderDefault(digests?: Readonly<Record<string, string>>): Promise<{ server: Json; exporter: Json }> {
    const name = `pg-default-${++runs}`;
    const platform = new KubernetesPlatform(name, { flavor: KUBERNETES, namespacePrefix: name, registry: "registry.example.com", imageDigests: digests });
    new Postgres(`${name}-db`, { platform }, { parent: new TestParent(`${name}-parent`) });
    await settled();
    const component = recordedUnder(`${name}-db`).find((r) => r.type === "sophia:platform:Postgres")!;
    const workloads = monitor.recorded.filter((r) => r.parent === component.urn && WORKLOAD_TYPES.includes(r.type));
    const container = (type: string) => podTemplateOf(workloads.find((r) => r.type === type)!).spec.containers[0] as Json;
    return { server: container("kubernetes:apps/v1:StatefulSet"), exporter: container("kubernetes:apps/v1:Deployment") };
}

const envOf = (container: Json): Record<string, string> => Object.fromEntries(((container.env ?? []) as Json[]).map((v) => [v.name, v.value]));

describe("PostgreSQL as the stacks deploy it", function () {
    this.timeout(120_000);

    it("names its workloads as the platform's DNS and Kubernetes require, with sizes and resources Kubernetes' schema accepts", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const { server, exporter } = serverAndExporter(e, "Postgres");
            for (const workload of [server, exporter]) {
                const name = workloadName(e, workload);
                expect(
                    serverEntrySchema.shape.name.safeParse(name).success,
                    `${stack}: workload "${name}" (a DNS label, like every catalog workload's name)`,
                ).to.equal(true);
            }
            const manifests = kubernetesManifests(componentOf(e, "Postgres").children, e.secretMapKeys);
            expect(manifests.length > 0, stack).to.equal(isKubernetes(server));
            expect(validateManifests(manifests).filter((r) => r.error)).to.deep.equal([]);
        }
    });

    it("keeps its data, and only its data, on the one persistent volume, and its socket directory on a scratch one (its root filesystem is read-only)", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const { server } = serverAndExporter(e, "Postgres");
            let mounts: { path: string; persistent: boolean }[];
            let env: Record<string, string>;
            let readOnlyRoot: boolean;
            if (isKubernetes(server)) {
                const claims = (((server.inputs.spec as Json).volumeClaimTemplates ?? []) as Json[]).map((c) => c.metadata.name as string);
                const container = podTemplateOf(server).spec.containers[0] as Json;
                mounts = (container.volumeMounts as Json[]).map((m) => ({ path: m.mountPath, persistent: claims.includes(m.name) }));
                // The API server takes only DNS labels as volume names.
                for (const m of container.volumeMounts as Json[])
                    expect(serverEntrySchema.shape.name.safeParse(m.name).success, `${stack}: volume name "${m.name}" (a DNS label)`).to.equal(true);
                env = envOf(container);
                readOnlyRoot = container.securityContext?.readOnlyRootFilesystem === true;
            } else {
                const container = (server.inputs.taskSpec as Json).containerSpec as Json;
                mounts = (container.mounts as Json[]).map((m) => ({ path: m.target, persistent: m.type === "volume" }));
                env = container.env;
                readOnlyRoot = container.readOnly === true;
            }
            const persistent = mounts.filter((m) => m.persistent).map((m) => m.path);
            expect(persistent, `${stack}: the persistent volumes' mount paths`).to.have.length(1);
            // The official image asks for PGDATA one folder below a volume's mount point (whose root may hold lost+found).
            expect(path.posix.dirname(env.PGDATA), `${stack}: the folder PGDATA ${env.PGDATA} lies in`).to.equal(persistent[0]);
            expect(readOnlyRoot, `${stack}: a read-only root filesystem`).to.equal(true);
            // The official image's server and pg_isready use the socket directory /var/run/postgresql: it must be writable, and keeps nothing.
            expect(mounts, stack).to.deep.include({ path: "/var/run/postgresql", persistent: false });
        }
    });

    it("labels its server as the database, with the version its image runs", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const { server } = serverAndExporter(e, "Postgres");
            const image = isKubernetes(server)
                ? ((podTemplateOf(server).spec.containers[0] as Json).image as string)
                : (((server.inputs.taskSpec as Json).containerSpec as Json).image as string);
            const tag = image
                .replace(/@sha256:[0-9a-f]+$/, "")
                .split(":")
                .pop();
            expect(labelsOf(server), stack).to.include({ "app.kubernetes.io/component": "database", "app.kubernetes.io/version": tag });
        }
    });

    it("runs upstream images the release pipeline can pin by digest, the server of the major version the backup image's clients speak", async () => {
        const registry = "registry.example.com";
        const rendered = await renderDefault();
        const unpinned = { server: rendered.server.image as string, exporter: rendered.exporter.image as string };
        // Upstream images come through the registry's mirror; the lock keys each as its upstream name:tag.
        const upstream = [unpinned.server, unpinned.exporter].map((image) => image.slice(`${registry}/mirror/`.length));
        for (const image of upstream) expect(image, "an upstream image as name:tag").to.match(IMAGE_WITH_TAG);
        const digest = `sha256:${"a".repeat(64)}`;
        const lockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-lock-")), "images.lock.yaml");
        fs.writeFileSync(lockFile, YAML.stringify({ images: Object.fromEntries(upstream.map((i) => [i, digest])) }));
        const pinned = await renderDefault(loadImageLock(lockFile));
        expect({ server: pinned.server.image, exporter: pinned.exporter.image }).to.deep.equal({
            server: `${unpinned.server}@${digest}`,
            exporter: `${unpinned.exporter}@${digest}`,
        });
        // pg_dump and pg_restore refuse a server newer than themselves: the backup image installs postgresql-client-<major>.
        const clientMajor = /postgresql-client-(\d+)/.exec(fs.readFileSync(path.join(ROOT, "images", "backup", "Dockerfile"), "utf8"))![1];
        const tag = unpinned.server.split(":").pop()!;
        expect(tag.split(".")[0], `the server image's tag ${tag}`).to.equal(clientMajor);
    });

    it("on its own (no settings), has its server create on first start the database its exporter watches", async () => {
        const { server, exporter } = await renderDefault();
        const env = envOf(server);
        // The official image's entrypoint creates POSTGRES_DB, by default named as POSTGRES_USER, whose default is "postgres".
        const created = env.POSTGRES_DB || env.POSTGRES_USER || "postgres";
        const watched = decodeURIComponent(new URL(`postgresql://${envOf(exporter).DATA_SOURCE_URI}`).pathname.slice(1));
        expect(created, `the exporter watches ${watched}`).to.equal(watched);
        // And logs in as the server's superuser, which the image creates from POSTGRES_USER.
        expect(envOf(exporter).DATA_SOURCE_USER).to.equal(env.POSTGRES_USER || "postgres");
    });

    it("admits its clients (the data group, the backup jobs, the MCP servers) on its port alone, and nobody else", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const { server } = serverAndExporter(e, "Postgres");
            // Who uses it: the workloads and jobs whose environment names its address (its exporter, the backup jobs).
            const clients = clientsOf(e, dnsNames(e, server)).filter((c) => c !== server);
            expect(clients.length, `${stack}: PostgreSQL's clients`).to.be.greaterThan(0);
            if (!isKubernetes(server)) {
                const groups = swarmGroups(e.resources, server);
                for (const client of clients)
                    expect(
                        swarmGroups(e.resources, client).some((g) => groups.includes(g)),
                        `${stack}: ${client.name} shares a network with PostgreSQL`,
                    ).to.equal(true);
                expect(groups, `${stack}: the groups whose networks PostgreSQL joins`).to.not.include.members(["edge", "monitoring"]);
                continue;
            }
            const target = podOf(server);
            const port = [...target.ports.values()];
            const namespaces = e.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs.metadata as Json).name as string);
            const admitted = new Map(namespaces.map((ns) => [ns, [...admittedPorts(e.resources, target, { namespace: ns })]]));
            for (const client of clients) {
                expect(admitted.get(podOf(client).namespace), `${stack}: ${client.name}`).to.deep.equal(port);
                // And its own egress lets it connect out there.
                expect(egressAllowed(e.resources, podOf(client), target, port[0]), `${stack}: ${client.name} may connect out to PostgreSQL`).to.equal(true);
            }
            for (const [namespace, ports] of admitted) {
                expect(ports, `${stack}: what ${namespace} may reach of PostgreSQL`).to.not.include(ALL_PORTS);
                expect([[], port], `${stack}: what ${namespace} may reach of PostgreSQL`).to.deep.include(ports);
            }
            expect(admitted.get(`${e.settings.namespace}-mcp`), "the MCP servers, which keep their metadata in it").to.deep.equal(port);
            for (const group of ["edge", "monitoring"]) expect(admitted.get(`${e.settings.namespace}-${group}`), group).to.deep.equal([]);
        }
    });

    it("lets the monitoring group, and nobody else, reach its exporter, on the metrics port alone", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const { exporter } = serverAndExporter(e, "Postgres");
            if (!isKubernetes(exporter)) {
                expect(swarmGroups(e.resources, exporter), `${stack}: the groups whose networks the exporter joins`).to.include("monitoring");
                continue;
            }
            const target = podOf(exporter);
            const metrics = target.ports.get("metrics");
            expect(metrics, `${stack}: the exporter's metrics port`).to.be.a("number");
            const namespaces = e.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs.metadata as Json).name as string);
            const monitoring = `${e.settings.namespace}-monitoring`;
            expect(namespaces, stack).to.include(monitoring);
            for (const namespace of namespaces)
                expect([...admittedPorts(e.resources, target, { namespace })], `${stack}: what ${namespace} may reach of the exporter`).to.deep.equal(
                    namespace === monitoring ? [metrics] : [],
                );
        }
    });

    it("labels its exporter as Redis's is labelled: one selector finds every exporter, another the one of PostgreSQL", async () => {
        for (const stack of STACKS) {
            const e = await evaluateStack(stack);
            const pg = serverAndExporter(e, "Postgres");
            const redis = serverAndExporter(e, "Redis");
            const workloads = e.resources.filter((r) => WORKLOAD_TYPES.includes(r.type));
            const select = (selector: Record<string, string>) =>
                workloads
                    .filter((w) => Object.entries(selector).every(([k, v]) => labelsOf(w)[k] === v))
                    .map((w) => w.name)
                    .sort();
            const role = labelsOf(redis.exporter)["app.kubernetes.io/component"];
            expect(role, "Redis's exporter's role").to.be.a("string").and.not.equal("");
            expect(select({ "app.kubernetes.io/component": role }), stack).to.deep.equal([pg.exporter.name, redis.exporter.name].sort());
            expect(select({ "sophia.ai/exports": workloadName(e, pg.server) }), stack).to.deep.equal([pg.exporter.name]);
        }
    });
});
