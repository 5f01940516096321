import * as YAML from "yaml";
import { expectArch, fileFrom, prelude } from "./common";
import type { Arch } from "../pricing";

/** Ports K3s nodes reach each other on: the API, etcd, flannel's VXLAN, the kubelet. */
export const K3S_PEER_PORTS = [
    { port: "6443", proto: "tcp" },
    { port: "2379:2380", proto: "tcp" },
    { port: "8472", proto: "udp" },
    { port: "10250", proto: "tcp" },
] as const;
/** The API, which the admins' ranges (and CI) reach with the kubeconfig. */
export const K3S_ADMIN_PORTS = [{ port: "6443", proto: "tcp" }] as const;

export const K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";

export interface K3sInput {
    readonly version: string;
    readonly arch: Arch;
    /** server: control plane with embedded etcd; agent: workloads only. */
    readonly role: "server" | "agent";
    /** The first server starts the etcd cluster; the others join it. */
    readonly first: boolean;
    readonly labels: Readonly<Record<string, string>>;
}

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

/** /etc/rancher/k3s/config.yaml; NODE_IP and SERVER_ADDRESS are the script's arguments. */
function configLines(input: K3sInput): string {
    const labels = Object.entries(input.labels).map(([k, v]) => `  - "${k}=${v}"`);
    const lines = ["token-file: /etc/rancher/k3s/cluster-token", 'node-ip: "$1"', "node-label:", ...labels];
    if (input.role === "server") {
        lines.push('tls-san:\n  - "$1"', 'write-kubeconfig-mode: "0600"', "secrets-encryption: true");
        // Embedded etcd even with one server, so the control plane can grow from 1 to 3.
        lines.push(input.first ? "cluster-init: true" : 'server: "https://$2:6443"');
    } else lines.push('server: "https://$2:6443"');
    return lines.join("\n");
}

/**
 * A K3s server or agent at a pinned release: the binary from the release, checked against its
 * published SHA-256, a config file and a systemd unit; restarted only when one of them changed.
 * The cluster token comes on standard input. Usage: k3s-<role>.sh NODE_IP [SERVER_ADDRESS] < token.
 */
export function renderK3s(input: K3sInput): string {
    const service = input.role === "server" ? "k3s" : "k3s-agent";
    const binary = k3sBinary(input.arch);
    return `${prelude(`K3s ${input.role} ${input.version}`)}
${expectArch(input.arch)}
VERSION="${input.version}"
read -r token
install_file /etc/rancher/k3s/cluster-token 0600 <<<"$token"
restart=$FILE_CHANGED

if [ ! -x /usr/local/bin/k3s ] || [ "$(/usr/local/bin/k3s --version | awk 'NR == 1 { print $3 }')" != "$VERSION" ]; then
    release="https://github.com/k3s-io/k3s/releases/download/\${VERSION//+/%2B}"
    download=$(mktemp -d)
    curl -fsSL -o "$download/${binary}" "$release/${binary}"
    curl -fsSL -o "$download/sha256sums" "$release/sha256sum-${input.arch}.txt"
    (cd "$download" && grep " ${binary}$" sha256sums | sha256sum -c -)
    install -m 0755 "$download/${binary}" /usr/local/bin/k3s
    rm -rf "$download"
    changed "k3s $VERSION installed"
    restart=1
fi

install_file /etc/rancher/k3s/config.yaml 0600 <<SOPHIA_FILE
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

/** The NVIDIA runtime class and device plugin, which K3s applies from its manifests folder. */
export function nvidiaDevicePluginManifest(pluginVersion: string): string {
    const runtimeClass = { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "nvidia" }, handler: "nvidia" };
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
    return [runtimeClass, daemonSet].map((d) => YAML.stringify(d)).join("---\n");
}

export const NVIDIA_DEVICE_PLUGIN_VERSION = "v0.17.0";

/** On the first server: K3s applies whatever sits in its manifests folder, and keeps it applied. */
export function renderK3sGpuAddons(): string {
    return `${prelude("K3s: NVIDIA runtime class and device plugin")}
${fileFrom("/var/lib/rancher/k3s/server/manifests/sophia-nvidia-device-plugin.yaml", "0600", nvidiaDevicePluginManifest(NVIDIA_DEVICE_PLUGIN_VERSION))}finish k3s-gpu-addons
`;
}
