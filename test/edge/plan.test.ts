// The edge as the program registers it from each real stack file (evaluated in process, under the
// recording mocks), and the errors bad input gets from the plan command.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { expect } from "chai";
import { loadCatalog } from "../../catalog";
import { nginxServers } from "../../policies/edge/routes";
import { loadProgramInputs } from "../../stacks/inputs";
import { InvalidInputError } from "../../stacks/problems";
import type { RecordedResource } from "../../commands/plan/recorder";
import { ROOT, runPlan } from "../support/plan";
import { artifact, evaluateStack, ofType } from "../support/program";

const catalog = loadCatalog();
const publicServers = catalog.servers.filter((s) => s.expose === "public").map((s) => s.name);
const internalServers = catalog.servers.filter((s) => s.expose === "internal").map((s) => s.name);
/** Public servers that keep sessions in a replica's memory: the edge reaches them replica by replica. */
const stickyServers = catalog.servers.filter((s) => s.expose === "public" && s.sessionAffinity);
/** Internal servers a target runs (a catalog entry may be limited to some targets). */
const internalOn = (target: string) =>
    catalog.servers.filter((s) => s.expose === "internal" && (s.targets as readonly string[]).includes(target)).map((s) => s.name);
const domains: Record<string, string> = { dev: "dev.sophia-ai.com", staging: "staging.sophia-ai.com", prod: "sophia-ai.com" };

/** Hosts the edge serves: the public MCP servers, and the monitoring UIs behind sign-in. */
const UIS = ["grafana", "alertmanager", "jaeger"];
const routedHosts = (domain: string) => [...publicServers.map((s) => `${s}.mcp.${domain}`), ...UIS.map((ui) => `${ui}.${domain}`)];

const inputs = (r: RecordedResource): any => r.inputs;

