import { expect } from "chai";
import { EXEMPTIONS, exemptionFor } from "../../policies/exemptions";
import { disallowHostNamespaces } from "../../policies/kubernetes/disallowHostNamespaces";
import { disallowHostPath } from "../../policies/kubernetes/disallowHostPath";
import { RULES } from "../../policies/rules";
import { disallowDockerSocketMount } from "../../policies/swarm/disallowDockerSocketMount";
import { checkResource, compliantPodSpec, swarmService, workload } from "./fixtures";

const withHostPath = (name: string, path: string) => {
    const pod = compliantPodSpec(name);
    pod.volumes.push({ name: "host-0", hostPath: { path, type: "Socket" } });
    return workload("kubernetes:apps/v1:Deployment", pod, name);
};
const withSocket = (name: string) => {
    const s = swarmService(name);
    s.props.taskSpec.containerSpec.mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" });
    return s;
};

describe("policy exemptions", () => {
    it("each names a rule of the pack that consults exemptions, the values it covers, and why", () => {
        const ids = new Set(RULES.map((r) => r.id));
        for (const e of EXEMPTIONS) {
            expect(ids.has(e.rule), e.rule).to.equal(true);
            expect(e.only, `${e.component}/${e.rule}`).to.not.be.empty;
            expect(e.reason.length, `${e.component}/${e.rule}`).to.be.greaterThan(40);
        }
    });
    it("name docker-agent for the Docker socket on Swarm only", () => {
        expect(EXEMPTIONS.find((e) => e.component === "docker-agent" && e.rule === "disallow-host-path")).to.equal(undefined);
        expect(EXEMPTIONS.find((e) => e.component === "docker-agent" && e.rule === "disallow-docker-socket-mount")?.only).to.deep.equal([
            "/var/run/docker.sock",
        ]);
    });
    it("do not let docker-agent mount the Docker socket on Kubernetes, where it is not deployed", () => {
        expect(checkResource(disallowHostPath, withHostPath("docker-agent", "/var/run/docker.sock"))[0]).to.match(/mounts host path \/var\/run\/docker.sock/);
    });
    it("do not let any other component mount the Docker socket", () => {
        expect(checkResource(disallowHostPath, withHostPath("codacy", "/var/run/docker.sock"))[0]).to.match(/docker.sock/);
        expect(checkResource(disallowDockerSocketMount, withSocket("codacy"))[0]).to.match(/Docker socket/);
    });
    it("let the docker-agent Swarm service mount the socket, matched by its network alias", () => {
        expect(checkResource(disallowDockerSocketMount, withSocket("docker-agent"))).to.deep.equal([]);
        expect(exemptionFor("disallow-docker-socket-mount", withSocket("docker-agent"), "/var/run/docker.sock")?.component).to.equal("docker-agent");
    });
    it("let node-exporter use the host network and PID namespaces, but not IPC", () => {
        const pod = compliantPodSpec("node-exporter");
        Object.assign(pod, { hostNetwork: true, hostPID: true });
        expect(checkResource(disallowHostNamespaces, workload("kubernetes:apps/v1:DaemonSet", pod, "node-exporter"))).to.deep.equal([]);
        Object.assign(pod, { hostIPC: true });
        expect(checkResource(disallowHostNamespaces, workload("kubernetes:apps/v1:DaemonSet", pod, "node-exporter"))).to.deep.equal([
            "the pod sets hostIPC: true",
        ]);
    });
});
