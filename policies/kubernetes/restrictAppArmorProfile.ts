import type { StringMap } from "../shapes";
import { describe, podRule } from "./workloads";

const ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

const allowedType = (p: { type?: string } | undefined): boolean => !p || p.type === "RuntimeDefault" || p.type === "Localhost";
const allowedAnnotation = (v: string): boolean => v === "runtime/default" || v.startsWith("localhost/");

/** The legacy per-container annotations that name a profile other than the runtime's default or a local one. */
const annotationProblems = (annotations: StringMap): string[] =>
    Object.entries(annotations)
        .filter(([key, value]) => key.startsWith(ANNOTATION) && !allowedAnnotation(String(value)))
        .map(([key, value]) => `annotation ${key} sets AppArmor profile ${value}`);

export const restrictAppArmorProfile = podRule({
    id: "restrict-apparmor-profile",
    description: "Pods must not disable AppArmor: only the runtime default or a localhost profile.",
    rationale: "An Unconfined AppArmor profile removes the runtime's mandatory access control from the container.",
    remediation: "Remove appArmorProfile (and the container.apparmor.security.beta.kubernetes.io annotations) or use RuntimeDefault / Localhost.",
    severity: "medium",
    topics: ["kubernetes", "pod-security"],
    check(pod) {
        const messages: string[] = [];
        const profiles = [{ where: "the pod", profile: pod.spec.securityContext?.appArmorProfile }];
        for (const c of pod.containers) profiles.push({ where: describe(c), profile: c.spec.securityContext?.appArmorProfile });
        for (const { where, profile } of profiles) if (!allowedType(profile)) messages.push(`${where} sets AppArmor profile ${profile?.type}`);
        return [...messages, ...annotationProblems(pod.metadata.annotations ?? {})];
    },
});
