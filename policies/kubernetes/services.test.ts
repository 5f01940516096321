import { expect } from "chai";
import { checkResource, checkStack, compliantPodSpec, urnOf, workload } from "../../test/policies/fixtures";
import type { PolicyResource } from "../rule";
import { NETWORK_POLICY, requireDefaultDenyNetworkPolicy } from "./requireDefaultDenyNetworkPolicy";
import { restrictServiceTypes } from "./restrictServiceTypes";

const SERVICE = "kubernetes:core/v1:Service";
const service = (type?: string): PolicyResource => ({
    type: SERVICE,
    urn: urnOf(SERVICE, "web-service"),
    name: "web-service",
    props: { metadata: { name: "web", namespace: "sophia-mcp" }, spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] } },
});

describe(restrictServiceTypes.id, () => {
    it("passes ClusterIP and an unset type", () => {
        expect(checkResource(restrictServiceTypes, service("ClusterIP"))).to.deep.equal([]);
        expect(checkResource(restrictServiceTypes, service())).to.deep.equal([]);
    });
    it("fails NodePort and LoadBalancer", () => {
        expect(checkResource(restrictServiceTypes, service("NodePort"))[0]).to.match(/NodePort is not allowed/);
        expect(checkResource(restrictServiceTypes, service("LoadBalancer"))[0]).to.match(/LoadBalancer is not allowed/);
    });
    it("allows what policy config allows", () => {
        expect(checkResource(restrictServiceTypes, service("LoadBalancer"), { allowedServiceTypes: ["LoadBalancer"] })).to.deep.equal([]);
        expect(checkResource(restrictServiceTypes, service("NodePort"), { allowedServiceTypes: ["LoadBalancer"] })).to.have.length(1);
    });
});

const denyAll = (namespace: string, spec: Record<string, unknown> = {}): PolicyResource => ({
    type: NETWORK_POLICY,
    urn: urnOf(NETWORK_POLICY, `${namespace}-default-deny`),
    name: `${namespace}-default-deny`,
    props: { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec } },
});

describe(requireDefaultDenyNetworkPolicy.id, () => {
    const deployment = workload("kubernetes:apps/v1:Deployment", compliantPodSpec());
    it("passes a namespace with a default-deny policy", () => {
        expect(checkStack(requireDefaultDenyNetworkPolicy, [deployment, denyAll("sophia-mcp")])).to.deep.equal([]);
    });
    it("fails a namespace without one, naming the namespace", () => {
        expect(checkStack(requireDefaultDenyNetworkPolicy, [deployment, denyAll("other")])).to.deep.equal([
            { urn: deployment.urn, message: "namespace sophia-mcp runs workloads but has no default-deny NetworkPolicy" },
        ]);
    });
    it("does not count a policy that selects some pods, covers one direction, or allows traffic", () => {
        for (const spec of [{ podSelector: { matchLabels: { a: "b" } } }, { policyTypes: ["Ingress"] }, { egress: [{ to: [] }] }]) {
            expect(checkStack(requireDefaultDenyNetworkPolicy, [deployment, denyAll("sophia-mcp", spec)])).to.have.length(1);
        }
    });
    for (const type of ["kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Pod"] as const) {
        it(`counts a ${type} as a workload`, () => {
            expect(checkStack(requireDefaultDenyNetworkPolicy, [workload(type)])).to.have.length(1);
        });
    }
});
