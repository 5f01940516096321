import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderDocker } from "../../clusters/scripts/docker";
import { DOCKER_USER_BEGIN, renderHardening, SSHD_HARDENING } from "../../clusters/scripts/hardening";
import { K3S_PEER_PORTS, K3S_RELEASE_URL, K3sInput, renderK3s, renderK3sGpuAddons } from "../../clusters/scripts/k3s";
import { NVIDIA_REPOSITORY, renderNvidia } from "../../clusters/scripts/nvidia";
import { renderSwarmInit, renderSwarmJoin, renderSwarmLabels, SWARM_PEER_PORTS, SWARM_PEER_PROTOCOLS } from "../../clusters/scripts/swarm";
import { hostScripts } from "../../clusters/hosts";
import { loadClusterSettings } from "../../clusters/settings";
import { CLUSTER_CONFIG_NAMESPACE } from "../../clusters/settings";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { requireBinary, runTool } from "../support/tools";
import { ROOT } from "../support/plan";

const SHIMS = path.join(__dirname, "host");

/** Every script each stack of the project renders, by file name. */
function renderedByStacks(): Map<string, string> {
    const all = new Map<string, string>();
    for (const stack of ["dev", "staging", "prod", "dev-k3s"]) {
        const dir = path.join(ROOT, "clusters");
        const { config } = readStackConfig(dir, stack, () => []);
        const settings = loadClusterSettings(stack, (k) => config[`${CLUSTER_CONFIG_NAMESPACE}:${k}`], dir);
        for (const [file, text] of hostScripts(settings)) all.set(`${stack}/${file}`, text);
    }
    return all;
}

