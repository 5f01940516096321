import { podRule } from "./workloads";

/** The namespaced sysctls Pod Security (baseline and restricted) considers safe, as of Kubernetes 1.37. */
export const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // Since 1.32.
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // Since 1.37.
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
]);

export const restrictSysctls = podRule({
    id: "restrict-sysctls",
    description: "Pods may set only the safe, namespaced sysctls.",
    rationale: "Other sysctls change kernel behaviour for every pod on the node.",
    remediation: "Remove securityContext.sysctls entries outside the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, …).",
    severity: "medium",
    topics: ["kubernetes", "pod-security"],
    check(pod) {
        const sysctls = pod.spec.securityContext?.sysctls ?? [];
        return sysctls.filter((s) => !SAFE_SYSCTLS.has(String(s?.name))).map((s) => `the pod sets unsafe sysctl ${s?.name}`);
    },
});
