import { expect } from "chai";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import { SECRET_MARKER } from "../../commands/plan/recorder";
import { monitor, recordedUnder, settled } from "../support/setup";
import { TestParent, workloadSpec } from "../support/workloads";

const byType = (prefix: string, type: string): any[] =>
    recordedUnder(prefix)
        .filter((r) => r.type === type)
        .map((r) => r.inputs);
const labels = (list: { label: string; value: string }[]) => Object.fromEntries(list.map((l) => [l.label, l.value]));

describe("Swarm platform adapter", () => {
    it("deploys a replicated service with limits, healthcheck, rollback and secret files", async () => {
        const platform = new SwarmPlatform("sw-a", { host: "ssh://deploy@manager", prefix: "sw-a", registry: "registry.example.com" });
        const parent = new TestParent("sw-a-parent");
        const secret = platform.secret("sw-a-api-secrets", "mcp", { API_KEY: "planted-swarm-value" }, parent);
        platform.workload(workloadSpec("sw-a-api", { replicas: 2, secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }], connectsTo: ["data"] }), parent);
        await settled();

        const [service] = byType("sw-a-api-service", "docker:index/service:Service");
        const container = service.taskSpec.containerSpec;
        expect(service.name).to.equal("sw-a-sw-a-api");
        expect(service.mode).to.deep.equal({ replicated: { replicas: 2 } });
        expect(service.updateConfig).to.include({ failureAction: "rollback", order: "start-first" });
        expect(service.rollbackConfig).to.include({ order: "start-first" });
        expect(service.taskSpec.resources).to.deep.equal({
            limits: { nanoCpus: 500_000_000, memoryBytes: 512 * 2 ** 20 },
            reservation: { nanoCpus: 100_000_000, memoryBytes: 128 * 2 ** 20 },
        });
        expect(container.healthcheck.tests).to.deep.equal(["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9100/health"]);
        expect(container).to.include({ readOnly: true, user: "10001" });
        expect(container.capDrops).to.deep.equal(["ALL"]);
        expect(container.env).to.deep.equal({ PORT: "9100", API_KEY_FILE: "/run/secrets/API_KEY" });
        expect(container.secrets).to.have.length(1);
        expect(container.secrets[0]).to.include({ fileName: "/run/secrets/API_KEY" });
        expect(labels(service.labels)).to.include({ "prometheus.io/scrape": "true", "prometheus.io/port": "9100", "prometheus.io/path": "/metrics" });

        const [dockerSecret] = byType("sw-a-api-secrets", "docker:index/secret:Secret");
        expect(dockerSecret.data).to.equal(SECRET_MARKER);
        expect(JSON.stringify(monitor.recorded)).not.to.include("planted-swarm-value");
        expect(JSON.stringify(monitor.recorded)).not.to.include(Buffer.from("planted-swarm-value").toString("base64"));
    });

    it("joins its group's network and those of the groups allowed to reach it or that it reaches", async () => {
        const platform = new SwarmPlatform("sw-b", { host: "ssh://deploy@manager", prefix: "sw-b", registry: "registry.example.com" });
        platform.workload(workloadSpec("sw-b-api", { connectsTo: ["data"] }), new TestParent("sw-b-parent"));
        await settled();
        const networks = byType("sw-b-", "docker:index/network:Network");
        expect(networks.map((n) => n.name).sort()).to.deep.equal(["sw-b-data", "sw-b-mcp", "sw-b-monitoring"]);
        for (const n of networks) expect(n).to.deep.include({ driver: "overlay", options: { encrypted: "true" } });
        const [service] = byType("sw-b-api-service", "docker:index/service:Service");
        expect(service.taskSpec.networksAdvanceds).to.have.length(3);
    });

    it("keeps stateful services on a named volume, stopping before starting", async () => {
        const platform = new SwarmPlatform("sw-c", { host: "ssh://deploy@manager", prefix: "sw-c", registry: "registry.example.com" });
        platform.workload(
            workloadSpec("sw-c-db", { group: "data", volumes: [{ name: "data", mountPath: "/var/lib/db", persistent: true }] }),
            new TestParent("sw-c-parent"),
        );
        await settled();
        const [service] = byType("sw-c-db-service", "docker:index/service:Service");
        expect(service.updateConfig.order).to.equal("stop-first");
        expect(service.taskSpec.containerSpec.mounts).to.deep.include({ target: "/var/lib/db", type: "volume", source: "sw-c-sw-c-db-data" });
        expect(service.taskSpec.placement.constraints).to.deep.equal(["node.role == manager"]);
        expect(byType("sw-c-db-data", "docker:index/volume:Volume")).to.have.length(1);
    });

    it("runs a scheduled job under supercronic with its crontab as a docker config", async () => {
        const platform = new SwarmPlatform("sw-d", { host: "ssh://deploy@manager", prefix: "sw-d", registry: "registry.example.com" });
        platform.scheduledJob(
            {
                name: "sw-d-job",
                group: "backup",
                image: "registry.example.com/job:1.0.0",
                schedule: "15 * * * *",
                command: ["backup", "--incremental"],
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            },
            new TestParent("sw-d-parent"),
        );
        await settled();
        const [config] = byType("sw-d-job-crontab", "docker:index/serviceConfig:ServiceConfig");
        expect(Buffer.from(config.data, "base64").toString()).to.equal("15 * * * * backup --incremental\n");
        const [service] = byType("sw-d-job-service", "docker:index/service:Service");
        expect(service.taskSpec.containerSpec.commands).to.deep.equal(["supercronic", "-passthrough-logs", "/etc/sophia/crontab"]);
        expect(service.taskSpec.containerSpec.healthcheck.tests).to.deep.equal(["CMD", "pgrep", "-x", "supercronic"]);
        expect(service.taskSpec.containerSpec.configs[0]).to.include({ fileName: "/etc/sophia/crontab" });
    });

    it("checks health with the workload's own command when it has no HTTP endpoint", async () => {
        const platform = new SwarmPlatform("sw-f", { host: "ssh://deploy@manager", prefix: "sw-f", registry: "registry.example.com" });
        platform.workload(workloadSpec("sw-f-db", { health: undefined, healthCommand: ["pg_isready", "--host=127.0.0.1"] }), new TestParent("sw-f-parent"));
        await settled();
        const [service] = byType("sw-f-db-service", "docker:index/service:Service");
        expect(service.taskSpec.containerSpec.healthcheck.tests).to.deep.equal(["CMD", "pg_isready", "--host=127.0.0.1"]);
    });

    it("picks the Swarm choice", () => {
        const platform = new SwarmPlatform("sw-e", { host: "ssh://deploy@manager", prefix: "sw-e", registry: "registry.example.com" });
        expect(platform.pick({ swarm: () => 1, kubernetes: () => 2 })).to.equal(1);
    });
});