describe("host scripts", () => {
    it("are shellcheck-clean, strict and arch-aware in every variant the stacks render", () => {
        requireBinary("shellcheck");
        const scripts = renderedByStacks();
        expect([...scripts.keys()].some((f) => f.startsWith("staging/") && f.includes("k3s"))).to.be.true;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-scripts-"));
        for (const [file, text] of scripts) {
            const target = path.join(dir, file.replace(/\//g, "__"));
            fs.writeFileSync(target, text);
            const result = runTool("shellcheck", ["-s", "bash", "-S", "style", target]);
            expect(result.code, `${file}\n${result.output}`).to.equal(0);
            expect(text, file).to.match(/^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail\n/);
        }
        const gh200 = [...scripts].filter(([f]) => f.startsWith("staging/") && f.includes("gh200"));
        expect(gh200.length).to.be.greaterThan(0);
        for (const [file, text] of gh200.filter(([f]) => !f.includes("labels"))) expect(text, file).to.include('!= "arm64"');
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

/**
 * Runs scripts for real on a test host: a private mount namespace with overlays over /etc,
 * /usr/local and /var/lib (this machine's files are never changed) and shims first on PATH.
 * Real: bash, the scripts' logic, every file they write, `sshd -t` on the written SSH config,
 * the SHA-256 check of the K3s download. Shimmed (test/clusters/host): apt-get, dpkg-query,
 * dpkg --print-architecture, ufw, systemctl, curl, docker, nvidia-smi.
 */
describe("host scripts on a test host (mount namespace, overlays, shims)", function () {
    let host: string;
    let state: string;
    let scripts: string;

    const run = (name: string, text: string, args: string[] = [], options: { arch?: string; stdin?: string } = {}) => {
        const file = path.join(scripts, `${name}.sh`);
        fs.writeFileSync(file, text);
        const result = spawnSync(path.join(SHIMS, "run-host.sh"), [host, SHIMS, file, ...args], {
            encoding: "utf8",
            input: options.stdin ?? "",
            env: { ...process.env, SHIM_STATE: state, SHIM_ARCH: options.arch ?? "amd64" },
            timeout: 60_000,
        });
        return { code: result.status, out: `${result.stdout}${result.stderr}` };
    };
    const onHost = (p: string): string => fs.readFileSync(path.join(host, "upper", p), "utf8");
    const log = (): string => (fs.existsSync(path.join(state, "log")) ? fs.readFileSync(path.join(state, "log"), "utf8") : "");

    before(function () {
        if (process.getuid?.() !== 0) throw new Error("the test host needs root (unshare --mount and overlay mounts); CI runs as root");
        requireBinary("sshd");
        // The hardening script starts from ufw's packaged rule files.
        requireBinary("ufw");
        requireBinary("gpg");
    });
    beforeEach(() => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-host-"));
        host = path.join(root, "host");
        state = path.join(root, "state");
        scripts = path.join(root, "scripts");
        for (const d of [host, state, scripts]) fs.mkdirSync(d);
    });
    afterEach(() => fs.rmSync(path.dirname(host), { recursive: true, force: true }));

    const hardening = renderHardening({
        arch: "amd64",
        adminCidrs: ["203.0.113.0/24"],
        peerPorts: [...SWARM_PEER_PORTS],
        peerProtocols: [...SWARM_PEER_PROTOCOLS],
        dockerUserChain: true,
        adminPorts: [],
        publicPorts: [{ port: "443", proto: "tcp" }],
    });

    it("hardens once, then changes nothing and says so; a new peer rewrites only the firewall", () => {
        const first = run("hardening", hardening, ["198.51.100.1", "198.51.100.2"]);
        expect(first.code, first.out).to.equal(0);
        expect(first.out).to.include("sophia: changed: packages ufw unattended-upgrades");
        expect(first.out).to.match(/sophia: hardening: done\n$/);
        expect(onHost("etc/ssh/sshd_config.d/10-sophia-hardening.conf")).to.equal(SSHD_HARDENING);
        expect(onHost("etc/apt/apt.conf.d/52sophia-unattended-upgrades")).to.include('"origin=Ubuntu,archive=${distro_codename}-security";');
        expect(log()).to.include("systemctl reload ssh");
        const rules = fs.readFileSync(path.join(state, "ufw-rules"), "utf8");
        expect(rules).to.include("allow from 203.0.113.0/24 to any port 22 proto tcp");
        expect(rules).to.include("allow from 198.51.100.2 to any port 7946 proto udp");
        expect(rules).to.include("allow 443/tcp");
        expect(rules, "ESP between Swarm nodes only").to.include("allow proto esp from 198.51.100.2 to any");
        expect(rules).to.not.match(/^allow proto esp to/m);
        const after = onHost("etc/ufw/after.rules");
        expect(after).to.include(DOCKER_USER_BEGIN).and.include("-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 443 -j RETURN");
        expect(after).to.include("-A DOCKER-USER -s 198.51.100.2 -j RETURN\n-A DOCKER-USER -j DROP");
        expect(rules).to.not.match(/port 22 proto tcp\n.*from 0\.0\.0\.0/);
        expect(log()).to.include("ufw default deny incoming");

        const second = run("hardening", hardening, ["198.51.100.1", "198.51.100.2"]);
        expect(second.code, second.out).to.equal(0);
        expect(second.out).to.equal("sophia: hardening: no changes\n");

        const third = run("hardening", hardening, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]);
        expect(third.out).to.equal("sophia: changed: /etc/sophia/firewall.rules\nsophia: changed: firewall\nsophia: hardening: done\n");
        expect(fs.readFileSync(path.join(state, "ufw-rules"), "utf8")).to.include("allow from 198.51.100.3 to any port 2377 proto tcp");
    });

    it("refuses a host whose architecture is not its instance type's", () => {
        const result = run("hardening", hardening, [], { arch: "arm64" });
        expect(result.code).to.equal(1);
        expect(result.out).to.include("sophia: this host is arm64 but its instance type is amd64");
    });

    it("refuses an SSH config sshd rejects (the real sshd -t judges it)", () => {
        const broken = hardening.replace("MaxAuthTries 3", "MaxAuthTries three");
        const result = run("hardening", broken, []);
        expect(result.code).to.not.equal(0);
        expect(result.out).to.match(/MaxAuthTries/);
        expect(log()).to.not.include("systemctl reload ssh");
    });

    const k3s = (over: Partial<K3sInput>): K3sInput => ({
        version: "v1.36.1+k3s1",
        arch: "amd64",
        role: "server",
        first: false,
        labels: { gpu: "false" },
        registrationAddress: "k3s.test.internal",
        clusterCidr: "10.42.0.0/16",
        serviceCidr: "10.43.0.0/16",
        gpu: false,
        releaseUrl: K3S_RELEASE_URL,
        ...over,
    });

    it("installs a pinned K3s server once, checks its checksum, and restarts only on change", () => {
        const input = k3s({ arch: "arm64", first: true, labels: { gpu: "true", tier: "high" } });
        // remote.Command writes stdin verbatim: no trailing newline.
        const first = run("k3s-server", renderK3s(input), ["10.19.0.1", "198.51.100.1"], { arch: "arm64", stdin: "K10-token-planted" });
        expect(first.code, first.out).to.equal(0);
        expect(first.out).to.include("sophia: changed: k3s v1.36.1+k3s1 installed");
        expect(first.out).to.include("sophia: no cluster answers at https://k3s.test.internal:6443: starting one");
        expect(log()).to.include("curl -fsSL -o");
        expect(log()).to.match(/download\/v1\.36\.1%2Bk3s1\/k3s-arm64/);
        expect(log()).to.include("systemctl restart k3s");
        const config = onHost("etc/rancher/k3s/config.yaml");
        expect(config)
            .to.include("cluster-init: true")
            .and.include('node-ip: "10.19.0.1"')
            .and.include('tls-san:\n  - "10.19.0.1"\n  - "198.51.100.1"\n  - "k3s.test.internal"')
            .and.include("flannel-backend: wireguard-native")
            .and.include("cluster-cidr: 10.42.0.0/16\nservice-cidr: 10.43.0.0/16")
            .and.include('- "tier=high"');
        expect(onHost("etc/rancher/k3s/cluster-token")).to.equal("K10-token-planted\n");
        expect(fs.statSync(path.join(host, "upper/etc/rancher/k3s/cluster-token")).mode & 0o777).to.equal(0o600);
        expect(first.out).to.not.include("K10-token-planted");

        fs.writeFileSync(path.join(state, "log"), "");
        // The cluster it started now answers at the registration address: it keeps cluster-init, unchanged.
        fs.writeFileSync(path.join(state, "cluster-answers"), "");
        const second = run("k3s-server", renderK3s(input), ["10.19.0.1", "198.51.100.1"], { arch: "arm64", stdin: "K10-token-planted" });
        expect(second.out).to.equal("sophia: k3s: no changes\n");
        expect(log()).to.not.include("restart");

        const upgraded = run("k3s-server", renderK3s({ ...input, version: "v1.36.2+k3s1" }), ["10.19.0.1", "198.51.100.1"], {
            arch: "arm64",
            stdin: "K10-token-planted",
        });
        expect(upgraded.out).to.include("sophia: changed: k3s v1.36.2+k3s1 installed");
        expect(log()).to.include("systemctl restart k3s");
    });

    it("a replacement first server joins the cluster that answers at the registration address instead of starting an empty one", () => {
        fs.writeFileSync(path.join(state, "cluster-answers"), "");
        const replaced = run("k3s-first-server", renderK3s(k3s({ first: true })), ["10.19.0.9", "198.51.100.9"], { stdin: "K10-token" });
        expect(replaced.code, replaced.out).to.equal(0);
        const config = onHost("etc/rancher/k3s/config.yaml");
        expect(config).to.include('server: "https://k3s.test.internal:6443"').and.not.include("cluster-init");
        expect(log()).to.include("curl -fsk --max-time 10 https://k3s.test.internal:6443/cacerts");
    });

    it("refuses to run without a token on standard input", () => {
        const result = run("k3s-agent", renderK3s(k3s({ role: "agent" })), ["10.19.0.2", "198.51.100.2"], { stdin: "" });
        expect(result.code).to.equal(2);
        expect(result.out).to.include("sophia: expected the cluster token on standard input, got nothing");
    });

    it("joins an agent through the registration address, GPU agents default to the nvidia runtime, and a bad checksum fails", () => {
        const agent = renderK3s(k3s({ role: "agent", gpu: true, labels: { gpu: "true" } }));
        const joined = run("k3s-agent", agent, ["10.19.0.2", "198.51.100.2"], { stdin: "K10-token" });
        expect(joined.code, joined.out).to.equal(0);
        const config = onHost("etc/rancher/k3s/config.yaml");
        expect(config).to.include('server: "https://k3s.test.internal:6443"').and.include("default-runtime: nvidia").and.not.include("flannel-backend");
        expect(onHost("etc/systemd/system/k3s-agent.service")).to.include("ExecStart=/usr/local/bin/k3s agent");
        const tampered = agent.replace('grep " k3s$" sha256sums', `sed 's/^./0/' sha256sums | grep " k3s$"`).replace('"v1.36.1+k3s1"', '"v1.36.3+k3s1"');
        const failed = run("k3s-agent", tampered, ["10.19.0.2", "198.51.100.2"], { stdin: "K10-token" });
        expect(failed.code).to.not.equal(0);
        expect(failed.out).to.match(/FAILED/);
    });

    it("sets up Docker with the NVIDIA runtime on a GPU node once, then changes nothing", () => {
        const prepare = run(
            "toolkit",
            "groupadd -f docker\nmkdir -p /etc/nvidia-container-runtime\necho '#swarm-resource = \"DOCKER_RESOURCE_GPU\"' >/etc/nvidia-container-runtime/config.toml\n",
        );
        expect(prepare.code, prepare.out).to.equal(0);
        fs.writeFileSync(path.join(state, "package-nvidia-container-toolkit"), "");
        const nvidia = run("nvidia", renderNvidia({ arch: "arm64" }), [], { arch: "arm64" });
        expect(nvidia.out).to.equal("sophia: NVIDIA driver 550.127.05, 1 GPU(s)\nsophia: nvidia: no changes\n");
        const docker = renderDocker({ arch: "arm64", gpu: true, user: "root" });
        const first = run("docker", docker, [], { arch: "arm64" });
        expect(first.code, first.out).to.equal(0);
        const daemon = JSON.parse(onHost("etc/docker/daemon.json"));
        expect(daemon["default-runtime"]).to.equal("nvidia");
        expect(daemon["node-generic-resources"]).to.deep.equal(["NVIDIA-GPU=GPU-5e1f0b6a-0000-4000-8000-000000000001"]);
        // The engine names a task's GPUs DOCKER_RESOURCE_NVIDIA-GPU (upper-cased prefix and kind).
        expect(onHost("etc/nvidia-container-runtime/config.toml")).to.equal('swarm-resource = "DOCKER_RESOURCE_NVIDIA-GPU"\n');
        expect(log()).to.include("systemctl restart docker");
        expect(first.out, "real usermod on the host's overlay /etc").to.include("sophia: changed: root added to the docker group");
        const second = run("docker", docker, [], { arch: "arm64" });
        expect(second.out).to.equal("sophia: docker: no changes\n");
    });

    it("initialises, joins and labels a swarm once; the join token comes on stdin only", () => {
        expect(run("init", renderSwarmInit(), ["10.19.0.1"]).out).to.include("sophia: changed: swarm initialised, advertising 10.19.0.1");
        expect(run("init", renderSwarmInit(), ["10.19.0.1"]).out).to.equal("sophia: already a member of a swarm\nsophia: swarm-init: no changes\n");
        fs.rmSync(path.join(state, "swarm-state"));
        const joined = run("join", renderSwarmJoin(), ["10.19.0.2", "10.19.0.1"], { stdin: "SWMTKN-1-planted" });
        expect(joined.code, joined.out).to.equal(0);
        expect(joined.out).to.include("sophia: changed: joined the swarm of 10.19.0.1").and.not.include("SWMTKN");
        expect(log()).to.include("docker swarm join --token SWMTKN-1-planted --advertise-addr 10.19.0.2 10.19.0.1:2377");
        expect(run("join", renderSwarmJoin(), ["10.19.0.2", "10.19.0.1"], { stdin: "SWMTKN-1-planted" }).out).to.include("swarm-join: no changes");
        const labels = run("labels", renderSwarmLabels(), ["node-id-1", "gpu=true", "tier=high"]);
        expect(labels.out).to.include("sophia: changed: label gpu=true on node node-id-1");
        expect(run("labels", renderSwarmLabels(), ["node-id-1", "gpu=true", "tier=high"]).out).to.equal("sophia: swarm-labels: no changes\n");
    });

    it("installs the container toolkit from NVIDIA's repository without downloading the list, and stops when the key download fails", () => {
        const prepare = run("toolkit", "install -d /usr/share/doc && touch /usr/share/doc/.keep\n");
        expect(prepare.code, prepare.out).to.equal(0);
        const failing = run("nvidia", renderNvidia({ arch: "amd64" }));
        expect(failing.code, failing.out).to.not.equal(0);
        expect(log()).to.match(/curl -fsSL -o \S+ https:\/\/nvidia\.github\.io\/libnvidia-container\/gpgkey/);
        expect(log(), "nothing installed after a failed download").to.not.include("apt-get install -y -q --no-install-recommends nvidia-container-toolkit");
        fs.writeFileSync(path.join(state, "gpgkey"), "");
        const installed = run("nvidia", renderNvidia({ arch: "amd64" }));
        expect(installed.code, installed.out).to.equal(0);
        expect(log()).to.not.include("nvidia-container-toolkit.list");
        expect(onHost("etc/apt/sources.list.d/nvidia-container-toolkit.list")).to.equal(
            `deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.gpg] ${NVIDIA_REPOSITORY} /\n`,
        );
    });

    it("drops the NVIDIA device plugin into K3s's manifests once, with no RuntimeClass of its own (K3s has the one)", () => {
        expect(run("gpu", renderK3sGpuAddons()).out).to.include("sophia: k3s-gpu-addons: done");
        const manifest = onHost("var/lib/rancher/k3s/server/manifests/sophia-nvidia-device-plugin.yaml");
        expect(manifest).to.not.include("kind: RuntimeClass");
        expect(manifest).to.include("runtimeClassName: nvidia");
        expect(run("gpu", renderK3sGpuAddons()).out).to.equal("sophia: k3s-gpu-addons: no changes\n");
        expect(K3S_PEER_PORTS.map((p) => p.port)).to.include("2379:2380");
    });
});
