import * as YAML from "yaml";
import { expectArch, fileFrom, prelude, readStdinSecret, shellQuote } from "./common";
import type { Arch } from "../pricing";

/** Ports K3s nodes reach each other on: the API, etcd, the kubelet, flannel's WireGuard. */
export const K3S_PEER_PORTS = [
    { port: "6443", proto: "tcp" },
    { port: "2379:2380", proto: "tcp" },
    { port: "10250", proto: "tcp" },
    { port: "51820", proto: "udp" },
] as const;
/** Pod traffic between nodes is encrypted (WireGuard), since staging's nodes talk across regions over the internet. */
export const K3S_FLANNEL_BACKEND = "wireguard-native";
/** The API, which the admins' ranges (and CI) reach with the kubeconfig. */
export const K3S_ADMIN_PORTS = [{ port: "6443", proto: "tcp" }] as const;

export interface K3sInput {
    readonly version: string;
    readonly arch: Arch;
    /** server: control plane with embedded etcd; agent: workloads only. */
    readonly role: "server" | "agent";
    /** The first server starts the etcd cluster when none answers at the registration address; the others join it. */
    readonly first: boolean;
    readonly labels: Readonly<Record<string, string>>;
    /** The fixed address every node joins through (a DNS name or address that reaches the servers). */
    readonly registrationAddress: string;
    /** The pod and service networks (servers set them; every node's firewall lets them in). */
    readonly clusterCidr: string;
    readonly serviceCidr: string;
    /** GPU nodes: containerd's default runtime is nvidia, so every pod there sees the GPUs it is given. */
    readonly gpu: boolean;
    /** Where the releases are downloaded from: K3s's GitHub releases, or a mirror with the same layout. */
    readonly releaseUrl: string;
}

/** K3s's own release downloads: <url>/<version, + as %2B>/<asset>. */
export const K3S_RELEASE_URL = "https://github.com/k3s-io/k3s/releases/download";

/** The release asset of the K3s binary for an architecture. */
export const k3sBinary = (arch: Arch): string => (arch === "amd64" ? "k3s" : "k3s-arm64");

function unitFile(role: "server" | "agent"): string {
    return `[Unit]
Description=Lightweight Kubernetes (K3s ${role})
Documentation=https://docs.k3s.io
Wants=network-online.target
After=network-online.target

[Service]
Type=${role === "server" ? "notify" : "exec"}
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/k3s ${role}
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s

[Install]
WantedBy=multi-user.target
`;
}

const registrationUrl = (input: K3sInput): string => `https://${input.registrationAddress}:6443`;

/**
 * /etc/rancher/k3s/config.yaml; NODE_IP (cluster traffic) and PUBLIC_IP (what the kubeconfig
 * reaches, so it is in the API's certificate) are the script's arguments. How the node finds the
 * cluster is $bootstrap, decided by the script.
 */
function configLines(input: K3sInput): string {
    const labels = Object.entries(input.labels).map(([k, v]) => `  - "${k}=${v}"`);
    const lines = ["token-file: /etc/rancher/k3s/cluster-token", 'node-ip: "$1"', 'node-external-ip: "$2"', "node-label:", ...labels];
    if (input.gpu) lines.push("default-runtime: nvidia");
    if (input.role === "server") {
        lines.push(
            `tls-san:\n  - "$1"\n  - "$2"\n  - "${input.registrationAddress}"`,
            'write-kubeconfig-mode: "0600"',
            "secrets-encryption: true",
            `flannel-backend: ${K3S_FLANNEL_BACKEND}`,
            `cluster-cidr: ${input.clusterCidr}`,
            `service-cidr: ${input.serviceCidr}`,
        );
    }
    lines.push("$bootstrap");
    return lines.join("\n");
}

/**
 * How this node finds the cluster. Every node joins through the registration address; only the
 * first server may start a cluster (embedded etcd's cluster-init, even alone, so the control plane
 * can grow from 1 to 3), and only when none exists: it keeps a cluster it started, and a
 * replacement joins the one that answers at the registration address instead of starting an
 * empty one.
 */
