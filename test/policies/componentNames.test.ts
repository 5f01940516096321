// The names a resource answers to when the pack matches exemptions and backup jobs: a Kubernetes
// object's name and name labels, a Swarm service's name, name labels and network aliases; nothing else.
import { expect } from "chai";
import { componentNames, exemptionFor } from "../../policies/exemptions";
import { disallowHostPath } from "../../policies/kubernetes/disallowHostPath";
import { disallowDockerSocketMount } from "../../policies/swarm/disallowDockerSocketMount";
import { checkResource, compliantPodSpec, swarmService, workload } from "./fixtures";

type Obj = Record<string, any>;

/** A Swarm service that mounts the Docker socket, named by `labels` and `aliases` only (its service name matches nothing). */
function socketService(labels: Obj[], aliases?: string[]) {
    const s = swarmService("agent");
    s.props.name = "sophia-agent";
    s.props.labels = labels;
    s.props.taskSpec.networksAdvanceds = [{ name: "sophia-mcp-id", ...(aliases ? { aliases } : {}) }];
    s.props.taskSpec.containerSpec.mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" });
    return s;
}
const socketFinding = ["the service mounts the Docker socket /var/run/docker.sock"];

describe("the names a component answers to", () => {
    it("for a Swarm service: its name, its two name labels and its network aliases, and nothing else", () => {
        const props = {
            name: "sophia-docker-agent",
            labels: [
                { label: "sophia.ai/mcp-server", value: "docker-agent" },
                { label: "app.kubernetes.io/name", value: "agent" },
                { label: "maintainer", value: "platform-team" },
                null,
            ],
            taskSpec: { networksAdvanceds: [{ name: "sophia-mcp-id", aliases: ["docker-agent-alias"] }, { name: "monitoring" }, null] },
        };
        expect([...componentNames({ name: "docker-agent-service", props })].sort()).to.deep.equal([
            "agent",
            "docker-agent",
            "docker-agent-alias",
            "sophia-docker-agent",
        ]);
    });

    it("for a Kubernetes object: its name and both name labels, though they differ", () => {
        const metadata = { name: "prometheus-node-exporter", labels: { "app.kubernetes.io/name": "node-exporter", "sophia.ai/mcp-server": "exporter" } };
        expect([...componentNames({ name: "ne", props: { metadata } })].sort()).to.deep.equal(["exporter", "node-exporter", "prometheus-node-exporter"]);
    });

    it("only non-empty text: an empty name or a number is no name", () => {
        const metadata = { name: "", labels: { "app.kubernetes.io/name": 42, "sophia.ai/mcp-server": "web" } };
        expect([...componentNames({ name: "web", props: { metadata } })]).to.deep.equal(["web"]);
    });
});

describe("exemptions matched by a component's other names", () => {
    it("exempt the node-exporter DaemonSet by its app.kubernetes.io/name label when its own name differs", () => {
        const pod = compliantPodSpec("node-exporter");
        pod.volumes.push({ name: "proc", hostPath: { path: "/proc" } });
        const daemonSet = workload("kubernetes:apps/v1:DaemonSet", pod, "prometheus-node-exporter", { "app.kubernetes.io/name": "node-exporter" });
        expect(checkResource(disallowHostPath, daemonSet)).to.deep.equal([]);
    });

    it("exempt the docker-agent Swarm service by its sophia.ai/mcp-server label alone", () => {
        const s = socketService([{ label: "sophia.ai/mcp-server", value: "docker-agent" }]);
        expect(checkResource(disallowDockerSocketMount, s)).to.deep.equal([]);
    });

    it("exempt the docker-api Swarm service by its app.kubernetes.io/name label alone", () => {
        const s = socketService([{ label: "app.kubernetes.io/name", value: "docker-api" }]);
        expect(exemptionFor("disallow-docker-socket-mount", s, "/var/run/docker.sock")?.component).to.equal("docker-api");
        expect(checkResource(disallowDockerSocketMount, s)).to.deep.equal([]);
    });

    it("exempt the docker-agent Swarm service by its network alias alone", () => {
        const s = socketService([], ["docker-agent"]);
        expect(checkResource(disallowDockerSocketMount, s)).to.deep.equal([]);
    });

    it("are not granted by any other label that happens to hold an exempt component's name", () => {
        const s = socketService([{ label: "com.example.managed-by", value: "docker-agent" }], ["agent"]);
        expect(checkResource(disallowDockerSocketMount, s)).to.deep.equal(socketFinding);
    });
});
