import { expectArch, fileFrom, prelude } from "./common";
import type { Arch } from "../pricing";

/** A port (or range "2379:2380") and protocol, as ufw writes them. */
export interface PortRule {
    readonly port: string;
    readonly proto: "tcp" | "udp";
}

export interface HardeningInput {
    readonly arch: Arch;
    /** Who may reach SSH and the cluster's API. */
    readonly adminCidrs: readonly string[];
    /** Ports only the cluster's own machines reach (passed as arguments: their addresses). */
    readonly peerPorts: readonly PortRule[];
    /** Ports the admins reach besides SSH (the K3s API). */
    readonly adminPorts: readonly PortRule[];
    /** Ports anyone reaches (the edge's HTTP and HTTPS). */
    readonly publicPorts: readonly PortRule[];
    /** IP protocols the peers exchange besides ports (ufw's names: esp for Swarm's encrypted overlay). */
    readonly peerProtocols?: readonly string[];
    /** Networks that live inside the cluster (K3s's pod and service networks): let in and routed. */
    readonly clusterNetworks?: readonly string[];
    /**
     * On Docker hosts: Docker's published ports bypass ufw's INPUT rules (Docker writes its own
     * FORWARD/NAT rules), so its DOCKER-USER chain lets through only the public ports, the peers
     * and container-to-container traffic, and drops the rest.
     */
    readonly dockerUserChain?: boolean;
}

export const SSHD_HARDENING = `# Keys only: no passwords, no keyboard-interactive, no root login.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
PubkeyAuthentication yes
MaxAuthTries 3
X11Forwarding no
`;

/** Security updates only, applied daily; reboots are left to a drained, planned window. */
export const AUTO_UPGRADES = `APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT::Periodic::AutocleanInterval "7";
`;
export const UNATTENDED_UPGRADES = `Unattended-Upgrade::Origins-Pattern {
    "origin=Ubuntu,archive=\${distro_codename}-security";
};
Unattended-Upgrade::Automatic-Reboot "false";
Unattended-Upgrade::Remove-Unused-Dependencies "true";
`;

const ufwRule = (from: string, r: PortRule): string => `allow from ${from} to any port ${r.port} proto ${r.proto}`;

/** Rules for each peer given as an argument, for every cluster port and protocol. */
function peerLoop(ports: readonly PortRule[], protocols: readonly string[]): string {
    if (ports.length === 0 && protocols.length === 0) return "";
    const portLoop = ports.length
        ? `        for port in ${ports.map((r) => `${r.port}/${r.proto}`).join(" ")}; do
            echo "allow from $peer to any port \${port%/*} proto \${port#*/}"
        done
`
        : "";
    const protocolLines = protocols.map((p) => `        echo "allow proto ${p} from $peer to any"\n`).join("");
    return `    for peer in "$@"; do
${portLoop}${protocolLines}    done
`;
}

/** Where ufw's package keeps its pristine rule files; "ufw reset" restores them. */
const UFW_TEMPLATES = "/usr/share/ufw/iptables";
export const DOCKER_USER_BEGIN = "# BEGIN sophia DOCKER-USER";
export const DOCKER_USER_END = "# END sophia DOCKER-USER";

/**
 * ufw's after.rules with a DOCKER-USER chain appended (iptables-restore --noflush, as ufw loads it,
 * flushes a declared chain first, so a reload replaces it whole). Published ports are matched on
 * the port the client asked for (conntrack's original destination), since Docker has already
 * rewritten the destination to the container's by then.
 */
function dockerUserRules(publicPorts: readonly PortRule[]): string {
    const lines = [
        "-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
        // Containers talking to each other and to the world leave through Docker's bridges.
        "-A DOCKER-USER -i docker0 -j RETURN",
        "-A DOCKER-USER -i docker_gwbridge -j RETURN",
        "-A DOCKER-USER -i br-+ -j RETURN",
        ...publicPorts.map((r) => `-A DOCKER-USER -p ${r.proto} -m conntrack --ctorigdstport ${r.port} -j RETURN`),
    ];
    return `    echo "${DOCKER_USER_BEGIN}"
    echo "*filter"
    echo ":DOCKER-USER - [0:0]"
${lines.map((l) => `    echo "${l}"`).join("\n")}
    for peer in "$@"; do
        echo "-A DOCKER-USER -s $peer -j RETURN"
    done
    echo "-A DOCKER-USER -j DROP"
    echo "COMMIT"
    echo "${DOCKER_USER_END}"
`;
}

/**
 * OS hardening: SSH by key only, unattended security updates, and a default-deny firewall (ufw)
 * that opens SSH and the API to the admin ranges, the cluster ports and protocols to the peers
 * given as arguments, the cluster's own networks, and the public ports to anyone; on Docker hosts
 * the same holds for published container ports. Usage: hardening.sh PEER_ADDRESS...
 */
export function renderHardening(input: HardeningInput): string {
    const admin = input.adminCidrs.flatMap((c) => [ufwRule(c, { port: "22", proto: "tcp" }), ...input.adminPorts.map((r) => ufwRule(c, r))]);
    const open = input.publicPorts.map((r) => `allow ${r.port}/${r.proto}`);
    // Pods and services reach each other across nodes: in, and through (forwarded to local pods).
    const internal = (input.clusterNetworks ?? []).flatMap((n) => [`allow from ${n}`, `route allow from ${n}`]);
    return `${prelude("OS hardening: SSH by key only, unattended security updates, a default-deny firewall")}
${expectArch(input.arch)}
ensure_packages ufw unattended-upgrades

${fileFrom("/etc/ssh/sshd_config.d/10-sophia-hardening.conf", "0644", SSHD_HARDENING)}if [ "$FILE_CHANGED" -eq 1 ]; then
    install -d -m 0755 /run/sshd
    sshd -t
    systemctl reload ssh
fi

${fileFrom("/etc/apt/apt.conf.d/20auto-upgrades", "0644", AUTO_UPGRADES)}${fileFrom("/etc/apt/apt.conf.d/52sophia-unattended-upgrades", "0644", UNATTENDED_UPGRADES)}
# The firewall's rules, from this rendering and the peers' addresses: rewritten only when they change.
rules=$(mktemp)
{
${[...admin, ...open, ...internal].map((r) => `    echo "${r}"`).join("\n")}
${peerLoop(input.peerPorts, input.peerProtocols ?? [])}} >"$rules"
install_file /etc/sophia/firewall.rules 0644 <"$rules"
rm -f "$rules"
# ufw's after.rules as "ufw reset" leaves it${input.dockerUserChain ? ", plus the DOCKER-USER chain" : ""}.
after=$(mktemp)
{
    cat ${UFW_TEMPLATES}/after.rules
${input.dockerUserChain ? dockerUserRules(input.publicPorts) : ""}} >"$after"
if [ "$FILE_CHANGED" -eq 1 ] || ! cmp -s "$after" /etc/ufw/after.rules || ! ufw status | grep -q "^Status: active"; then
    ufw --force reset >/dev/null
    install -m 0640 "$after" /etc/ufw/after.rules
    ufw default deny incoming >/dev/null
    ufw default allow outgoing >/dev/null
    ufw default deny routed >/dev/null
    while read -r -a rule; do
        ufw "\${rule[@]}" >/dev/null
    done </etc/sophia/firewall.rules
    ufw --force enable >/dev/null
    changed "firewall"
fi
rm -f "$after"
finish hardening
`;
}
