// How the pod rules tell containers, init containers and ephemeral (debug) containers apart, and
// how their messages name each one, so a reviewer can find the container a finding is about.
import { expect } from "chai";
import { enforceDropAllCapabilities } from "../../policies/kubernetes/enforceDropAllCapabilities";
import { enforceReadOnlyRootFs } from "../../policies/kubernetes/enforceReadOnlyRootFs";
import { requireProbes } from "../../policies/kubernetes/requireProbes";
import { requireResources } from "../../policies/kubernetes/requireResources";
import { podOf } from "../../policies/kubernetes/workloads";
import { checkResource, clone, compliantPodSpec, urnOf, workload } from "./fixtures";

type Obj = Record<string, any>;

/** A compliant Deployment whose pod `change` adjusts. */
function deployment(change: (pod: Obj) => void) {
    const pod = compliantPodSpec();
    change(pod);
    return workload("kubernetes:apps/v1:Deployment", pod);
}

/** A copy of the main container under another name, without the fields `drop` lists. */
function copyOf(pod: Obj, name: string, ...drop: string[]): Obj {
    const c = clone(pod.containers[0]);
    c.name = name;
    for (const field of drop) delete c[field];
    return c;
}

describe("pod rules by container kind", () => {
    it("do not ask an init container for probes: the API rejects readiness and liveness probes there", () => {
        const r = deployment((p) => (p.initContainers = [copyOf(p, "migrate", "readinessProbe", "livenessProbe")]));
        expect(checkResource(requireProbes, r)).to.deep.equal([]);
    });

    it("ask an init container for requests and limits, and name it as one", () => {
        const r = deployment((p) => (p.initContainers = [copyOf(p, "migrate", "resources")]));
        expect(checkResource(requireResources, r)).to.deep.equal(['initContainer "migrate" has no requests.cpu, requests.memory, limits.cpu, limits.memory']);
    });

    it("do not ask an ephemeral debug container for resources (the API forbids them there) or a read-only root filesystem", () => {
        const r = deployment((p) => (p.ephemeralContainers = [{ name: "debugger", image: "registry.sophia-ai.com/busybox:1.36" }]));
        expect(checkResource(requireResources, r)).to.deep.equal([]);
        expect(checkResource(enforceReadOnlyRootFs, r)).to.deep.equal([]);
    });

    it("still hold an ephemeral container to the capability rules, naming it as one", () => {
        const r = deployment((p) => (p.ephemeralContainers = [{ name: "debugger", image: "registry.sophia-ai.com/busybox:1.36" }]));
        expect(checkResource(enforceDropAllCapabilities, r)).to.deep.equal(['ephemeralContainer "debugger" does not drop ALL capabilities']);
    });

    it("hold an init container to a read-only root filesystem", () => {
        const r = deployment((p) => {
            p.initContainers = [copyOf(p, "migrate")];
            p.initContainers[0].securityContext.readOnlyRootFilesystem = false;
        });
        expect(checkResource(enforceReadOnlyRootFs, r)).to.deep.equal(['initContainer "migrate" does not set readOnlyRootFilesystem: true']);
    });

    it("name a container without a name by its position in its list", () => {
        const r = deployment((p) => p.containers.push(copyOf(p, "unused", "name", "readinessProbe")));
        expect(checkResource(requireProbes, r)).to.deep.equal(['container "#1" has no readinessProbe']);
    });

    it("list every missing request and limit of a container in one message", () => {
        const r = deployment((p) => (p.containers[0].resources = { requests: { memory: "128Mi" }, limits: { memory: "512Mi" } }));
        expect(checkResource(requireResources, r)).to.deep.equal(['container "web" has no requests.cpu, limits.cpu']);
    });

    it("list every capability a container adds beyond NET_BIND_SERVICE", () => {
        const r = deployment((p) => (p.containers[0].securityContext.capabilities.add = ["SYS_ADMIN", "NET_BIND_SERVICE", "NET_RAW"]));
        expect(checkResource(enforceDropAllCapabilities, r)).to.deep.equal(['container "web" adds capabilities SYS_ADMIN, NET_RAW']);
    });
});

describe("the pod a resource runs", () => {
    const template = { metadata: { labels: { app: "web" } }, spec: compliantPodSpec() };

    it("is read only from the workload kinds the rules know, not from any resource with a template", () => {
        const type = "kubernetes:example.com/v1:TemplateHolder";
        expect(podOf({ type, props: { spec: { template } } })).to.equal(undefined);
        expect(podOf({ type: "kubernetes:apps/v1:StatefulSet", props: { spec: { template } } })?.containers.map((c) => c.name)).to.deep.equal(["web"]);
    });

    it("is none for a resource that runs no pod, so a pod rule finds nothing there", () => {
        const service = { type: "kubernetes:core/v1:Service", urn: urnOf("kubernetes:core/v1:Service", "web"), name: "web", props: { spec: { template } } };
        expect(requireResources.check(service, { stack: "test", config: {} })).to.deep.equal([]);
    });
});
