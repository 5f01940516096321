// The monitoring stack's Docker services as the dev stack's program (Swarm) registers them, evaluated
// in process: what Prometheus, Alertmanager, Grafana and the Docker socket proxy are started with,
// judged against the files mounted into them, the settings, and the flags the real binaries accept.
import { expect } from "chai";
import * as path from "path";
import * as YAML from "yaml";
import type { RecordedResource } from "../../commands/plan/recorder";
import { PLACEHOLDER_PREFIX } from "../../commands/plan/stackConfig";
import { JAEGER_PORTS } from "../../components/monitoring/jaeger";
import { alertmanagerWorkload, prometheusWorkload } from "../../components/monitoring/swarm";
import type { ConfigHandle, SecretHandle } from "../../components/platform/types";
import { artifact, Evaluated, evaluateStack, ofType } from "../support/program";
import { runTool } from "../support/tools";

type Json = Record<string, any>;
const SERVICE = "docker:index/service:Service";

/** The Docker service the Monitoring component registers for `workload`. */
function serviceOf(e: Evaluated, workload: string): Json {
    const service = ofType(e, SERVICE).find((r) => r.name === `${workload}-service` && r.urn.includes("sophia:platform:Monitoring$"));
    expect(service, `the ${workload} service`).to.not.equal(undefined);
    return service!.inputs;
}

const containerOf = (service: Json): Json => service.taskSpec.containerSpec;

/** The files a service has mounted from Docker configs: mount path → content. */
function mountedConfigs(e: Evaluated, service: Json): Map<string, string> {
    const configs = new Map(ofType(e, "docker:index/serviceConfig:ServiceConfig").map((c: RecordedResource) => [c.name, c.inputs as Json]));
    const mounted = new Map<string, string>();
    for (const { configName, fileName } of containerOf(service).configs ?? []) {
        const config = configs.get(configName);
        expect(config, `the config ${configName}`).to.not.equal(undefined);
        mounted.set(fileName, Buffer.from(String(config!.data), "base64").toString("utf8"));
    }
    return mounted;
}

/** The flags a binary accepts, read from its own --help. */
function flagsOf(binary: string): Set<string> {
    const run = runTool(binary, ["--help"]);
    return new Set([...run.output.matchAll(/--([a-z0-9.-]+)/g)].map((m) => m[1]));
}

/** A service's command-line arguments as flag → value; every argument must be a flag the binary accepts. */
function flagValues(binary: string, args: readonly string[]): Map<string, string> {
    const known = flagsOf(binary);
    const values = new Map<string, string>();
    for (const arg of args) {
        const m = /^--([a-z0-9.-]+)=(.*)$/s.exec(arg);
        expect(m, `${binary} argument ${JSON.stringify(arg)}`).to.not.equal(null);
        expect(known.has(m![1]), `${binary} has no flag --${m![1]}`).to.equal(true);
        values.set(m![1], m![2]);
    }
    return values;
}

/** Whether a rule_files glob (`*` within one path segment, as Prometheus' filepath.Glob) matches a path. */
const globMatches = (glob: string, file: string): boolean =>
    new RegExp(
        `^${glob
            .split("*")
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^/]*")}$`,
    ).test(file);

const persistentMounts = (service: Json): string[] => (containerOf(service).mounts as Json[]).filter((m) => m.type === "volume").map((m) => m.target as string);
const secretMounts = (service: Json): string[] => ((containerOf(service).secrets ?? []) as Json[]).map((s) => s.fileName as string);
const aliasesOf = (service: Json): string[] => (service.taskSpec.networksAdvanceds as Json[]).flatMap((n) => n.aliases as string[]);
const portOf = (service: Json, workload: string): string => {
    const test = containerOf(service).healthcheck.tests as string[];
    // The health check probes the service's main port on 127.0.0.1.
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\//.exec(test[test.length - 1]);
    expect(m, `${workload}'s health check ${test.join(" ")}`).to.not.equal(null);
    return m![1];
};