function bootstrapDecision(input: K3sInput): string {
    const join = `bootstrap='server: "${registrationUrl(input)}"'`;
    if (!input.first) return `${join}\n`;
    return `if [ -f /etc/rancher/k3s/config.yaml ] && grep -qx 'cluster-init: true' /etc/rancher/k3s/config.yaml; then
    bootstrap="cluster-init: true"
elif [ -d /var/lib/rancher/k3s/server/db/etcd ] || curl -fsk --max-time 10 ${shellQuote(`${registrationUrl(input)}/cacerts`)} >/dev/null; then
    ${join}
else
    echo "sophia: no cluster answers at ${registrationUrl(input)}: starting one"
    bootstrap="cluster-init: true"
fi
`;
}

/**
 * A K3s server or agent at a pinned release: the binary from the release, checked against its
 * published SHA-256, a config file and a systemd unit; restarted only when one of them changed.
 * The cluster token comes on standard input. Usage: k3s-<role>.sh NODE_IP PUBLIC_IP < token.
 */
export function renderK3s(input: K3sInput): string {
    const service = input.role === "server" ? "k3s" : "k3s-agent";
    const binary = k3sBinary(input.arch);
    return `${prelude(`K3s ${input.role} ${input.version}`)}
${expectArch(input.arch)}
VERSION="${input.version}"
${readStdinSecret("token", "the cluster token")}install_file /etc/rancher/k3s/cluster-token 0600 <<<"$token"
restart=$FILE_CHANGED

if [ ! -x /usr/local/bin/k3s ] || [ "$(/usr/local/bin/k3s --version | awk 'NR == 1 { print $3 }')" != "$VERSION" ]; then
    release="${input.releaseUrl}/\${VERSION//+/%2B}"
    download=$(mktemp -d)
    curl -fsSL -o "$download/${binary}" "$release/${binary}"
    curl -fsSL -o "$download/sha256sums" "$release/sha256sum-${input.arch}.txt"
    (cd "$download" && grep " ${binary}$" sha256sums | sha256sum -c -)
    install -m 0755 "$download/${binary}" /usr/local/bin/k3s
    rm -rf "$download"
    changed "k3s $VERSION installed"
    restart=1
fi

${bootstrapDecision(input)}install_file /etc/rancher/k3s/config.yaml 0600 <<SOPHIA_FILE
${configLines(input)}
SOPHIA_FILE
[ "$FILE_CHANGED" -eq 0 ] || restart=1
${fileFrom(`/etc/systemd/system/${service}.service`, "0644", unitFile(input.role))}[ "$FILE_CHANGED" -eq 0 ] || restart=1

if [ "$restart" -eq 1 ]; then
    systemctl daemon-reload
    systemctl enable ${service} >/dev/null
    systemctl restart ${service}
elif ! systemctl is-active --quiet ${service}; then
    systemctl start ${service}
    changed "${service} started"
fi
finish ${service}
`;
}

/**
 * The NVIDIA device plugin, which K3s applies from its manifests folder. The `nvidia`
 * RuntimeClass is K3s's own (it creates one for each runtime it finds), so none is added here.
 */
export function nvidiaDevicePluginManifest(pluginVersion: string): string {
    const daemonSet = {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "nvidia-device-plugin", namespace: "kube-system" },
        spec: {
            selector: { matchLabels: { name: "nvidia-device-plugin" } },
            updateStrategy: { type: "RollingUpdate" },
            template: {
                metadata: { labels: { name: "nvidia-device-plugin" } },
                spec: {
                    runtimeClassName: "nvidia",
                    nodeSelector: { gpu: "true" },
                    priorityClassName: "system-node-critical",
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                    containers: [
                        {
                            name: "nvidia-device-plugin",
                            image: `nvcr.io/nvidia/k8s-device-plugin:${pluginVersion}`,
                            env: [{ name: "FAIL_ON_INIT_ERROR", value: "false" }],
                            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [{ name: "device-plugin", mountPath: "/var/lib/kubelet/device-plugins" }],
                        },
                    ],
                    volumes: [{ name: "device-plugin", hostPath: { path: "/var/lib/kubelet/device-plugins" } }],
                },
            },
        },
    };
    return YAML.stringify(daemonSet);
}

export const NVIDIA_DEVICE_PLUGIN_VERSION = "v0.17.0";

/** On the first server: K3s applies whatever sits in its manifests folder, and keeps it applied. */
export function renderK3sGpuAddons(): string {
    return `${prelude("K3s: NVIDIA device plugin")}
${fileFrom("/var/lib/rancher/k3s/server/manifests/sophia-nvidia-device-plugin.yaml", "0600", nvidiaDevicePluginManifest(NVIDIA_DEVICE_PLUGIN_VERSION))}finish k3s-gpu-addons
`;
}
