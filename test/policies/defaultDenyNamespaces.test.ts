// Which namespaces require-default-deny-network-policy holds to a default-deny policy, which policy
// counts as one, and where a finding lands; and the Service types restrict-service-types names.
import { expect } from "chai";
import { NETWORK_POLICY, requireDefaultDenyNetworkPolicy } from "../../policies/kubernetes/requireDefaultDenyNetworkPolicy";
import { restrictServiceTypes } from "../../policies/kubernetes/restrictServiceTypes";
import type { PolicyResource } from "../../policies/rule";
import { checkResource, checkStack, compliantPodSpec, urnOf, workload } from "./fixtures";

const SERVICE = "kubernetes:core/v1:Service";

function policy(namespace: string | undefined, spec: Record<string, unknown> = {}, type = NETWORK_POLICY): PolicyResource {
    const name = `${namespace ?? "unset"}-default-deny`;
    return {
        type,
        urn: urnOf(type, name),
        name,
        props: {
            metadata: { name: "default-deny", ...(namespace ? { namespace } : {}) },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec },
        },
    };
}

function service(type?: string, namespace = "sophia-mcp"): PolicyResource {
    return {
        type: SERVICE,
        urn: urnOf(SERVICE, `web-${namespace}`),
        name: `web-${namespace}`,
        props: { metadata: { name: "web", namespace }, spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] } },
    };
}

const missing = (namespace: string, urn: string) => ({ urn, message: `namespace ${namespace} runs workloads but has no default-deny NetworkPolicy` });

describe("require-default-deny-network-policy on namespaces", () => {
    const web = workload("kubernetes:apps/v1:Deployment", compliantPodSpec("web"), "web");
    const worker = workload("kubernetes:apps/v1:StatefulSet", compliantPodSpec("worker"), "worker");

    it("reports a namespace once, on its first workload", () => {
        expect(checkStack(requireDefaultDenyNetworkPolicy, [web, worker])).to.deep.equal([missing("sophia-mcp", web.urn)]);
        expect(checkStack(requireDefaultDenyNetworkPolicy, [worker, web])).to.deep.equal([missing("sophia-mcp", worker.urn)]);
    });

    it("does not count Services or other objects as workloads", () => {
        expect(checkStack(requireDefaultDenyNetworkPolicy, [service(undefined, "edge")])).to.deep.equal([]);
        expect(checkStack(requireDefaultDenyNetworkPolicy, [service(undefined, "sophia-mcp"), web])).to.deep.equal([missing("sophia-mcp", web.urn)]);
    });

    it("puts a workload without a namespace in default, where a policy without one covers it", () => {
        const bare = workload("kubernetes:core/v1:Pod", compliantPodSpec("bare"), "bare");
        delete bare.props.metadata.namespace;
        expect(checkStack(requireDefaultDenyNetworkPolicy, [bare])).to.deep.equal([missing("default", bare.urn)]);
        expect(checkStack(requireDefaultDenyNetworkPolicy, [bare, policy(undefined)])).to.deep.equal([]);
    });

    it("does not count a policy that allows some ingress", () => {
        expect(checkStack(requireDefaultDenyNetworkPolicy, [web, policy("sophia-mcp", { ingress: [{ from: [] }] })])).to.deep.equal([
            missing("sophia-mcp", web.urn),
        ]);
    });

    it("does not count a policy whose podSelector matches expressions: it selects only some pods", () => {
        const some = { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["web"] }] } };
        expect(checkStack(requireDefaultDenyNetworkPolicy, [web, policy("sophia-mcp", some)])).to.deep.equal([missing("sophia-mcp", web.urn)]);
    });

    it("counts only a Kubernetes NetworkPolicy, not another kind with the same spec", () => {
        const lookalike = policy("sophia-mcp", {}, "kubernetes:example.com/v1:NetworkPolicyTemplate");
        expect(checkStack(requireDefaultDenyNetworkPolicy, [web, lookalike])).to.deep.equal([missing("sophia-mcp", web.urn)]);
    });
});

describe("restrict-service-types findings", () => {
    it("name the types allowed, ClusterIP and those the stack's config adds", () => {
        expect(checkResource(restrictServiceTypes, service("NodePort"), { allowedServiceTypes: ["LoadBalancer", "ExternalName"] })).to.deep.equal([
            "Service type NodePort is not allowed (allowed: ClusterIP, LoadBalancer, ExternalName)",
        ]);
    });

    it("allow ClusterIP alone when the rule is given no config at all", () => {
        expect(restrictServiceTypes.check(service("NodePort"), { stack: "test", config: {} })).to.deep.equal([
            "Service type NodePort is not allowed (allowed: ClusterIP)",
        ]);
    });
});
