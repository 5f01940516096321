import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CLUSTER_CONFIG_NAMESPACE, ClusterSettings, loadClusterSettings } from "../../clusters/settings";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { requireBinary } from "../support/tools";
import { ROOT } from "../support/plan";
import { Lab } from "./lab";
import { Connection, runRemoteCommand, RemoteCommandArgs } from "./remoteCommand";

const CLUSTERS = path.join(ROOT, "clusters");

/** A cluster stack's settings, read from its stack file as the program reads them. */
export function stackSettings(stack: string): ClusterSettings {
    const { config } = readStackConfig(CLUSTERS, stack, () => []);
    return loadClusterSettings(stack, (k) => config[`${CLUSTER_CONFIG_NAMESPACE}:${k}`], CLUSTERS);
}

/** The n-th address of an IPv4 CIDR (n = 1 is the first host). */
export function nthAddress(cidr: string, n: number): string {
    const [base] = cidr.split("/");
    const value = base.split(".").reduce((v, o) => v * 256 + Number(o), 0) + n;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Peer machines live in a documentation range of their own (RFC 5737), as public addresses would. */
export const PEER_RANGE = "198.51.100.0/24";
/** The namespace that plays the internet: an address in no admin range. */
export const INTERNET_ADDRESS = "192.0.2.66";

export function requireRoot(): void {
    if (process.getuid?.() !== 0) throw new Error("npm run test:hosts needs root (network and mount namespaces, sshd, iptables); CI runs as root");
    for (const binary of ["sshd", "ufw", "sudo", "nsenter", "ip", "python3"]) requireBinary(binary);
}

/** The lab's SSH key pair: the stack's key in a real deployment. */
export function keyPair(lab: Lab): { privateKey: string; publicKey: string } {
    const file = path.join(lab.dir, "id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sophia-test", "-f", file]);
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8") };
}

/** remote.Command's create on one machine, from the admin namespace. */
export function remote(lab: Lab, from: string, machine: string, user: string, privateKey: string) {
    const connection: Connection = { fromNamespace: lab.namespaceOf(from), host: lab.address(machine), user, privateKey };
    return (args: RemoteCommandArgs) => runRemoteCommand(connection, args);
}

/** Raw IP packets of one protocol: send COUNT from a namespace, or count those that arrive with a marker. */
export const RAW_SEND = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[2]))
for i in range(int(sys.argv[3])):
    s.sendto(b"\\x00\\x00\\x10\\x01" + i.to_bytes(4, "big") + sys.argv[4].encode(), (sys.argv[1], 0))
`;
export const RAW_COUNT = `
import socket, sys, time, collections
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[1]))
s.settimeout(0.2)
counts = collections.Counter()
print("ready", flush=True)
until = time.time() + float(sys.argv[3])
while time.time() < until:
    try:
        data, (source, _) = s.recvfrom(65535)
    except socket.timeout:
        continue
    if sys.argv[2].encode() in data:
        counts[source] += 1
for source, n in sorted(counts.items()):
    print(source, n)
`;

/** A tar of a root file system with this machine's static busybox: `docker import` makes it an image, nothing is pulled. */
export function busyboxTar(lab: Lab): string {
    const tar = path.join(lab.dir, "busybox.tar");
    if (fs.existsSync(tar)) return tar;
    const root = path.join(lab.dir, "busybox-root");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.copyFileSync(requireBinary("busybox"), path.join(root, "bin", "busybox"));
    fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
    execFileSync("tar", ["-C", root, "-cf", tar, "."]);
    return tar;
}
