import type { ResourceRule } from "../rule";
import type { StringMap } from "../shapes";
import { describe, podOf, WORKLOAD_TYPES } from "./workloads";

const ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

const allowedType = (p: { type?: string } | undefined): boolean => !p || p.type === "RuntimeDefault" || p.type === "Localhost";
const allowedAnnotation = (v: string): boolean => v === "runtime/default" || v.startsWith("localhost/");

/** The legacy per-container annotations that name a profile other than the runtime's default or a local one. */
const annotationProblems = (annotations: StringMap): string[] =>
    Object.entries(annotations)
        .filter(([key, value]) => key.startsWith(ANNOTATION) && !allowedAnnotation(String(value)))
        .map(([key, value]) => `annotation ${key} sets AppArmor profile ${value}`);

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
        const profiles = [{ where: "the pod", profile: pod.spec.securityContext?.appArmorProfile }];
        for (const c of pod.containers) profiles.push({ where: describe(c), profile: c.spec.securityContext?.appArmorProfile });
        for (const { where, profile } of profiles) if (!allowedType(profile)) messages.push(`${where} sets AppArmor profile ${profile?.type}`);
        return [...messages, ...annotationProblems(pod.metadata.annotations ?? {})];
    },
};
