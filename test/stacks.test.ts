import { expect } from "chai";
import { loadCatalog } from "../catalog";
import { leaderName } from "../clusters/hosts";
import { clusterStacks, offlineIp } from "../clusters/offline";
import { SECRET_MARKER } from "../commands/plan/recorder";
import type { PlanFile } from "../commands/plan/planFile";
import { planOf } from "./support/plan";

const catalog = loadCatalog();
/** The catalog entries a target runs: an entry may be limited to some targets (docker-agent to Swarm). */
const serversOn = (target: string) => catalog.servers.filter((s) => (s.targets as readonly string[]).includes(target));
const ofType = (plan: PlanFile, type: string) => plan.resources.filter((r) => r.type === type);
const mcpServers = (plan: PlanFile) => ofType(plan, "sophia:platform:McpServer");
/** Resources whose parent is the named McpServer component. */
const childrenOf = (plan: PlanFile, server: string) => {
    const urn = mcpServers(plan).find((r) => r.name === server)!.urn;
    return plan.resources.filter((r) => r.parent === urn);
};

describe("stacks, evaluated from their real stack files", () => {
    describe("dev (Docker Swarm)", () => {
        it("yields one McpServer component per catalog entry, each with one docker Service", () => {
            const { plan } = planOf("dev");
            expect(plan!.target).to.equal("swarm");
            expect(
                mcpServers(plan!)
                    .map((r) => r.name)
                    .sort(),
            ).to.deep.equal(
                serversOn("swarm")
                    .map((s) => s.name)
                    .sort(),
            );
            const services = ofType(plan!, "docker:index/service:Service").filter((s) =>
                (s.inputs as any).labels.some((l: any) => l.label === "sophia.ai/mcp-server"),
            );
            expect(services).to.have.length(serversOn("swarm").length);
            for (const server of serversOn("swarm")) {
                expect(
                    childrenOf(plan!, server.name).filter((r) => r.type === "docker:index/service:Service"),
                    server.name,
                ).to.have.length(1);
            }
        });

        it("reaches the manager through the Docker host the dev cluster stack hands off", () => {
            const { plan } = planOf("dev");
            const [provider] = ofType(plan!, "pulumi:providers:docker");
            const cluster = clusterStacks().find((s) => s.environment === "dev")!;
            expect((provider.inputs as any).host).to.equal(`ssh://${cluster.sshUser}@${offlineIp(leaderName(cluster))}`);
        });

        it("gives each server exactly its declared secrets, and a cache server its Redis password, as docker secrets", () => {
            const { plan } = planOf("dev");
            for (const server of serversOn("swarm")) {
                const secrets = childrenOf(plan!, server.name).filter((r) => r.type === "docker:index/secret:Secret");
                expect(secrets, server.name).to.have.length(server.secrets.length + (server.cache ? 1 : 0));
                for (const s of secrets) expect((s.inputs as any).data).to.equal(SECRET_MARKER);
            }
        });
    });

    for (const [stack, target] of [
        ["staging", "k3s"],
        ["prod", "kubernetes"],
    ]) {
        describe(`${stack} (${stack === "staging" ? "K3s" : "Kubernetes"})`, () => {
            it("yields one McpServer component per entry the target runs, with a Deployment, a Service and a NetworkPolicy each", () => {
                const { plan } = planOf(stack);
                expect(
                    mcpServers(plan!)
                        .map((r) => r.name)
                        .sort(),
                ).to.deep.equal(
                    serversOn(target)
                        .map((s) => s.name)
                        .sort(),
                );
                expect(serversOn(target).length).to.be.lessThan(catalog.servers.length);
                for (const server of serversOn(target)) {
                    const types = childrenOf(plan!, server.name).map((r) => r.type);
                    for (const type of [
                        "kubernetes:apps/v1:Deployment",
                        "kubernetes:core/v1:Service",
                        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                        "kubernetes:core/v1:ServiceAccount",
                    ]) {
                        expect(
                            types.filter((t) => t === type),
                            `${server.name} ${type}`,
                        ).to.have.length(1);
                    }
                }
            });

            it("adds a PDB exactly where replicas > 1 and an HPA exactly where the tier scales", () => {
                const { plan } = planOf(stack);
                for (const server of serversOn(target)) {
                    const children = childrenOf(plan!, server.name);
                    const deployment = children.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any;
                    const hpa = children.find((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")?.inputs as any;
                    const baseReplicas = hpa ? hpa.spec.minReplicas : deployment.spec.replicas;
                    const pdbs = children.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
                    expect(pdbs, server.name).to.have.length(baseReplicas > 1 ? 1 : 0);
                    if (hpa) expect(hpa.spec.maxReplicas, server.name).to.be.greaterThan(hpa.spec.minReplicas);
                }
            });
        });
    }

    it("prod runs critical and high servers with at least 2 replicas, a PDB and spread", () => {
        const { plan } = planOf("prod");
        for (const server of serversOn("kubernetes").filter((s) => s.tier === "critical" || s.tier === "high")) {
            const children = childrenOf(plan!, server.name);
            const hpa = children.find((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")?.inputs as any;
            const deployment = children.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any;
            expect(hpa ? hpa.spec.minReplicas : deployment.spec.replicas, server.name).to.be.at.least(2);
            expect(
                children.some((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget"),
                server.name,
            ).to.equal(true);
            expect(deployment.spec.template.spec.topologySpreadConstraints, server.name).to.have.length.greaterThan(0);
        }
    });

    it("staging uses the K3s differences and prod the full Kubernetes ones", () => {
        const spreadOf = (stack: string) =>
            (
                ofType(planOf(stack).plan!, "kubernetes:apps/v1:Deployment").find((d) => (d.inputs as any).spec.template.spec.topologySpreadConstraints)!
                    .inputs as any
            ).spec.template.spec.topologySpreadConstraints;
        expect(spreadOf("staging").map((c: any) => c.whenUnsatisfiable)).to.deep.equal(["ScheduleAnyway"]);
        expect(spreadOf("prod").map((c: any) => c.topologyKey)).to.deep.equal(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
    });

    it("secrets go from config to workload as Pulumi secrets, referenced and never inlined", () => {
        for (const stack of ["staging", "prod"]) {
            const { plan } = planOf(stack);
            for (const secret of ofType(plan!, "kubernetes:core/v1:Secret")) expect((secret.inputs as any).stringData, secret.urn).to.equal(SECRET_MARKER);
            for (const server of serversOn(plan!.target)) {
                const deployment = childrenOf(plan!, server.name).find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any;
                const env: any[] = deployment.spec.template.spec.containers[0].env;
                for (const name of server.secrets) {
                    expect(
                        env.find((e) => e.name === name),
                        `${stack} ${server.name} ${name}`,
                    ).to.deep.equal({
                        name,
                        valueFrom: { secretKeyRef: { name: `${server.name}-secrets`, key: name } },
                    });
                }
            }
        }
    });
});
