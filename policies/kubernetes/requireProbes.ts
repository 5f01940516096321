import { describe, LONG_RUNNING_TYPES, podRule } from "./workloads";

export const requireProbes = podRule({
    id: "require-probes",
    description: "Long-running containers must have readiness and liveness probes.",
    rationale: "Without readiness, traffic reaches pods that cannot serve it; without liveness, a hung process is never restarted.",
    remediation: "Add readinessProbe and livenessProbe (HTTP on the health endpoint, else TCP on the main port).",
    severity: "medium",
    topics: ["kubernetes", "reliability"],
    resourceTypes: LONG_RUNNING_TYPES,
    check(pod) {
        return pod.containers
            .filter((c) => c.kind === "container")
            .flatMap((c) => (["readinessProbe", "livenessProbe"] as const).filter((p) => !c.spec[p]).map((p) => `${describe(c)} has no ${p}`));
    },
});
