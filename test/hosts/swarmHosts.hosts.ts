import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { isControlPlane, leaderName, nodeLabels, poolScripts, PUBLIC_PORTS } from "../../clusters/hosts";
import { runScriptCommand } from "../../clusters/scripts/common";
import { renderSwarmInit, renderSwarmJoin, renderSwarmLabels, SWARM_PEER_PORTS } from "../../clusters/scripts/swarm";
import type { ClusterSettings, Pool } from "../../clusters/settings";
import { busyboxTar, INTERNET_ADDRESS, keyPair, nthAddress, PEER_RANGE, RAW_COUNT, RAW_SEND, remote, requireRoot, stackSettings } from "./fixture";
import { Lab, waitFor } from "./lab";

/**
 * The dev stack's Swarm hosts, grown to 3 managers and 2 workers, on real machines (network
 * namespaces with their own sshd, ufw/iptables and dockerd), prepared and joined with the scripts
 * the program renders, over SSH as remote.Command runs them, in the order the program's
 * dependency graph gives (clusters/swarm.ts; test/clusters/plan.test.ts checks that graph).
 * The admin range is the stack file's; the peers are the machines' own addresses.
 */
describe("Swarm hosts of the dev stack (3 managers, 2 workers) over real SSH", function () {
    const dev = stackSettings("dev");
    // The worker pool without its GPUs: this machine has none (the GPU variant runs in test/clusters/hostScripts.test.ts).
    const settings: ClusterSettings = {
        ...dev,
        managers: 3,
        pools: dev.pools.map((p) => (isControlPlane(dev, p) ? { ...p, count: 3 } : { ...p, count: 2, gpu: false })),
    };
    const machines: { name: string; pool: Pool; address: string }[] = [];
    settings.pools.forEach((pool) => {
        for (let i = 0; i < pool.count; i++) machines.push({ name: `${settings.environment}-${pool.name}-${i}`, pool, address: "" });
    });
    machines.forEach((m, i) => (m.address = nthAddress(PEER_RANGE, 11 + i)));
    const adminAddress = nthAddress(settings.allowedSshCidrs[0], 10);
    const peers = machines.map((m) => m.address).sort();
    const leader = machines.find((m) => m.name === leaderName(settings))!;
    const managers = machines.filter((m) => isControlPlane(settings, m.pool) && m !== leader);
    const workers = machines.filter((m) => !isControlPlane(settings, m.pool));
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

    const step = (pool: Pool, name: string) => poolScripts(settings, pool).find(([s]) => s === name)![1];

    it("hardens every machine with the peers' addresses; a second run changes nothing", async () => {
        await Promise.all(
            machines.map(async (m) => {
                const first = await run(m.name, runScriptCommand("hardening", step(m.pool, "hardening"), peers));
                expect(first)
                    .to.include("sophia: changed: firewall")
                    .and.match(/sophia: hardening: done$/);
                expect(await run(m.name, "sudo ufw status")).to.match(/^Status: active/);
                // The reloaded sshd (keys only, no root login) still lets the stack in, and nothing changes.
                expect(await run(m.name, runScriptCommand("hardening", step(m.pool, "hardening"), peers))).to.equal("sophia: hardening: no changes");
            }),
        );
    });

    it("lets the internet reach only the public ports, the admin range SSH, and the peers the Swarm ports", () => {
        const [target, peer] = [leader, workers[0]];
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
        const [target, peer] = [leader, workers[0]];
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

    it("sets up every machine's Docker engine (started for real) for the platform's SSH user; a second run changes nothing", async () => {
        await Promise.all(
            machines.map(async (m) => {
                const first = await run(m.name, runScriptCommand("docker", step(m.pool, "docker")));
                expect(first).to.include(`sophia: changed: ${settings.sshUser} added to the docker group`);
                expect(JSON.parse(lab.fileOn(m.name, "etc/docker/daemon.json"))["log-driver"]).to.equal("local");
                expect(await run(m.name, "sudo docker info --format '{{.LoggingDriver}}'")).to.equal("local");
                expect(await run(m.name, `id -nG ${settings.sshUser}`)).to.match(/\bdocker\b/);
                expect(await run(m.name, runScriptCommand("docker", step(m.pool, "docker")))).to.equal("sophia: docker: no changes");
            }),
        );
    });

    const join = async (m: (typeof machines)[number], role: "manager" | "worker") => {
        // As the program: the token read over SSH (stdout trimmed), given on stdin verbatim.
        const token = await run(leader.name, `sudo docker swarm join-token -q ${role}`);
        return run(m.name, runScriptCommand("swarm-join", renderSwarmJoin(), [m.address, leader.address]), token);
    };
    const nodeId = (m: (typeof machines)[number]) => run(m.name, "sudo docker info --format '{{.Swarm.NodeID}}'");
    const label = async (m: (typeof machines)[number]) =>
        run(
            leader.name,
            runScriptCommand("swarm-labels", renderSwarmLabels(), [await nodeId(m), ...Object.entries(nodeLabels(m.pool)).map(([k, v]) => `${k}=${v}`)]),
        );

    it("forms the Swarm in the program's order: init, managers one at a time, then workers, then labels", async () => {
        expect(await run(leader.name, runScriptCommand("swarm-init", renderSwarmInit(), [leader.address]))).to.include(
            `sophia: changed: swarm initialised, advertising ${leader.address}`,
        );
        for (const m of managers) expect(await join(m, "manager")).to.include(`sophia: changed: joined the swarm of ${leader.address}`);
        const joined = await Promise.all(workers.map((m) => join(m, "worker")));
        for (const out of joined) expect(out).to.match(/sophia: swarm-join: done$/);
        for (const m of machines) expect(await label(m)).to.match(/sophia: swarm-labels: done$/);
        const nodes = (await run(leader.name, "sudo docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'")).split("\n").sort();
        expect(nodes).to.deep.equal(
            machines
                .map((m) => `${m.name} ${m === leader ? "Leader" : isControlPlane(settings, m.pool) ? "Reachable" : ""}`.trim())
                .sort()
                .map((n) => (n.split(" ").length === 1 ? `${n} ` : n)),
        );
        for (const m of machines) {
            const labels = JSON.parse(await run(leader.name, `sudo docker node inspect ${m.name} --format '{{json .Spec.Labels}}'`));
            expect(labels, m.name).to.deep.equal(nodeLabels(m.pool));
        }
    });

    it("changes nothing when every script runs again", async () => {
        expect(await run(leader.name, runScriptCommand("swarm-init", renderSwarmInit(), [leader.address]))).to.equal(
            "sophia: already a member of a swarm\nsophia: swarm-init: no changes",
        );
        for (const m of [...managers, ...workers]) {
            expect(await join(m, isControlPlane(settings, m.pool) ? "manager" : "worker")).to.equal(
                "sophia: already a member of a swarm\nsophia: swarm-join: no changes",
            );
        }
        for (const m of machines) {
            expect(await label(m)).to.equal("sophia: swarm-labels: no changes");
            expect(await run(m.name, runScriptCommand("hardening", step(m.pool, "hardening"), peers))).to.equal("sophia: hardening: no changes");
            expect(await run(m.name, runScriptCommand("docker", step(m.pool, "docker")))).to.equal("sophia: docker: no changes");
        }
    });

    /** This machine's static busybox as a local image on a machine: nothing is pulled. */
    const importImage = async (m: (typeof machines)[number]) => {
        const tar = busyboxTar(lab);
        const dir = path.join(lab.upperOf(m.name), "var/lib/sophia-test");
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(tar, path.join(dir, "busybox.tar"));
        await run(m.name, "sudo docker import /var/lib/sophia-test/busybox.tar sophia-test/busybox:local >/dev/null");
        return "sophia-test/busybox:local";
    };

    it("carries overlay traffic between services on two hosts with every firewall up", async () => {
        const [server, client] = workers;
        for (const m of workers) await importImage(m);
        await run(leader.name, "sudo docker network create --driver overlay --attachable sophia-test >/dev/null");
        await run(
            leader.name,
            `sudo docker service create --detach --name echo --network sophia-test --endpoint-mode dnsrr --constraint node.hostname==${server.name} sophia-test/busybox:local /bin/busybox httpd -f -p 7000 -h / >/dev/null`,
        );
        let answered = "";
        for (let attempt = 0; attempt < 60 && !answered.includes("open"); attempt++) {
            answered = await run(
                client.name,
                `sudo docker run --rm --network sophia-test sophia-test/busybox:local /bin/busybox sh -c 'echo | /bin/busybox nc -w 2 tasks.echo 7000 >/dev/null && echo open || echo closed'`,
            ).catch((e: Error) => e.message);
            if (!answered.includes("open")) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(answered).to.equal("open");
    });

    it("lets only the public ports through to published containers (DOCKER-USER), the peers reaching every one", async () => {
        const target = workers[1];
        const peer = managers[0];
        const image = await importImage(target);
        const [publicPort] = PUBLIC_PORTS.map((p) => Number(p.port));
        const privatePort = 8080;
        await run(
            target.name,
            `sudo docker run -d --name web -p ${publicPort}:7000 -p ${privatePort}:7000 ${image} /bin/busybox httpd -f -p 7000 -h / >/dev/null`,
        );
        // Docker has put its jump to DOCKER-USER first in FORWARD, in the machine's own namespace.
        expect(lab.run(target.name, "iptables", ["-S", "FORWARD"]).stdout).to.match(/^-A FORWARD -j DOCKER-USER$/m);
        await waitFor(() => lab.probeTcp(peer.name, target.address, privatePort) === "open", "the container's port from a peer", 20_000);
        expect(lab.probeTcp("internet", target.address, publicPort), "a public port, published").to.equal("open");
        expect(lab.probeTcp("internet", target.address, privatePort), "a published port not meant to be public").to.equal("filtered");
        expect(lab.probeTcp("admin", target.address, privatePort), "admins reach SSH, not containers").to.equal("filtered");
        // A new peer rewrites the firewall (ufw reset and enable) under a running Docker: its jump and chain stay in force.
        const grown = await run(target.name, runScriptCommand("hardening", step(target.pool, "hardening"), [...peers, INTERNET_ADDRESS]));
        expect(grown).to.include("sophia: changed: firewall");
        expect(lab.run(target.name, "iptables", ["-S", "FORWARD"]).stdout).to.match(/^-A FORWARD -j DOCKER-USER$/m);
        expect(lab.probeTcp("internet", target.address, privatePort), "now a peer").to.equal("open");
        expect(lab.probeTcp("admin", target.address, privatePort)).to.equal("filtered");
    });
});
