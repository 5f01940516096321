// A Swarm service as Docker runs it: the health check Docker runs in the task, the limits it
// enforces, the files and mounts the task gets, the nodes the scheduler may place it on, how an
// update or a rollback proceeds, and that the docker provider accepts every value the adapter sets
// (test/support/dockerRules.ts ports the provider's, the daemon's and the scheduler's rules). Each
// test registers its own workload on a platform of its own.
import { expect } from "chai";
import type { RecordedResource } from "../../commands/plan/recorder";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import type { WorkloadSpec } from "../../components/platform/types";
import { Sandbox, swarmContainer } from "../support/containers";
import { goDuration, providerProblems, schedulableOn, SwarmNode, taskStartProblems } from "../support/dockerRules";
import { evaluate, stackConfigOf } from "../support/program";
import { recordedUnder, settled } from "../support/setup";
import { waitFor } from "../support/tools";
import { TestParent, workloadSpec } from "../support/workloads";

type Json = Record<string, any>;

const SERVICE = "docker:index/service:Service";
const MANAGER: SwarmNode = { role: "manager", hostname: "swarm-manager-1" };
const WORKER: SwarmNode = { role: "worker", hostname: "swarm-worker-1" };

const platformOf = (prefix: string) => new SwarmPlatform(prefix, { host: "ssh://deploy@manager", prefix, registry: "registry.example.com" });

/** Registers one workload on a platform of its own and gives back its docker service as recorded. */
async function deployed(name: string, overrides: Partial<WorkloadSpec> = {}): Promise<RecordedResource> {
    platformOf(name).workload(workloadSpec(`${name}-api`, overrides), new TestParent(`${name}-parent`));
    await settled();
    const services = recordedUnder(`${name}-api-service`).filter((r) => r.type === SERVICE);
    expect(services, `the service of ${name}`).to.have.length(1);
    return services[0];
}

const containerSpec = (service: RecordedResource): Json => (service.inputs.taskSpec as Json).containerSpec;
const labelsOf = (service: RecordedResource): Record<string, string> =>
    Object.fromEntries((service.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));

/** A program answering 200 on `path` of `port` and 404 on any other path, as a server inside a task would. */
const httpServer = (port: number, path: string): string[] => [
    process.execPath,
    "-e",
    `require("http").createServer((q, r) => { r.writeHead(q.url === ${JSON.stringify(path)} ? 200 : 404); r.end(); }).listen(${port}, "127.0.0.1")`,
];

async function answering(sandbox: Sandbox, url: string): Promise<void> {
    await waitFor(url, () => (sandbox.run(["wget", "-q", "-O", "/dev/null", url]).code === 0 ? true : undefined), 10_000, 50);
}

