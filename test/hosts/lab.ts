import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireBinary } from "../support/tools";

/**
 * Test hosts as network namespaces on a switch of their own: each host is a network namespace
 * with one veth link on a bridge that lives in the lab's own switch namespace, so this machine's
 * network (its root namespace, its firewall) is never touched. Every host gets an address of its
 * own on one layer-2 segment (a /32 and an on-link default route, so addresses from different
 * ranges, e.g. an admin range and a peer range, reach each other as across the internet).
 *
 * A host's sshd runs in the host's network namespace and in a private mount and UTS namespace of
 * its own, where /etc, /usr/local, /var/lib, /home and /root are overlays on this machine's (each
 * host writes only into its own folder) and /run and /tmp are empty: the scripts run as root and
 * change "their" machine for real, while this machine's files stay as they were.
 */
export interface HostSpec {
    readonly name: string;
    readonly address: string;
}

const SHIMS = path.join(__dirname, "shims");

export class Lab {
    readonly dir: string;
    readonly tag: string;
    readonly switchNs: string;
    private readonly namespaces: string[] = [];
    private readonly processes: ChildProcess[] = [];
    private readonly cgroupParents: string[] = [];
    private readonly hosts = new Map<string, { ns: string; address: string; upper: string }>();

    constructor(tag: string) {
        this.tag = tag;
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `sophia-lab-${tag}-`));
        this.switchNs = this.ns("switch");
        this.namespaces.push(this.switchNs);
        ip("netns", "add", this.switchNs);
        ip("-n", this.switchNs, "link", "add", "lab0", "type", "bridge");
        ip("-n", this.switchNs, "link", "set", "lab0", "up");
    }

    /** The name of a lab namespace: the lab's tag keeps two runs apart. */
    ns(name: string): string {
        return `sophia-${this.tag}-${name}`;
    }

    /** A namespace on the switch with an address, and nothing running in it. */
    addNamespace(spec: HostSpec): string {
        const ns = this.ns(spec.name);
        ip("netns", "add", ns);
        this.namespaces.push(ns);
        // Interface names are at most 15 characters: the switch's ports are numbered.
        const port = `port${this.namespaces.length}`;
        ip("-n", this.switchNs, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", this.switchNs, "link", "set", port, "master", "lab0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        ip("-n", ns, "addr", "add", `${spec.address}/32`, "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "route", "add", "default", "dev", "eth0");
        this.hosts.set(spec.name, { ns, address: spec.address, upper: "" });
        return ns;
    }

    /**
     * A machine: a namespace with its own sshd (port 22, its own host key), a login user with
     * passwordless sudo and the given public key, as Lambda's images have.
     */
    async addMachine(spec: HostSpec, user: string, publicKey: string): Promise<void> {
        const ns = this.addNamespace(spec);
        const root = path.join(this.dir, spec.name);
        fs.mkdirSync(root, { recursive: true });
        const setup = path.join(root, "setup.sh");
        fs.writeFileSync(setup, machineSetup(spec, user, publicKey, this.tag));
        this.cgroupParents.push(cgroupParent(spec.name, this.tag));
        const child = spawn("nsenter", [`--net=/run/netns/${ns}`, "unshare", "--mount", "--uts", "--propagation", "private", "bash", setup, root, SHIMS], {
            stdio: ["ignore", "ignore", fs.openSync(path.join(root, "sshd.log"), "a")],
            detached: true,
        });
        this.processes.push(child);
        this.hosts.get(spec.name)!.upper = path.join(root, "upper");
        await waitFor(() => this.canConnect(spec.name, spec.address, 22), `sshd of ${spec.name} on ${spec.address}:22`, 15_000);
    }

    address(name: string): string {
        return this.hosts.get(name)!.address;
    }

    namespaceOf(name: string): string {
        return this.hosts.get(name)!.ns;
    }

    /** The folder a machine's own changes land in (its overlays' upper layers, by path). */
    upperOf(name: string): string {
        return this.hosts.get(name)!.upper;
    }

    /** A file as the host sees it (what its scripts wrote land in its overlay's upper folder). */
    fileOn(name: string, file: string): string {
        return fs.readFileSync(path.join(this.hosts.get(name)!.upper, file), "utf8");
    }

    /** Runs a program in a host's network namespace (only its network: the files are this machine's). */
    run(name: string, program: string, args: readonly string[], options: { input?: string; timeout?: number } = {}) {
        const result = spawnSync("nsenter", [`--net=/run/netns/${this.namespaceOf(name)}`, program, ...args], {
            encoding: "utf8",
            input: options.input,
            timeout: options.timeout ?? 30_000,
        });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    /** Starts a long-running program in a namespace; stopped with the lab. */
    start(name: string, program: string, args: readonly string[]): ChildProcess {
        const child = spawn("nsenter", [`--net=/run/netns/${this.namespaceOf(name)}`, program, ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
        this.processes.push(child);
        return child;
    }

    /** Whether a TCP connection from one namespace to an address gets an answer: "open", "refused" (passed the firewall, nothing listens) or "filtered". */
    probeTcp(from: string, address: string, port: number): "open" | "refused" | "filtered" {
        const result = this.run(from, "python3", ["-c", PROBE_TCP, address, String(port)], { timeout: 10_000 });
        return result.stdout.trim() as "open" | "refused" | "filtered";
    }

    private canConnect(from: string, address: string, port: number): boolean {
        return this.probeTcp(from, address, port) === "open";
    }

    /** Stops every process the lab started or that runs in its namespaces, then removes the namespaces and files. */
    close(): void {
        killAll(this.processes.filter((c) => c.pid && c.exitCode === null).map((c) => -c.pid!));
        for (const ns of [...this.namespaces].reverse()) {
            killAll(spawnSync(requireBinary("ip"), ["netns", "pids", ns], { encoding: "utf8" }).stdout.split(/\s+/).filter(Boolean).map(Number));
        }
        // Containers the machines' dockerds started live in namespaces of their own: their cgroups find them.
        for (const parent of this.cgroupParents) emptyCgroup(parent);
        for (const ns of [...this.namespaces].reverse()) spawnSync(requireBinary("ip"), ["netns", "del", ns]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function killAll(pids: readonly number[]): void {
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

const subgroups = (dir: string): string[] => [
    dir,
    ...fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => path.join(dir, e.name)),
];

/** Kills every process of a cgroup and its children, then removes them from every cgroup v1 hierarchy dockerd made them in. */
function emptyCgroup(parent: string): void {
    const pids = path.join(CGROUPS, "pids", parent);
    if (fs.existsSync(pids)) {
        for (const group of subgroups(pids)) killAll(fs.readFileSync(path.join(group, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number));
    }
    for (const hierarchy of fs.readdirSync(CGROUPS)) {
        const dir = path.join(CGROUPS, hierarchy, parent);
        if (!fs.existsSync(dir)) continue;
        for (const group of subgroups(dir).reverse()) {
            // A cgroup goes once its last process has exited.
            for (let attempt = 0; attempt < 50 && fs.existsSync(group); attempt++) {
                if (spawnSync("rmdir", [group]).status !== 0) spawnSync("sleep", ["0.1"]);
            }
        }
    }
}

/** cgroup v1's hierarchies (this machine's kind); "pids" lists every process of a cgroup. */
const CGROUPS = "/sys/fs/cgroup";
const cgroupParent = (name: string, tag: string): string => `sophia-${tag}-${name}`;

export function ip(...args: string[]): void {
    execFileSync(requireBinary("ip"), args, { stdio: ["ignore", "ignore", "pipe"] });
}

export async function waitFor(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const PROBE_TCP = `
import socket, sys
s = socket.socket()
s.settimeout(1.5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("open")
except ConnectionRefusedError:
    print("refused")
except OSError:
    print("filtered")
`;

/** The machine's start: overlays, its hostname, the login user, sshd in the foreground. Arguments: ROOT SHIMS. */
function machineSetup(spec: HostSpec, user: string, publicKey: string, tag: string): string {
    return `set -euo pipefail
root=$1 shims=$2
for dir in /etc /usr/local /var/lib /home /root; do
    mkdir -p "$root/upper$dir" "$root/work$dir"
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$root/upper$dir,workdir=$root/work$dir" "$dir"
done
# What this machine lacks (systemd): named stand-ins, first on every PATH. Copied before /tmp is
# emptied, since the checkout may live there.
install -m 0755 "$shims"/* /usr/local/bin/
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
hostname ${spec.name}
echo ${spec.name} >/etc/hostname
echo "127.0.1.1 ${spec.name}" >>/etc/hosts
mkdir -p /var/lib/sophia-shim /run/sshd
# The cgroup this machine's containers go under (the docker stand-in passes it to dockerd), so the
# lab can stop every one of them: container processes live in namespaces of their own.
echo "${cgroupParent(spec.name, tag)}" >/var/lib/sophia-shim/cgroup-parent
id ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user}
# No password at all ("*"), not a locked one ("!"): sshd without PAM refuses locked accounts.
usermod -p '*' ${user}
install -d -m 0700 -o ${user} -g ${user} /home/${user}/.ssh
echo '${publicKey.trim()}' >/home/${user}/.ssh/authorized_keys
chown ${user}:${user} /home/${user}/.ssh/authorized_keys
echo '${user} ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/90-cloud-init-users
chmod 0440 /etc/sudoers.d/90-cloud-init-users
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
# Debian's sshd_config as the images have it: the drop-in folder first, AcceptEnv LANG LC_* only.
mkdir -p /etc/ssh/sshd_config.d
cat >/etc/ssh/sshd_config <<'CONFIG'
Include /etc/ssh/sshd_config.d/*.conf
ListenAddress ${spec.address}
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
CONFIG
exec /usr/sbin/sshd -D -e
`;
}
