import type { ResourceRule } from "../rule";
import { describe, podOf, WORKLOAD_TYPES } from "./workloads";

const ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

const allowedType = (p: { type?: string } | undefined): boolean => !p || p.type === "RuntimeDefault" || p.type === "Localhost";
const allowedAnnotation = (v: string): boolean => v === "runtime/default" || v.startsWith("localhost/");

export const restrictAppArmorProfile: ResourceRule = {
    kind: "resource",
    id: "restrict-apparmor-profile",
    description: "Pods must not disable AppArmor: only the runtime default or a localhost profile.",
    rationale: "An Unconfined AppArmor profile removes the runtime's mandatory access control from the container.",
    remediation: "Remove appArmorProfile (and the container.apparmor.security.beta.kubernetes.io annotations) or use RuntimeDefault / Localhost.",
    severity: "medium",
    topics: ["kubernetes", "pod-security"],
    resourceTypes: WORKLOAD_TYPES,
    check(resource) {
        const pod = podOf(resource);
        if (!pod) return [];
        const messages: string[] = [];
        if (!allowedType(pod.spec.securityContext?.appArmorProfile))
            messages.push(`the pod sets AppArmor profile ${pod.spec.securityContext.appArmorProfile.type}`);
        for (const c of pod.containers) {
            const p = c.spec.securityContext?.appArmorProfile;
            if (!allowedType(p)) messages.push(`${describe(c)} sets AppArmor profile ${p.type}`);
        }
        for (const [key, value] of Object.entries((pod.metadata.annotations ?? {}) as Record<string, string>)) {
            if (key.startsWith(ANNOTATION) && !allowedAnnotation(String(value))) messages.push(`annotation ${key} sets AppArmor profile ${value}`);
        }
        return messages;
    },
};