describe("Swarm services as Docker runs them", () => {
    it("checks health on the port its health endpoint names: the check passes while that port answers, and fails once it stops though the MCP port still answers", async () => {
        const service = await deployed("svc-health", {
            ports: [
                { name: "mcp", port: 9100 },
                { name: "admin", port: 9200 },
            ],
            health: { path: "/healthz", port: "admin" },
        });
        const container = swarmContainer(service, recordedUnder("svc-health"), () => "");
        const sandbox = await Sandbox.start();
        try {
            sandbox.start(httpServer(9100, "/mcp"));
            sandbox.start(httpServer(9200, "/healthz"));
            await answering(sandbox, "http://127.0.0.1:9100/mcp");
            await answering(sandbox, "http://127.0.0.1:9200/healthz");
            const healthy = sandbox.probe(container);
            expect(healthy.code, `${JSON.stringify(container.health)}: ${healthy.output}`).to.equal(0);

            await sandbox.stopProcesses();
            sandbox.start(httpServer(9100, "/mcp"));
            await answering(sandbox, "http://127.0.0.1:9100/mcp");
            expect(sandbox.probe(container).code, "the check once the health port is gone").to.not.equal(0);
        } finally {
            await sandbox.stop();
        }
    });

    it("without a health endpoint or command, checks that its main port accepts connections, and without ports that its process runs", async () => {
        const ports = [
            { name: "redis", port: 6379 },
            { name: "metrics", port: 9121 },
        ];
        const listening = await deployed("svc-port", { ports, health: undefined });
        expect(containerSpec(listening).healthcheck.tests).to.deep.equal(["CMD", "nc", "-z", "127.0.0.1", "6379"]);
        const worker = await deployed("svc-proc", { ports: [], health: undefined, metrics: undefined, command: ["queue-worker", "--poll"] });
        expect(containerSpec(worker).healthcheck.tests).to.deep.equal(["CMD", "pgrep", "-x", "queue-worker"]);
    });

    it("tells Prometheus the port its metrics are served on, not its first port", async () => {
        const service = await deployed("svc-scrape", {
            ports: [
                { name: "mcp", port: 9100 },
                { name: "metrics", port: 9464 },
            ],
            metrics: { path: "/metrics", port: "metrics" },
        });
        expect(labelsOf(service)).to.include({ "prometheus.io/scrape": "true", "prometheus.io/port": "9464", "prometheus.io/path": "/metrics" });
    });

    it("replaces a task that stops answering within a minute, gives a starting one its start period, and a stopping one more than Docker's default 10 s", async () => {
        const service = await deployed("svc-timing");
        expect(providerProblems(service.inputs)).to.deep.equal([]);
        const check = containerSpec(service).healthcheck;
        const [interval, timeout, startPeriod] = [check.interval, check.timeout, check.startPeriod].map((d: string) => goDuration(d)!);
        // A check that hangs counts as failed before the next one starts.
        expect(timeout).to.be.greaterThan(0).and.lessThan(interval);
        expect(check.retries).to.be.greaterThan(0);
        expect(interval * check.retries + timeout).to.be.at.most(60e9);
        expect(startPeriod).to.be.greaterThan(0);
        expect(goDuration(containerSpec(service).stopGracePeriod)).to.be.greaterThan(10e9);
    });

    it("limits and reserves what the quantities say, fractions of a core and of a GiB included", async () => {
        const service = await deployed("svc-limits", {
            resources: { requests: { cpu: "250m", memory: "1.5Gi" }, limits: { cpu: "1.5", memory: "2.25Gi" } },
        });
        expect((service.inputs.taskSpec as Json).resources).to.deep.equal({
            limits: { nanoCpus: 1_500_000_000, memoryBytes: 2.25 * 2 ** 30 },
            reservation: { nanoCpus: 250_000_000, memoryBytes: 1.5 * 2 ** 30 },
        });
    });

    it("mounts each secret as a root-owned read-only file the workload's user reads and cannot change, with an owner the daemon can set", async () => {
        const platform = platformOf("svc-secret");
        const parent = new TestParent("svc-secret-parent");
        const secret = platform.secret("svc-secret-creds", "mcp", { API_KEY: "unused" }, parent);
        platform.workload(workloadSpec("svc-secret-api", { secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }] }), parent);
        await settled();
        const service = recordedUnder("svc-secret-api-service").find((r) => r.type === SERVICE)!;
        expect(taskStartProblems(service.inputs)).to.deep.equal([]);
        const container = swarmContainer(service, recordedUnder("svc-secret"), (_secret, key) => `the value of ${key}`);
        expect(container.env.API_KEY_FILE).to.equal("/run/secrets/API_KEY");
        expect(container.files).to.deep.equal([{ path: "/run/secrets/API_KEY", content: "the value of API_KEY", mode: 0o444, uid: 0, gid: 0 }]);
        const sandbox = await Sandbox.start();
        try {
            sandbox.mount(container);
            const as = { user: container.user, group: container.group };
            expect(sandbox.exec(["cat", container.env.API_KEY_FILE], as)).to.equal("the value of API_KEY");
            expect(sandbox.run(["sh", "-c", `echo changed > ${container.env.API_KEY_FILE}`], as).code, "writing the secret as the workload").to.not.equal(0);
        } finally {
            await sandbox.stop();
        }
    });

    it("refuses a secret or config file this platform did not create, naming the workload, the handle and the key or file", () => {
        const parent = new TestParent("svc-foreign-parent");
        const other = platformOf("svc-foreign-other");
        const secret = other.secret("svc-foreign-creds", "mcp", { API_KEY: "unused" }, parent);
        const files = other.configFiles("svc-foreign-files", "mcp", { "app.yml": "a: 1\n" }, parent);
        const platform = platformOf("svc-foreign");
        expect(() => platform.workload(workloadSpec("svc-foreign-api", { secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }] }), parent)).to.throw(
            "svc-foreign-api: secret svc-foreign-creds/API_KEY was not created on this platform",
        );
        expect(() =>
            platform.workload(workloadSpec("svc-foreign-web", { configFiles: [{ config: files, file: "app.yml", mountPath: "/etc/app/app.yml" }] }), parent),
        ).to.throw("svc-foreign-web: config svc-foreign-files/app.yml was not created on this platform");
        // On the platform that made it, a key the handle does not hold is refused the same way.
        expect(() => other.workload(workloadSpec("svc-foreign-key", { secretEnv: [{ env: "TOKEN", secret, key: "TOKEN" }] }), parent)).to.throw(
            "svc-foreign-key: secret svc-foreign-creds/TOKEN was not created on this platform",
        );
    });

    it("writes only to mounts under its read-only root: /tmp and scratch paths in memory, data on its named volume, a host path bound where it is on the host", async () => {
        const service = await deployed("svc-mounts", {
            volumes: [
                { name: "data", mountPath: "/var/lib/app", persistent: true },
                { name: "sockets", mountPath: "/var/run/app", persistent: false },
            ],
            hostMounts: ["/var/run/docker.sock"],
        });
        const container = containerSpec(service);
        expect(container.readOnly).to.equal(true);
        const at = (target: string) => (container.mounts as Json[]).filter((m) => m.target === target);
        expect(at("/tmp"), "/tmp").to.deep.equal([{ target: "/tmp", type: "tmpfs" }]);
        expect(at("/var/run/app"), "the scratch volume").to.deep.equal([{ target: "/var/run/app", type: "tmpfs" }]);
        expect(at("/var/lib/app"), "the data volume").to.deep.equal([{ target: "/var/lib/app", type: "volume", source: "svc-mounts-svc-mounts-api-data" }]);
        expect(at("/var/run/docker.sock"), "the host's socket").to.deep.equal([
            { target: "/var/run/docker.sock", source: "/var/run/docker.sock", type: "bind" },
        ]);
        expect(container.mounts).to.have.length(4);
        expect([...providerProblems(service.inputs), ...taskStartProblems(service.inputs)]).to.deep.equal([]);
    });

    it("starts the image's program with the workload's arguments in order, or its own command when it names one", async () => {
        const flagged = await deployed("svc-args", { args: ["--config.file=/etc/app/app.yml", "--web.listen-address=:9100"] });
        expect(containerSpec(flagged).args).to.deep.equal(["--config.file=/etc/app/app.yml", "--web.listen-address=:9100"]);
        expect(containerSpec(flagged).commands).to.equal(undefined);
        const plain = await deployed("svc-noargs");
        expect(containerSpec(plain).args).to.equal(undefined);
    });

    it("labels the hosts a workload declares it reaches, for the egress review, and none for a workload that declares none", async () => {
        expect(labelsOf(await deployed("svc-out", { outbound: ["api.github.com", "api.linear.app"] }))["sophia.ai/outbound-hosts"]).to.equal(
            "api.github.com,api.linear.app",
        );
        expect(labelsOf(await deployed("svc-noout", { outbound: undefined }))["sophia.ai/outbound-hosts"]).to.equal("");
    });

    it("places a workload that binds the manager's Docker socket or keeps data on a volume on the manager, and any other on any node", async () => {
        const cases: [string, Partial<WorkloadSpec>, boolean][] = [
            ["svc-place-any", {}, true],
            ["svc-place-scratch", { volumes: [{ name: "cache", mountPath: "/cache", persistent: false }] }, true],
            ["svc-place-socket", { hostMounts: ["/var/run/docker.sock"] }, false],
            ["svc-place-data", { volumes: [{ name: "data", mountPath: "/data", persistent: true }] }, false],
        ];
        for (const [name, overrides, onWorkers] of cases) {
            const service = await deployed(name, overrides);
            expect(schedulableOn(service.inputs, MANAGER), `${name} on the manager`).to.equal(true);
            expect(schedulableOn(service.inputs, WORKER), `${name} on a worker`).to.equal(onWorkers);
        }
    });

    it("updates one task at a time, rolls back a failed update and pauses a failed rollback; a stateful service never runs two tasks on its volume", async () => {
        const stateless = await deployed("svc-update");
        const stateful = await deployed("svc-update-db", { volumes: [{ name: "data", mountPath: "/data", persistent: true }] });
        for (const [service, order] of [
            [stateless, "start-first"],
            [stateful, "stop-first"],
        ] as const) {
            expect(providerProblems(service.inputs), service.name).to.deep.equal([]);
            const update = service.inputs.updateConfig as Json;
            const rollback = service.inputs.rollbackConfig as Json;
            expect(update, `${service.name} update`).to.include({ parallelism: 1, failureAction: "rollback", order });
            expect(rollback, `${service.name} rollback`).to.include({ parallelism: 1, failureAction: "pause", order });
            // Any failed task fails the update; each new task is watched for a while after it starts.
            for (const config of [update, rollback]) {
                expect(Number(config.maxFailureRatio)).to.equal(0);
                expect(goDuration(config.monitor)).to.be.greaterThan(0);
            }
        }
    });

    it("publishes the edge's ports on every node through the routing mesh, and nothing for a workload that publishes none", async () => {
        const edge = await deployed("svc-edge", {
            ports: [
                { name: "https", port: 8443, published: 443 },
                { name: "health", port: 8081 },
            ],
            health: { path: "/healthz", port: "health" },
            metrics: undefined,
        });
        expect(edge.inputs.endpointSpec).to.deep.equal({
            mode: "vip",
            ports: [{ name: "https", protocol: "tcp", targetPort: 8443, publishedPort: 443, publishMode: "ingress" }],
        });
        expect(providerProblems(edge.inputs)).to.deep.equal([]);
        const internal = await deployed("svc-internal");
        expect((internal.inputs.endpointSpec as Json).ports ?? []).to.deep.equal([]);
    });

    it("deploys on the dev stack only services the provider accepts, whose tasks Docker starts, on a node the scheduler may choose", async () => {
        const e = await evaluate(stackConfigOf("dev"));
        const services = e.resources.filter((r) => r.type === SERVICE);
        expect(services).to.not.be.empty;
        for (const service of services) {
            expect([...providerProblems(service.inputs), ...taskStartProblems(service.inputs)], service.name).to.deep.equal([]);
            expect(schedulableOn(service.inputs, MANAGER), `${service.name} on the manager`).to.equal(true);
        }
    });
});
