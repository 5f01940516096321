// The Swarm adapter's own resources around the services: the provider every docker object goes
// through, the groups' networks, secrets, configs and volumes, and what waits for what. Names and
// parents here are the objects' identities in a deployed stack's state: a change replaces them on
// the next `pulumi up`. Each test registers on a platform of its own.
import { expect } from "chai";
import { RecordedResource } from "../../commands/plan/recorder";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import { registered } from "../support/registrations";
import { recordedUnder, settled } from "../support/setup";
import { TestParent, workloadSpec } from "../support/workloads";

type Json = Record<string, any>;

const platformOf = (prefix: string, host = "ssh://deploy@manager") => new SwarmPlatform(prefix, { host, prefix, registry: "registry.example.com" });

const ofType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const one = (resources: readonly RecordedResource[], type: string, name: string): RecordedResource => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    expect(found, `${type} ${name}`).to.have.length(1);
    return found[0];
};

const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";

describe("the Swarm adapter's resources", () => {
    it("creates every docker object through the manager's engine, its networks under the platform", async () => {
        const recorder = await registered(() => {
            const platform = platformOf("swr-host", "ssh://deploy@swarm-manager-1");
            const parent = new TestParent("swr-host-parent");
            const secret = platform.secret("swr-host-creds", "mcp", { API_KEY: "unused" }, parent);
            platform.configFiles("swr-host-files", "mcp", { "app.yml": "a: 1\n" }, parent);
            platform.workload(
                workloadSpec("swr-host-db", {
                    group: "data",
                    secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }],
                    volumes: [{ name: "data", mountPath: "/data", persistent: true }],
                }),
                parent,
            );
            platform.scheduledJob({ ...workloadSpec("swr-host-cron"), schedule: "0 * * * *", command: ["backup"] }, parent);
            platform.job({ ...workloadSpec("swr-host-once"), command: ["restore"] }, parent);
        });
        const resources = recorder.recorded;
        const provider = one(resources, "pulumi:providers:docker", "swr-host-provider");
        expect(provider.inputs).to.include({ host: "ssh://deploy@swarm-manager-1" });
        const platform = one(resources, "sophia:platform:SwarmCluster", "swr-host");
        const dockerObjects = resources.filter((r) => r.type.startsWith("docker:"));
        expect(new Set(dockerObjects.map((r) => r.type))).to.have.all.keys(
            SERVICE,
            SECRET,
            CONFIG,
            "docker:index/network:Network",
            "docker:index/volume:Volume",
        );
        for (const resource of dockerObjects) expect(recorder.providerOf(resource.urn), `${resource.type} ${resource.name}`).to.equal(provider.urn);
        for (const network of ofType(resources, "docker:index/network:Network")) expect(network.parent, network.name).to.equal(platform.urn);
    });

    it("keeps every group's network encrypted and closed to containers started outside Swarm's services", async () => {
        platformOf("swr-net").workload(workloadSpec("swr-net-api", { connectsTo: ["data"] }), new TestParent("swr-net-parent"));
        await settled();
        const networks = ofType(recordedUnder("swr-net-"), "docker:index/network:Network");
        expect(networks.map((n) => n.name).sort()).to.deep.equal(["swr-net-data", "swr-net-mcp", "swr-net-monitoring"]);
        // An attachable overlay lets `docker run --network` put any container on it, past the groups' allowances.
        for (const network of networks)
            expect(network.inputs, network.name).to.deep.include({ driver: "overlay", attachable: false, options: { encrypted: "true" } });
    });

    it("replaces a changed secret by creating the new one first: the services mounting the old one keep it until they move", async () => {
        const recorder = await registered(() => {
            platformOf("swr-rotate").secret("swr-rotate-creds", "mcp", { API_KEY: "unused", OTHER_KEY: "unused" }, new TestParent("swr-rotate-parent"));
        });
        const secrets = ofType(recorder.recorded, SECRET);
        expect(secrets.map((s) => s.name).sort()).to.deep.equal(["swr-rotate-creds-api-key", "swr-rotate-creds-other-key"]);
        for (const secret of secrets) expect(recorder.deleteBeforeReplace.get(secret.urn), secret.name).to.equal(false);
    });

    it("hands out a secret's or config's handle that stands for its docker object: what waits on it waits for that, not for its component's other resources", async () => {
        const platform = platformOf("swr-handle");
        const parent = new TestParent("swr-handle-parent");
        platform.workload(workloadSpec("swr-handle-slow"), parent);
        const secret = platform.secret("swr-handle-creds", "mcp", { API_KEY: "unused" }, parent);
        const files = platform.configFiles("swr-handle-files", "mcp", { "app.yml": "a: 1\n" }, parent);
        platform.job({ ...workloadSpec("swr-handle-job"), command: ["migrate"], after: [secret.resource, files.resource] }, parent);
        await settled();
        const resources = recordedUnder("swr-handle-");
        const job = one(resources, SERVICE, "swr-handle-job-service");
        expect(job.dependsOn).to.include.members([
            one(resources, SECRET, "swr-handle-creds-api-key").urn,
            one(resources, CONFIG, "swr-handle-files-app-yml").urn,
        ]);
        expect(job.dependsOn).to.not.include(one(resources, SERVICE, "swr-handle-slow-service").urn);
        expect(secret.keys).to.deep.equal(["API_KEY"]);
        expect(files.files).to.deep.equal(["app.yml"]);
    });

    it("names each config after its handle and file, as deployed stacks' state knows them, with the file's content", async () => {
        const content = "global:\n  scrape_interval: 15s\n";
        platformOf("swr-cfg").configFiles(
            "swr-cfg-prometheus",
            "monitoring",
            { "prometheus.yml": content, "rules_mcp.yml": "groups: []\n" },
            new TestParent("swr-cfg-parent"),
        );
        await settled();
        const configs = ofType(recordedUnder("swr-cfg-prometheus"), CONFIG);
        expect(configs.map((c) => c.name).sort()).to.deep.equal(["swr-cfg-prometheus-prometheus-yml", "swr-cfg-prometheus-rules-mcp-yml"]);
        const config = configs.find((c) => c.name === "swr-cfg-prometheus-prometheus-yml")!;
        expect(Buffer.from(String(config.inputs.data), "base64").toString("utf8")).to.equal(content);
    });

    it("keeps a workload's data on a volume named and labelled for the stack and the workload, as deployed stacks' volumes are: the provider replaces a volume, deleting its data, when either changes", async () => {
        platformOf("swr-vol").workload(
            workloadSpec("swr-vol-db", { group: "data", volumes: [{ name: "data", mountPath: "/var/lib/db", persistent: true }] }),
            new TestParent("swr-vol-parent"),
        );
        await settled();
        const volume = one(recordedUnder("swr-vol-db-data"), "docker:index/volume:Volume", "swr-vol-db-data");
        expect(volume.inputs).to.deep.equal({ name: "swr-vol-swr-vol-db-data", labels: [{ label: "sophia.ai/workload", value: "swr-vol-db" }] });
        const service = one(recordedUnder("swr-vol-db-service"), SERVICE, "swr-vol-db-service");
        expect(service.dependsOn).to.include(volume.urn);
    });

    it("makes what lists a workload's, a scheduled job's or a job's handle in `after` wait for its service, and a job wait for what it lists", async () => {
        const platform = platformOf("swr-after");
        const parent = new TestParent("swr-after-parent");
        const database = platform.workload(workloadSpec("swr-after-db", { group: "data" }), parent);
        const cron = platform.scheduledJob({ ...workloadSpec("swr-after-cron"), schedule: "0 3 * * *", command: ["vacuum"] }, parent);
        const restore = platform.job({ ...workloadSpec("swr-after-restore"), command: ["restore"], after: [...database.resources, ...cron.resources] }, parent);
        platform.workload({ ...workloadSpec("swr-after-api"), after: restore.resources }, parent);
        await settled();
        const resources = recordedUnder("swr-after-");
        const service = (name: string) => one(resources, SERVICE, `${name}-service`);
        expect(service("swr-after-restore").dependsOn).to.include.members([service("swr-after-db").urn, service("swr-after-cron").urn]);
        expect(service("swr-after-api").dependsOn).to.include(service("swr-after-restore").urn);
        expect([database, cron, restore].map((h) => h.address)).to.deep.equal(["swr-after-db", "swr-after-cron", "swr-after-restore"]);
        expect((service("swr-after-restore").inputs as Json).taskSpec.restartPolicy.condition).to.equal("on-failure");
    });
});
