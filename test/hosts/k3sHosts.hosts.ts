import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { k3sBinary } from "../../clusters/scripts/k3s";
import { isControlPlane, k3sScript, poolScripts } from "../../clusters/hosts";
import { runScriptCommand } from "../../clusters/scripts/common";
import { K3S_ADMIN_PORTS, K3S_PEER_PORTS } from "../../clusters/scripts/k3s";
import { renderK3sUpgradeGuard, UPGRADE_SNAPSHOT_PREFIX } from "../../clusters/scripts/k3sUpgrade";
import type { ClusterSettings, Pool } from "../../clusters/settings";
import { INTERNET_ADDRESS, keyPair, nthAddress, PEER_RANGE, remote, requireRoot, stackSettings } from "./fixture";
import { Lab, waitFor } from "./lab";
import { RemoteCommandError } from "./remoteCommand";

/** The next patch release of a pinned K3s version: what an upgrade moves to. */
const nextPatch = (version: string): string => version.replace(/^(v\d+\.\d+\.)(\d+)/, (_, head: string, patch: string) => `${head}${Number(patch) + 1}`);

/**
 * Stand-in for the K3s binary, which cannot be had here: `--version` names its release, and the
 * few `kubectl` and `etcd-snapshot` calls the upgrade guard makes are logged and answered from
 * files, with this node Ready at the binary's own release. Everything around it is real.
 */
function standInK3s(version: string): string {
    return `#!/usr/bin/env bash
log=/var/lib/sophia-shim/k3s.log
state=/var/lib/sophia-shim
case "$1 $2" in
    "--version "*) echo "k3s version ${version} (stand-in)" ;;
    "etcd-snapshot save") echo "etcd-snapshot save $4" >>"$log" ;;
    "kubectl get")
        case "$*" in
            *"get nodes --no-headers"*) echo "$(hostname) Ready control-plane,etcd 1d ${version}" ;;
            *kubeletVersion*) echo -n "${version}" ;;
            *Ready*) echo -n True ;;
            *unschedulable*) [ -f "$state/cordoned" ] && echo -n true ;;
        esac ;;
    "kubectl drain") echo "drain $3" >>"$log"; touch "$state/cordoned" ;;
    "kubectl uncordon") echo "uncordon $3" >>"$log"; rm -f "$state/cordoned" ;;
    *) echo "k3s stand-in: $*" >>"$log" ;;
esac
`;
}

/**
 * The dev-k3s stack's machines on real hosts (network namespaces with their own sshd and ufw),
 * prepared over SSH as remote.Command does. K3s releases come from a mirror in the lab (the
 * stack's k3sReleaseUrl setting) that serves stand-in binaries with their real SHA-256 lists.
 */