describe("the monitoring stack's Docker services (dev, Swarm), evaluated in process", function () {
    this.timeout(120_000);

    it("Prometheus: flags it knows, the mounted config and rules, its TSDB on the persistent volume, retention as the settings say", async () => {
        const e = await evaluateStack("dev");
        const service = serviceOf(e, "prometheus");
        const flags = flagValues("prometheus", containerOf(service).args);
        const mounted = mountedConfigs(e, service);
        const configFile = flags.get("config.file")!;
        expect(mounted.get(configFile), `${configFile} is the rendered prometheus.yml`).to.equal(artifact(e, "monitoring/prometheus.yml"));
        // Its rule_files globs, relative to the config's folder, find every rendered rule file.
        const globs = (YAML.parse(mounted.get(configFile)!) as { rule_files: string[] }).rule_files;
        const ruleFiles = [...e.artifacts.keys()].filter((f) => f.startsWith("monitoring/rules/"));
        expect(ruleFiles).to.not.be.empty;
        for (const file of ruleFiles) {
            const text = artifact(e, file);
            const at = [...mounted].filter(([p]) => globs.some((g) => globMatches(path.posix.join(path.posix.dirname(configFile), g), p)));
            expect(
                at.some(([, content]) => content === text),
                `${file} is mounted where rule_files looks`,
            ).to.equal(true);
        }
        expect(persistentMounts(service)).to.deep.equal([flags.get("storage.tsdb.path")]);
        expect(flags.get("storage.tsdb.retention.time")).to.equal(e.settings.monitoring.retention);
        // A stack that keeps its series longer than the default gets that retention.
        const longer = prometheusWorkload({ ...e.settings.monitoring, retention: "45d" }, []);
        expect(flagValues("prometheus", longer.args!).get("storage.tsdb.retention.time")).to.equal("45d");
        expect(flags.get("web.listen-address")).to.equal(`:${portOf(service, "prometheus")}`);
    });

    it("Alertmanager: flags it knows, the mounted config, the receivers' credentials where alertmanager.yml reads them, no clustering with one replica", async () => {
        const e = await evaluateStack("dev");
        expect(e.settings.monitoring.replicas.alertmanager).to.equal(1);
        const service = serviceOf(e, "alertmanager");
        const flags = flagValues("prometheus-alertmanager", containerOf(service).args);
        const config = mountedConfigs(e, service).get(flags.get("config.file")!);
        expect(config, "the mounted alertmanager.yml").to.equal(artifact(e, "monitoring/alertmanager.yml"));
        expect(persistentMounts(service)).to.deep.equal([flags.get("storage.path")]);
        // Silences and notification logs outlive a restart for a week and a day.
        expect(flags.get("data.retention")).to.equal("192h");
        // An empty listen address turns the gossip cluster off: a lone replica waits for no peer.
        expect(flags.get("cluster.listen-address")).to.equal("");
        expect(flags.has("cluster.peer")).to.equal(false);
        const files = [...config!.matchAll(/_file: (\S+)/g)].map((m) => m[1]);
        expect(files).to.not.be.empty;
        for (const file of files) expect(secretMounts(service), `${file} is a mounted secret`).to.include(file);
        // Prometheus sends alerts to every Alertmanager task by the service's DNS name, on its API port.
        const alerting = (YAML.parse(artifact(e, "monitoring/prometheus.yml")) as Json).alerting.alertmanagers as Json[];
        const dns = alerting.flatMap((a) => a.dns_sd_configs as Json[]);
        expect(dns.flatMap((d) => d.names)).to.deep.equal(
            aliasesOf(service)
                .slice(0, 1)
                .map((alias) => `tasks.${alias}`),
        );
        expect(dns.map((d) => String(d.port))).to.deep.equal([portOf(service, "alertmanager")]);
    });

    it("Alertmanager with more than one replica joins its peers: every task by DNS on the cluster port, which the monitoring network may reach", () => {
        const config = { name: "am", group: "monitoring", files: ["alertmanager.yml"], resource: undefined } as unknown as ConfigHandle;
        const secrets = { name: "receivers", group: "monitoring", keys: ["K"], resource: undefined } as unknown as SecretHandle;
        const settings = { retention: "15d", storage: "50Gi", scrapeInterval: "30s", replicas: { prometheus: 1, alertmanager: 2, grafana: 1 } };
        const spec = alertmanagerWorkload(settings, config, secrets);
        const flags = flagValues("prometheus-alertmanager", spec.args!);
        const cluster = spec.ports.find((p) => p.name === "cluster")!;
        expect(flags.get("cluster.peer")).to.equal(`tasks.${spec.name}:${cluster.port}`);
        expect(flags.has("cluster.listen-address"), "the default listen address (0.0.0.0:9094) gossips").to.equal(false);
        expect(spec.ingress!.filter((i) => i.from === "monitoring").flatMap((i) => i.ports)).to.include("cluster");
        expect(spec.replicas).to.equal(2);
    });

    it("Grafana: sign-up closed, usage reporting off, the admin password read from its Docker secret and never in the environment", async () => {
        const e = await evaluateStack("dev");
        const service = serviceOf(e, "grafana");
        const env = containerOf(service).env as Record<string, string>;
        // Grafana ignores an empty override and keeps its default (allow_sign_up false, reporting_enabled true).
        const setting = (name: string, fallback: string) => env[name] || fallback;
        expect(setting("GF_USERS_ALLOW_SIGN_UP", "false")).to.equal("false");
        expect(setting("GF_ANALYTICS_REPORTING_ENABLED", "true")).to.equal("false");
        expect(setting("GF_SECURITY_ADMIN_USER", "admin")).to.equal("admin");
        expect(env).to.not.have.property("GF_SECURITY_ADMIN_PASSWORD");
        const passwordFile = env.GF_SECURITY_ADMIN_PASSWORD__FILE;
        const secret = ((containerOf(service).secrets ?? []) as Json[]).find((s) => s.fileName === passwordFile);
        expect(secret, `a secret mounted at ${passwordFile}`).to.not.equal(undefined);
        expect(secret!.secretName).to.match(/grafana-admin-password$/);
        for (const [name, value] of Object.entries(env)) expect(value, name).to.not.include(PLACEHOLDER_PREFIX);
    });

    it("Grafana: provisions the rendered datasources and every dashboard from where it looks, and its datasources reach Prometheus and Jaeger", async () => {
        const e = await evaluateStack("dev");
        const service = serviceOf(e, "grafana");
        const env = containerOf(service).env as Record<string, string>;
        const mounted = mountedConfigs(e, service);
        const provisioning = env.GF_PATHS_PROVISIONING;
        const inFolder = (folder: string) => [...mounted].filter(([p]) => path.posix.dirname(p) === path.posix.join(provisioning, folder));
        expect(inFolder("datasources").map(([, text]) => text)).to.deep.equal([artifact(e, "monitoring/grafana/datasources.yml")]);
        const providers = inFolder("dashboards").map(([, text]) => YAML.parse(text) as { providers: { options: { path: string } }[] });
        expect(providers).to.have.length(1);
        const dashboardsPath = providers[0].providers[0].options.path;
        const dashboards = [...e.artifacts.keys()].filter((f) => f.startsWith("monitoring/grafana/dashboards/"));
        expect(dashboards).to.not.be.empty;
        for (const file of dashboards) {
            expect(mounted.get(path.posix.join(dashboardsPath, path.posix.basename(file))), file).to.equal(artifact(e, file));
        }
        // Each datasource names a service Grafana shares a network with, on that service's port.
        const grafanaNetworks = (service.taskSpec.networksAdvanceds as Json[]).map((n) => n.name);
        const datasources = (YAML.parse(artifact(e, "monitoring/grafana/datasources.yml")) as { datasources: { name: string; url: string }[] }).datasources;
        expect(datasources.map((d) => d.name).sort()).to.deep.equal(["Jaeger", "Prometheus"]);
        for (const datasource of datasources) {
            const url = new URL(datasource.url);
            const target = ofType(e, SERVICE)
                .map((r) => r.inputs as Json)
                .find((s) => (s.taskSpec.networksAdvanceds as Json[]).some((n) => n.aliases.includes(url.hostname) && grafanaNetworks.includes(n.name)));
            expect(target, `${datasource.name}: a service ${url.hostname} on Grafana's networks`).to.not.equal(undefined);
            // Prometheus serves its API on its main port; Jaeger its query API on the UI's port, not its health port.
            const port = datasource.name === "Jaeger" ? String(JAEGER_PORTS.ui) : portOf(target!, url.hostname);
            expect(url.port, `${datasource.name}: the port of ${url.hostname}`).to.equal(port);
        }
    });

    it("the edge's gateway reaches Grafana and Alertmanager at their services, on a network it shares with them, on their ports", async () => {
        const e = await evaluateStack("dev");
        const gateway = ofType(e, SERVICE).find((r) => r.name === "edge-gateway-service" && r.urn.includes("sophia:platform:Edge$"));
        expect(gateway, "the edge's gateway").to.not.equal(undefined);
        const gatewayNetworks = ((gateway!.inputs as Json).taskSpec.networksAdvanceds as Json[]).map((n) => n.name);
        const upstreams = new Map([...artifact(e, "edge/nginx.conf").matchAll(/upstream ui_(\w+) \{\s*server ([^;\s]+);/g)].map((m) => [m[1], m[2]] as const));
        for (const ui of ["grafana", "alertmanager"]) {
            const service = serviceOf(e, ui);
            const shared = (service.taskSpec.networksAdvanceds as Json[]).filter((n) => gatewayNetworks.includes(n.name));
            expect(shared, `a network of both the gateway and ${ui}`).to.not.be.empty;
            expect(upstreams.get(ui)).to.equal(`${shared[0].aliases[0]}:${portOf(service, ui)}`);
        }
    });

    it("every monitoring service runs its upstream image at a pinned version, through the stack registry's mirror of Docker Hub", async () => {
        const e = await evaluateStack("dev");
        const upstream: Record<string, string> = {
            prometheus: "prom/prometheus",
            alertmanager: "prom/alertmanager",
            grafana: "grafana/grafana",
            "docker-api": "tecnativa/docker-socket-proxy",
        };
        for (const [workload, repository] of Object.entries(upstream)) {
            const image = containerOf(serviceOf(e, workload)).image as string;
            expect(image, workload).to.match(
                new RegExp(`^${e.settings.registry.replace(/\./g, "\\.")}/mirror/docker\\.io/${repository}:v?\\d+\\.\\d+\\.\\d+$`),
            );
        }
    });

    it("every monitoring service reserves CPU and memory and is limited to at least that much", async () => {
        const e = await evaluateStack("dev");
        for (const workload of ["prometheus", "alertmanager", "grafana", "docker-api"]) {
            const { limits, reservation } = serviceOf(e, workload).taskSpec.resources as Json;
            // Docker reads a zero as no reservation, and as no limit at all.
            for (const key of ["nanoCpus", "memoryBytes"]) {
                expect(reservation[key], `${workload} reservation.${key}`).to.be.greaterThan(0);
                expect(limits[key], `${workload} limits.${key}`).to.be.at.least(reservation[key]);
            }
        }
    });

    it("the Docker socket proxy lets Prometheus list only what its discovery reads, never POST, at the address prometheus.yml names", async () => {
        const e = await evaluateStack("dev");
        const service = serviceOf(e, "docker-api");
        const env = containerOf(service).env as Record<string, string>;
        // tecnativa/docker-socket-proxy's defaults (its Dockerfile); haproxy reads each as a boolean (a non-zero number).
        const defaults: Record<string, string> = { EVENTS: "1", PING: "1", VERSION: "1" };
        const sections = ["AUTH", "BUILD", "COMMIT", "CONFIGS", "CONTAINERS", "DISTRIBUTION", "EXEC", "GRPC", "IMAGES", "INFO", "NETWORKS", "NODES"];
        sections.push(
            "PLUGINS",
            "SECRETS",
            "SERVICES",
            "SESSION",
            "SWARM",
            "SYSTEM",
            "TASKS",
            "VOLUMES",
            "ALLOW_RESTARTS",
            "POST",
            "EVENTS",
            "PING",
            "VERSION",
        );
        const effective = { ...defaults, ...env };
        const allowed = sections.filter((s) => /^[1-9]\d*$/.test(effective[s] ?? "0")).sort();
        // dockerswarm discovery's tasks role lists tasks, services, nodes and networks; the health check pings.
        expect(allowed).to.deep.equal(["EVENTS", "NETWORKS", "NODES", "PING", "SERVICES", "TASKS", "VERSION"]);
        expect(containerOf(service).healthcheck.tests.join(" ")).to.include("/_ping");
        expect((containerOf(service).mounts as Json[]).filter((m) => m.type === "bind").map((m) => m.source)).to.deep.equal(["/var/run/docker.sock"]);
        const jobs = (YAML.parse(artifact(e, "monitoring/prometheus.yml")) as { scrape_configs: Json[] }).scrape_configs;
        const discovery = jobs.flatMap((j) => (j.dockerswarm_sd_configs ?? []) as Json[]);
        expect(discovery).to.not.be.empty;
        for (const d of discovery) {
            expect(d.role).to.equal("tasks");
            expect(d.host).to.equal(`tcp://${aliasesOf(service)[0]}:${portOf(service, "docker-api")}`);
        }
    });
});