describe("edge in the stacks' plans", function () {
    this.timeout(120_000);

    it("the catalog keeps most servers internal and exposes a few", () => {
        expect(publicServers.length).to.be.within(1, 5);
        expect(internalServers.length).to.be.above(20);
    });

    for (const stack of ["staging", "prod"]) {
        describe(`${stack} (Kubernetes Ingress to the authenticating gateway)`, () => {
            it("gives each public server one TLS Ingress to the gateway, and internal servers none", async () => {
                const e = await evaluateStack(stack);
                const ingresses = ofType(e, "kubernetes:networking.k8s.io/v1:Ingress").map(inputs);
                const hosts = ingresses.flatMap((i) => i.spec.rules.map((r: { host: string }) => r.host));
                expect(hosts).to.have.members(routedHosts(domains[stack]));
                for (const i of ingresses) {
                    expect(i.spec.tls[0].hosts).to.deep.equal([i.spec.rules[0].host]);
                    expect(i.metadata.annotations["cert-manager.io/cluster-issuer"]).to.equal("sophia-acme");
                    expect(i.spec.rules[0].http.paths[0].backend.service.name).to.equal("edge-gateway");
                }
                expect(ofType(e, "kubernetes:cert-manager.io/v1:ClusterIssuer")).to.have.length(1);
            });

            it("lets only the edge namespace reach exposed servers' ports, and nothing reach internal ones from the edge", async () => {
                const e = await evaluateStack(stack);
                const policies = ofType(e, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(inputs);
                const sources = (server: string): string[] =>
                    policies
                        .filter((p) => p.metadata.name === server && p.metadata.namespace === "sophia-mcp")
                        .flatMap((p) =>
                            p.spec.ingress.flatMap((rule: { from: { namespaceSelector: { matchLabels: Record<string, string> } }[] }) =>
                                rule.from.map((f) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
                            ),
                        );
                for (const s of publicServers) expect(sources(s), s).to.have.members(["sophia-monitoring", "sophia-edge"]);
                for (const s of internalOn(e.settings.target)) expect(sources(s), s).to.deep.equal(["sophia-monitoring"]);
                const gateway = policies.find((p) => p.metadata.name === "edge-gateway");
                const controller = stack === "staging" ? "kube-system" : "ingress-nginx";
                expect(gateway.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).to.equal(controller);
            });

            it("lists each session-affinity server's pods in a headless Service the gateway looks up in the cluster DNS", async () => {
                expect(stickyServers.length, "the catalog has a public server with session affinity").to.be.above(0);
                const e = await evaluateStack(stack);
                const config = artifact(e, "edge/nginx.conf");
                const services = ofType(e, "kubernetes:core/v1:Service").map(inputs);
                const workloads = [...ofType(e, "kubernetes:apps/v1:Deployment"), ...ofType(e, "kubernetes:apps/v1:StatefulSet")].map(inputs);
                for (const server of stickyServers) {
                    const headless = services.find((s) => s.metadata.name === `${server.name}-replicas`);
                    expect(headless, server.name).to.not.equal(undefined);
                    expect(headless.spec.clusterIP).to.equal("None");
                    expect(headless.spec.ports.map((p: { port: number }) => p.port)).to.deep.equal([server.port]);
                    const pods = workloads.find((w) => w.metadata.name === server.name).spec.template.metadata.labels;
                    for (const [key, value] of Object.entries(headless.spec.selector)) expect(pods[key], `${server.name} pods' ${key}`).to.equal(value);
                    expect(config).to.contain(`set $mcp_replicas ${server.name}-replicas.${headless.metadata.namespace}.svc.cluster.local;`);
                }
                expect(config).to.match(/resolver kube-dns\.kube-system\.svc\.cluster\.local /);
                // Only servers with affinity get one.
                const listed = services.map((s) => s.metadata.name as string).filter((n) => n.endsWith("-replicas"));
                expect(listed).to.have.members(stickyServers.map((s) => `${s.name}-replicas`));
            });

            it("authenticates every route in the gateway config", async () => {
                const config = artifact(await evaluateStack(stack), "edge/nginx.conf");
                const proxying = nginxServers(config).filter((s) => s.proxies);
                expect(proxying.map((s) => s.serverNames[0])).to.have.members(routedHosts(domains[stack]));
                for (const s of proxying) expect(s.authenticated, s.serverNames[0]).to.equal(true);
            });
        });
    }

    describe("dev (Swarm: the gateway is the front door)", () => {
        const services = async () => ofType(await evaluateStack("dev"), "docker:index/service:Service").map(inputs);
        const networksOf = (services: any[], name: string): string[] =>
            services.find((s) => s.name === `sophia-${name}`).taskSpec.networksAdvanceds.map((n: { name: string }) => n.name);

        it("publishes only the gateway, on 443 and 80", async () => {
            const published = (await services()).filter((s) => s.endpointSpec?.ports?.length);
            expect(published.map((s) => s.name)).to.deep.equal(["sophia-edge-gateway"]);
            expect(published[0].endpointSpec.ports.map((p: { publishedPort: number }) => p.publishedPort)).to.have.members([443, 80]);
        });

        it("puts exposed servers on the edge network and keeps internal ones off it", async () => {
            const all = await services();
            const networks = (name: string) => networksOf(all, name);
            for (const s of publicServers) expect(networks(s), s).to.include("sophia-edge-id");
            for (const s of internalServers) expect(networks(s), s).to.not.include("sophia-edge-id");
            // The gateway also reaches the monitoring UIs it serves behind sign-in.
            expect(networks("edge-gateway")).to.have.members(["sophia-edge-id", "sophia-monitoring-id"]);
        });

        it("serves every routed host over TLS with authentication, and no internal server's host", async () => {
            const config = artifact(await evaluateStack("dev"), "edge/nginx.conf");
            const proxying = nginxServers(config).filter((s) => s.proxies);
            expect(proxying.map((s) => s.serverNames[0])).to.have.members(routedHosts("dev.sophia-ai.com"));
            for (const s of proxying) {
                expect(s.listens.some((l) => l.includes("ssl"))).to.equal(true);
                expect(s.authenticated).to.equal(true);
            }
            for (const s of internalServers) expect(config).to.not.include(`${s}.mcp.`);
        });

        it("reaches each session-affinity server through tasks.<service>, asking Docker's DNS while it runs", async () => {
            const config = artifact(await evaluateStack("dev"), "edge/nginx.conf");
            expect(stickyServers.length).to.be.above(0);
            for (const server of stickyServers) {
                expect(config).to.contain(`set $mcp_replicas tasks.${server.name};`);
                expect(config).to.contain(`proxy_pass http://$mcp_replicas:${server.port};`);
            }
            expect(config).to.match(/resolver 127\.0\.0\.11 /);
        });
    });
});

describe("edge input errors", function () {
    this.timeout(120_000);
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let tmp = "";
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-edge-input-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    function catalogWith(edit: (servers: Record<string, unknown>[]) => void): string {
        const data = YAML.parse(fs.readFileSync(path.join(ROOT, "catalog", "mcp-servers.yaml"), "utf8"));
        edit(data.servers);
        const file = path.join(tmp, `catalog-${Math.random().toString(36).slice(2)}.yaml`);
        fs.writeFileSync(file, YAML.stringify(data));
        return file;
    }

    it("names the entry and field of an unknown exposure and of a public server without clients", () => {
        const file = catalogWith((servers) => {
            servers[1].expose = "everyone";
            servers[2].expose = "public";
        });
        const run = runPlan(["--stack", "prod", "--catalog", file]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.contain(' servers[1] (codacy).expose: got "everyone"; expected public or internal');
        expect(run.stderr).to.contain("servers[2] (anthropic-mcp).clients: not set; a public server needs the client identities allowed to call it");
    });

    it("rejects an unknown auth mode with the valid ones", () => {
        const prod = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config["sophia:edge"];
        const run = runPlan(["--stack", "prod"], { PULUMI_CONFIG: JSON.stringify({ "sophia:edge": JSON.stringify({ ...prod, authMode: "saml" }) }) });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.contain(' sophia:edge.authMode: got "saml"; unknown auth mode: expected one of oidc');
    });

    it("refuses a public server when the stack has no domain or edge", () => {
        const config: Record<string, string> = {
            target: "kubernetes",
            registry: "registry.example.com",
            kubeconfig: "x",
            nodeCapacity: '{"nodes":3,"cpu":"8","memory":"32Gi"}',
        };
        let error: unknown;
        try {
            loadProgramInputs({ stack: "prod", readConfig: (key) => config[key] ?? (/^[A-Z]/.test(key) ? "secret" : undefined), isSecret: () => true });
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(InvalidInputError);
        const problems = (error as InvalidInputError).problems.filter((p) => p.where.endsWith(".expose"));
        expect(problems.map((p) => p.where)).to.have.members(publicServers.map((s) => `mcp-servers.yaml (${s}).expose`));
        expect(problems[0].message).to.contain("does not set sophia:domain and sophia:edge");
    });

    it("refuses ACME on Swarm, whose gateway serves a provided certificate", () => {
        const dev = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config["sophia:edge"];
        const run = runPlan(["--stack", "dev"], {
            PULUMI_CONFIG: JSON.stringify({ "sophia:edge": JSON.stringify({ ...dev, tls: "acme", acmeEmail: "ops@example.com" }) }),
        });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.contain(' sophia:edge.tls: got "acme"; target swarm serves a provided certificate');
    });
});