describe("K3s hosts of the dev-k3s stack over real SSH", function () {
    const stack = stackSettings("dev-k3s");
    const mirrorAddress = nthAddress(PEER_RANGE, 200);
    const settings: ClusterSettings = { ...stack, k3sReleaseUrl: `http://${mirrorAddress}:8000/releases` };
    const machines: { name: string; pool: Pool; address: string }[] = [];
    settings.pools.forEach((pool) => {
        for (let i = 0; i < pool.count; i++) machines.push({ name: `${settings.environment}-${pool.name}-${i}`, pool, address: "" });
    });
    machines.forEach((m, i) => (m.address = nthAddress(PEER_RANGE, 21 + i)));
    const peers = machines.map((m) => m.address).sort();
    const server = machines.find((m) => isControlPlane(settings, m.pool))!;
    const agent = machines.find((m) => !isControlPlane(settings, m.pool))!;
    const podAddress = nthAddress(settings.k3sClusterCidr, 5);
    let lab: Lab;
    let exec: (machine: string, create: string, stdin?: string, environment?: Record<string, string>) => Promise<string>;

    function publishRelease(version: string): void {
        const dir = path.join(lab.dir, "mirror", "releases", version);
        fs.mkdirSync(dir, { recursive: true });
        const sums: string[] = [];
        for (const arch of ["amd64", "arm64"] as const) {
            const text = standInK3s(version);
            fs.writeFileSync(path.join(dir, k3sBinary(arch)), text);
            sums.push(`${crypto.createHash("sha256").update(text).digest("hex")}  ${k3sBinary(arch)}`);
        }
        for (const arch of ["amd64", "arm64"]) fs.writeFileSync(path.join(dir, `sha256sum-${arch}.txt`), `${sums.join("\n")}\n`);
    }

    before(async function () {
        requireRoot();
        lab = new Lab(`k${process.pid}`);
        const key = keyPair(lab);
        lab.addNamespace({ name: "admin", address: nthAddress(settings.allowedSshCidrs[0], 10) });
        lab.addNamespace({ name: "internet", address: INTERNET_ADDRESS });
        lab.addNamespace({ name: "pod", address: podAddress });
        lab.addNamespace({ name: "mirror", address: mirrorAddress });
        publishRelease(settings.k3sVersion!);
        lab.start("mirror", "python3", ["-m", "http.server", "--bind", mirrorAddress, "--directory", path.join(lab.dir, "mirror"), "8000"]);
        await Promise.all(machines.map((m) => lab.addMachine({ name: m.name, address: m.address }, settings.sshUser, key.publicKey)));
        await waitFor(() => lab.probeTcp("admin", mirrorAddress, 8000) === "open", "the release mirror", 10_000);
        exec = async (machine, create, stdin, environment) =>
            (await remote(lab, "admin", machine, settings.sshUser, key.privateKey)({ create, stdin, environment })).stdout;
        // The registration address's DNS record, which the operator creates: every server's address.
        for (const m of machines) await exec(m.name, `echo '${server.address} ${settings.k3sRegistrationAddress}' | sudo tee -a /etc/hosts >/dev/null`);
    });
    after(() => lab?.close());

    it("gives the command its stdin verbatim and no environment that sshd's AcceptEnv refuses", async () => {
        const out = await exec(server.name, `printf '%s|' "\${K3S_TOKEN-unset}"; od -An -c`, "K10secret", { K3S_TOKEN: "from-environment" });
        expect(out.replace(/\s+/g, " ").trim()).to.equal("unset| K 1 0 s e c r e t");
    });

    it("hardens with K3s's ports: the peers reach the cluster ports, the pod and service networks get in, the internet nothing", async () => {
        for (const m of machines) {
            const hardening = poolScripts(settings, m.pool).find(([step]) => step === "hardening")![1];
            expect(await exec(m.name, runScriptCommand("hardening", hardening, peers))).to.match(/sophia: hardening: done$/);
            expect(await exec(m.name, runScriptCommand("hardening", hardening, peers))).to.equal("sophia: hardening: no changes");
        }
        const tcp = (ports: readonly { port: string; proto: string }[]) =>
            ports.filter((p) => p.proto === "tcp").flatMap((p) => (p.port.includes(":") ? p.port.split(":").map(Number) : [Number(p.port)]));
        for (const port of tcp(K3S_PEER_PORTS)) {
            expect(lab.probeTcp(agent.name, server.address, port), `peer → ${port}`).to.equal("refused");
            expect(lab.probeTcp("internet", server.address, port), `internet → ${port}`).to.equal("filtered");
        }
        for (const port of [22, ...tcp(K3S_ADMIN_PORTS)]) expect(lab.probeTcp("admin", server.address, port), `admin → ${port}`).to.not.equal("filtered");
        expect(lab.probeTcp("admin", server.address, 10250), "the kubelet is for peers only").to.equal("filtered");
        // A pod's address (the pod network) reaches any port, as pod-to-node traffic does.
        expect(lab.probeTcp("pod", server.address, 10250)).to.equal("refused");
        expect(lab.probeTcp("pod", server.address, 9100)).to.equal("refused");
        expect(lab.probeTcp("internet", server.address, 9100)).to.equal("filtered");
    });

    it("installs the first server from the mirror with the token from stdin, starts the cluster since none answers, and changes nothing the second time", async () => {
        const script = runScriptCommand("k3s-first-server", k3sScript(settings, server.pool, true), [server.address, server.address]);
        const first = await exec(server.name, script, "K10-cluster-token");
        expect(first).to.include(`sophia: changed: k3s ${settings.k3sVersion} installed`);
        expect(first).to.include(`sophia: no cluster answers at https://${settings.k3sRegistrationAddress}:6443: starting one`);
        expect(first).to.not.include("K10-cluster-token");
        expect(lab.fileOn(server.name, "etc/rancher/k3s/cluster-token")).to.equal("K10-cluster-token\n");
        const config = lab.fileOn(server.name, "etc/rancher/k3s/config.yaml");
        expect(config).to.include("cluster-init: true").and.include("flannel-backend: wireguard-native").and.include(`- "${settings.k3sRegistrationAddress}"`);
        expect(await exec(server.name, "sudo /usr/local/bin/k3s --version")).to.equal(`k3s version ${settings.k3sVersion} (stand-in)`);
        expect(await exec(server.name, script, "K10-cluster-token")).to.equal("sophia: k3s: no changes");
    });

    it("joins an agent through the registration address, never through server-0's own address", async () => {
        const script = runScriptCommand("k3s-agent", k3sScript(settings, agent.pool, false), [agent.address, agent.address]);
        const out = await exec(agent.name, script, "K10-cluster-token");
        expect(out).to.match(/sophia: k3s-agent: done$/);
        const config = lab.fileOn(agent.name, "etc/rancher/k3s/config.yaml");
        expect(config).to.include(`server: "https://${settings.k3sRegistrationAddress}:6443"`).and.not.include(server.address);
        if (agent.pool.gpu) expect(config).to.include("default-runtime: nvidia");
        // remote.Command fails the resource on a non-zero exit: no token, no join.
        const refused = await exec(agent.name, script, "").catch((e: unknown) => e);
        expect(refused).to.be.instanceOf(RemoteCommandError);
        expect((refused as RemoteCommandError).exitCode).to.equal(2);
    });

    it("upgrades through the guard in order: version skew checked, etcd snapshot, drain, the new release, Ready, uncordon", async () => {
        const target = nextPatch(settings.k3sVersion!);
        publishRelease(target);
        const guard = (phase: string, version: string) => runScriptCommand("k3s-upgrade-guard", renderK3sUpgradeGuard(), [phase, server.name, version]);
        const skipped = await exec(server.name, guard("before", "v1.99.0+k3s1")).catch((e: unknown) => e);
        expect((skipped as RemoteCommandError).output).to.include("upgrade one minor release at a time");
        await exec(server.name, guard("before", target));
        const upgraded = { ...settings, k3sVersion: target };
        const install = await exec(
            server.name,
            runScriptCommand("k3s-first-server", k3sScript(upgraded, server.pool, true), [server.address, server.address]),
            "K10-cluster-token",
        );
        expect(install).to.include(`sophia: changed: k3s ${target} installed`);
        await exec(server.name, guard("after", target));
        expect(await exec(server.name, "sudo cat /var/lib/sophia-shim/k3s.log")).to.equal(
            [
                `etcd-snapshot save ${UPGRADE_SNAPSHOT_PREFIX}-${server.name}-${target.replace("+", "-")}`,
                `drain ${server.name}`,
                `uncordon ${server.name}`,
            ].join("\n"),
        );
        expect(await exec(server.name, "sudo grep -c 'systemctl restart k3s' /var/lib/sophia-shim/log")).to.equal("2");
        expect(await exec(server.name, guard("after", target))).to.equal("sophia: k3s-upgrade-guard: no changes");
    });
});
