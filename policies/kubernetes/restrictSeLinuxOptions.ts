import { describe, podRule } from "./workloads";

const ALLOWED_TYPES = new Set(["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

type SeLinux = { type?: string; user?: string; role?: string } | undefined;

function problems(where: string, options: SeLinux): string[] {
    if (!options) return [];
    const messages: string[] = [];
    if (options.type !== undefined && options.type !== "" && !ALLOWED_TYPES.has(options.type)) messages.push(`${where} sets SELinux type ${options.type}`);
    if (options.user) messages.push(`${where} sets SELinux user ${options.user}`);
    if (options.role) messages.push(`${where} sets SELinux role ${options.role}`);
    return messages;
}

export const restrictSeLinuxOptions = podRule({
    id: "restrict-selinux-options",
    description: "Pods must not override SELinux user or role, and may only use the container SELinux types.",
    rationale: "A custom SELinux user, role or type can lift the confinement the runtime gives containers.",
    remediation: "Remove seLinuxOptions, or keep only type container_t, container_init_t, container_kvm_t or container_engine_t.",
    severity: "medium",
    topics: ["kubernetes", "pod-security"],
    check(pod) {
        return [
            ...problems("the pod", pod.spec.securityContext?.seLinuxOptions),
            ...pod.containers.flatMap((c) => problems(describe(c), c.spec.securityContext?.seLinuxOptions)),
        ];
    },
});
