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

/** Rules for each peer given as an argument, for every cluster port. */
function peerLoop(ports: readonly PortRule[]): string {
    if (ports.length === 0) return "";
    return `    for peer in "$@"; do
        for port in ${ports.map((r) => `${r.port}/${r.proto}`).join(" ")}; do
            echo "allow from $peer to any port \${port%/*} proto \${port#*/}"
        done
    done
`;
}

/**
 * OS hardening: SSH by key only, unattended security updates, and a default-deny firewall (ufw)
 * that opens SSH and the API to the admin ranges, the cluster ports to the peers given as
 * arguments, and the public ports to anyone. Usage: hardening.sh PEER_ADDRESS...
 */
export function renderHardening(input: HardeningInput): string {
    const admin = input.adminCidrs.flatMap((c) => [ufwRule(c, { port: "22", proto: "tcp" }), ...input.adminPorts.map((r) => ufwRule(c, r))]);
    const open = input.publicPorts.map((r) => `allow ${r.port}/${r.proto}`);
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
${[...admin, ...open].map((r) => `    echo "${r}"`).join("\n")}
${peerLoop(input.peerPorts)}} >"$rules"
install_file /etc/sophia/firewall.rules 0644 <"$rules"
rm -f "$rules"
if [ "$FILE_CHANGED" -eq 1 ] || ! ufw status | grep -q "^Status: active"; then
    ufw --force reset >/dev/null
    ufw default deny incoming
    ufw default allow outgoing
    while read -r -a rule; do
        ufw "\${rule[@]}" >/dev/null
    done </etc/sophia/firewall.rules
    ufw --force enable
    changed "firewall"
fi
finish hardening
`;
}
