import { expect } from "chai";
import { poolScripts, PUBLIC_PORTS } from "../../clusters/hosts";
import { runScriptCommand } from "../../clusters/scripts/common";
import { SWARM_PEER_PORTS } from "../../clusters/scripts/swarm";
import type { Pool } from "../../clusters/settings";
import {
    importBusybox,
    INTERNET_ADDRESS,
    keyPair,
    nthAddress,
    PEER_RANGE,
    RAW_COUNT,
    RAW_SEND,
    remote,
    requireRoot,
    stackSettings,
    startDockerd,
} from "./fixture";
import { Lab, waitFor } from "./lab";

/**
 * The dev stack's Swarm hosts on real machines (network namespaces with their own sshd and
 * ufw/iptables), prepared with the scripts the program renders, over SSH as remote.Command runs
 * them. The admin range is the stack file's; the peers are the machines' own addresses.
 */
describe("Swarm hosts of the dev stack: hardening and firewall over real SSH", function () {
    const settings = stackSettings("dev");
    const machines: { name: string; pool: Pool; address: string }[] = [];
    settings.pools.forEach((pool) => {
        for (let i = 0; i < pool.count; i++) machines.push({ name: `${settings.environment}-${pool.name}-${i}`, pool, address: "" });
    });
    machines.forEach((m, i) => (m.address = nthAddress(PEER_RANGE, 11 + i)));
    const adminAddress = nthAddress(settings.allowedSshCidrs[0], 10);
    const peers = machines.map((m) => m.address).sort();
    let lab: Lab;
    let run: (machine: string, create: string, stdin?: string) => Promise<string>;

    before(async function () {
        requireRoot();
        lab = new Lab(`s${process.pid}`);
        const key = keyPair(lab);
        lab.addNamespace({ name: "admin", address: adminAddress });
        lab.addNamespace({ name: "internet", address: INTERNET_ADDRESS });
        await Promise.all(machines.map((m) => lab.addMachine({ name: m.name, address: m.address }, settings.sshUser, key.publicKey)));
        run = async (machine, create, stdin) => (await remote(lab, "admin", machine, settings.sshUser, key.privateKey)({ create, stdin })).stdout;
    });
    after(() => lab?.close());

    const hardening = (pool: Pool) => poolScripts(settings, pool).find(([step]) => step === "hardening")![1];

    it("hardens every machine with the peers' addresses; a second run changes nothing", async () => {
        expect(machines.length, "the dev stack's machines").to.be.greaterThan(1);
        for (const m of machines) {
            const first = await run(m.name, runScriptCommand("hardening", hardening(m.pool), peers));
            expect(first)
                .to.include("sophia: changed: firewall")
                .and.match(/sophia: hardening: done$/);
            expect(await run(m.name, "sudo ufw status")).to.match(/^Status: active/);
            // The reloaded sshd (keys only, no root login) still lets the stack in, and nothing changes.
            expect(await run(m.name, runScriptCommand("hardening", hardening(m.pool), peers))).to.equal("sophia: hardening: no changes");
        }
    });

    it("lets the internet reach only the public ports, the admin range SSH, and the peers the Swarm ports", () => {
        const [target, peer] = machines;
        const tcpPeerPorts = SWARM_PEER_PORTS.filter((p) => p.proto === "tcp").map((p) => Number(p.port));
        expect(lab.probeTcp("admin", target.address, 22)).to.equal("open");
        expect(lab.probeTcp("internet", target.address, 22)).to.equal("filtered");
        for (const port of tcpPeerPorts) {
            expect(lab.probeTcp(peer.name, target.address, port), `peer → ${port}`).to.equal("refused");
            expect(lab.probeTcp("internet", target.address, port), `internet → ${port}`).to.equal("filtered");
            expect(lab.probeTcp("admin", target.address, port), `admin → ${port}`).to.equal("filtered");
        }
        for (const port of PUBLIC_PORTS.map((p) => Number(p.port))) {
            // Nothing listens there yet: "refused" means the firewall let the connection through.
            expect(lab.probeTcp("internet", target.address, port), `internet → ${port}`).to.equal("refused");
        }
        expect(lab.probeTcp("internet", target.address, 8080), "a port nobody opened").to.equal("filtered");
    });

    it("lets ESP (IP protocol 50) in from a peer and from nowhere else: raw packets, counted on arrival", async () => {
        const [target, peer] = machines;
        const marker = `esp-${process.pid}`;
        const counter = lab.start(target.name, "python3", ["-c", RAW_COUNT, "50", marker, "4"]);
        let output = "";
        counter.stdout!.on("data", (d: Buffer) => (output += d.toString()));
        await new Promise<void>((resolve) => counter.stdout!.once("data", () => resolve()));
        for (const from of [peer.name, "internet", "admin"]) {
            const sent = lab.run(from, "python3", ["-c", RAW_SEND, target.address, "50", "5", marker]);
            expect(sent.code, sent.stderr).to.equal(0);
        }
        await new Promise<void>((resolve) => counter.on("exit", () => resolve()));
        const counts = Object.fromEntries(
            output
                .split("\n")
                .filter((l) => /^\d/.test(l))
                .map((l) => l.split(" ")),
        );
        expect(counts).to.deep.equal({ [peer.address]: "5" });
    });

    it("sets up the image's Docker engine for the platform's SSH user; a second run changes nothing", async () => {
        const m = machines.find((x) => !x.pool.gpu)!;
        const docker = poolScripts(settings, m.pool).find(([step]) => step === "docker")![1];
        const first = await run(m.name, runScriptCommand("docker", docker));
        expect(first).to.include(`sophia: changed: ${settings.sshUser} added to the docker group`);
        expect(JSON.parse(lab.fileOn(m.name, "etc/docker/daemon.json"))["log-driver"]).to.equal("local");
        expect(await run(m.name, `id -nG ${settings.sshUser}`)).to.match(/\bdocker\b/);
        expect(await run(m.name, runScriptCommand("docker", docker))).to.equal("sophia: docker: no changes");
    });

    it("lets only the public ports through to published containers (DOCKER-USER), the peers reaching every one", async () => {
        const [target, peer] = machines;
        const docker = await startDockerd(lab, target.name);
        const image = importBusybox(lab, docker);
        const [publicPort] = PUBLIC_PORTS.map((p) => Number(p.port));
        const privatePort = 8080;
        docker([
            "run",
            "-d",
            "--name",
            "web",
            "-p",
            `${publicPort}:7000`,
            "-p",
            `${privatePort}:7000`,
            image,
            "/bin/busybox",
            "httpd",
            "-f",
            "-p",
            "7000",
            "-h",
            "/www",
        ]);
        // Docker has put its jump to DOCKER-USER first in FORWARD, in the machine's own namespace.
        expect(lab.run(target.name, "iptables", ["-S", "FORWARD"]).stdout).to.match(/^-A FORWARD -j DOCKER-USER$/m);
        await waitFor(() => lab.probeTcp(peer.name, target.address, privatePort) === "open", "the container's port from a peer", 20_000);
        expect(lab.probeTcp("internet", target.address, publicPort), "a public port, published").to.equal("open");
        expect(lab.probeTcp("internet", target.address, privatePort), "a published port not meant to be public").to.equal("filtered");
        expect(lab.probeTcp("admin", target.address, privatePort), "admins reach SSH, not containers").to.equal("filtered");
        expect(lab.probeTcp(peer.name, target.address, privatePort), "a peer").to.equal("open");
        docker(["rm", "-f", "web"]);
    });
});
