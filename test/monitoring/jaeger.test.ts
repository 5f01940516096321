// Jaeger v2's configuration (an OpenTelemetry Collector configuration) and its workload, read the way
// the collector reads them: every component a pipeline or the service names is configured, the
// storage the query service and the exporter use exists, and each endpoint listens on the port the
// workload publishes. Jaeger itself does not run here (docs/03-architecture/monitoring.md).
import { expect } from "chai";
import * as YAML from "yaml";
import { JAEGER_PORTS, jaegerConfigYaml, jaegerWorkload, otlpEndpoint } from "../../components/monitoring/jaeger";
import type { ConfigHandle } from "../../components/platform/types";

type Json = Record<string, any>;
const config = (): Json => YAML.parse(jaegerConfigYaml()) as Json;
const handle = { name: "jaeger", resource: undefined } as unknown as ConfigHandle;
const portOf = (endpoint: string) => Number(/^0\.0\.0\.0:(\d+)$/.exec(endpoint)?.[1]);

describe("monitoring: Jaeger", () => {
    it("configures every extension, receiver, processor and exporter the service and its pipeline name", () => {
        const c = config();
        expect(c.service.extensions).to.have.members(Object.keys(c.extensions));
        const { traces } = c.service.pipelines;
        for (const [kind, names] of Object.entries({ receivers: traces.receivers, processors: traces.processors, exporters: traces.exporters }) as [
            string,
            string[],
        ][]) {
            expect(names, kind).to.not.be.empty;
            for (const name of names) expect(c[kind], `${kind}: ${name}`).to.have.property(name);
        }
        expect(Object.keys(c.service.pipelines)).to.deep.equal(["traces"]);
    });

    it("stores traces in one persistent Badger backend that the exporter writes and the query service reads, for a week", () => {
        const c = config();
        const backends = c.extensions.jaeger_storage.backends;
        expect(Object.keys(backends)).to.have.length(1);
        const [name] = Object.keys(backends);
        expect(c.exporters.jaeger_storage_exporter.trace_storage).to.equal(name);
        expect(c.extensions.jaeger_query.storage.traces).to.equal(name);
        const { badger } = backends[name];
        expect(badger.ephemeral).to.equal(false);
        expect(badger.ttl.spans).to.equal("168h");
        const volume = jaegerWorkload(handle).volumes!.find((v) => v.persistent)!;
        expect(volume, "a persistent volume").to.not.equal(undefined);
        for (const dir of [badger.directories.keys, badger.directories.values]) expect(dir.startsWith(`${volume.mountPath}/`), dir).to.equal(true);
        expect(badger.directories.keys).to.not.equal(badger.directories.values);
    });

    it("listens on every port the workload publishes, on all interfaces, each for what the port's name says", () => {
        const c = config();
        const listening: Record<string, number> = {
            "otlp-grpc": portOf(c.receivers.otlp.protocols.grpc.endpoint),
            "otlp-http": portOf(c.receivers.otlp.protocols.http.endpoint),
            ui: portOf(c.extensions.jaeger_query.http.endpoint),
            health: portOf(c.extensions.healthcheckv2.http.endpoint),
            metrics: c.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port,
        };
        expect(c.service.telemetry.metrics.readers[0].pull.exporter.prometheus.host).to.equal("0.0.0.0");
        const workload = jaegerWorkload(handle);
        expect(Object.fromEntries(workload.ports.map((p) => [p.name, p.port]))).to.deep.equal(listening);
        expect(new Set(Object.values(listening)).size).to.equal(Object.keys(listening).length);
        // The standard OTLP ports, which SDKs use by default, and Jaeger's UI port.
        expect(listening).to.include({ "otlp-grpc": 4317, "otlp-http": 4318, ui: 16686 });
    });

    it("is probed on the health extension's v2 status path, scraped on its metrics port, and reads the file it is given", () => {
        const c = config();
        expect(c.extensions.healthcheckv2.use_v2).to.equal(true);
        const workload = jaegerWorkload(handle);
        expect(workload.health).to.deep.equal({ path: "/status", port: "health" });
        expect(workload.metrics).to.deep.equal({ path: "/metrics", port: "metrics" });
        const [file] = workload.configFiles!;
        expect(workload.args).to.deep.equal(["--config", file.mountPath]);
        expect(file.config).to.equal(handle);
    });

    it("takes traces from the MCP servers, is read by monitoring and the edge, and runs as Jaeger's own user", () => {
        const workload = jaegerWorkload(handle);
        expect(workload.ingress).to.deep.equal([
            { from: "mcp", ports: ["otlp-grpc", "otlp-http"] },
            { from: "monitoring", ports: ["ui", "metrics"] },
            { from: "edge", ports: ["ui"] },
        ]);
        expect(workload.group).to.equal("monitoring");
        expect(workload.runAsUser).to.equal(10001);
        expect(workload.replicas).to.equal(1);
        expect(workload.image).to.match(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
        expect(otlpEndpoint("jaeger.sophia-monitoring.svc.cluster.local")).to.equal(
            `http://jaeger.sophia-monitoring.svc.cluster.local:${JAEGER_PORTS.otlpHttp}`,
        );
    });
});
