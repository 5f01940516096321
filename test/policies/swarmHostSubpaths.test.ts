// disallow-host-root-mount on paths inside the sensitive directories: a bind mount of /proc/1/root
// is the host's whole filesystem, /root/.ssh and /etc/shadow its credentials, /var/lib/docker/volumes
// the other containers' data. The Docker socket under /var/run is judged by its own rule.
import { expect } from "chai";
import { disallowDockerSocketMount } from "../../policies/swarm/disallowDockerSocketMount";
import { disallowHostRootMount } from "../../policies/swarm/disallowHostRootMount";
import { checkResource, swarmService } from "./fixtures";

const binding = (source: string) => {
    const s = swarmService("web");
    s.props.taskSpec.containerSpec.mounts = [{ type: "bind", source, target: "/host", readOnly: true }];
    return s;
};

describe(`${disallowHostRootMount.id}: paths inside the sensitive directories`, () => {
    for (const path of [
        "/proc/1/root",
        "/root/.ssh",
        "/etc/shadow",
        "/var/lib/docker/volumes",
        "/sys/fs/cgroup",
        "/dev/sda",
        "/boot/grub/",
        "/run/containerd",
    ]) {
        it(`refuses a bind mount of ${path}`, () => {
            expect(checkResource(disallowHostRootMount, binding(path))).to.deep.equal([`the service bind-mounts the host's ${path}`]);
        });
    }

    it("passes a directory that only begins with a sensitive one's name, and one outside them all", () => {
        for (const path of ["/etcetera", "/rooted/data", "/devices", "/srv/data", "/var/lib/app"])
            expect(checkResource(disallowHostRootMount, binding(path)), path).to.deep.equal([]);
    });

    it("leaves the Docker socket to the socket's own rule: one finding, not two", () => {
        for (const path of ["/var/run/docker.sock", "/run/docker.sock"]) {
            expect(checkResource(disallowHostRootMount, binding(path)), path).to.deep.equal([]);
            expect(checkResource(disallowDockerSocketMount, binding(path)), path).to.have.length(1);
        }
        // Anything else in /var/run is refused here.
        expect(checkResource(disallowHostRootMount, binding("/var/run/secrets"))).to.deep.equal(["the service bind-mounts the host's /var/run/secrets"]);
    });
});
