import { describe, podRule } from "./workloads";

export const requireResources = podRule({
    id: "require-resources",
    description: "Containers must request and limit both CPU and memory.",
    rationale: "Requests let the scheduler place pods where they fit; limits keep one workload from starving its neighbours or the node.",
    remediation: "Set resources.requests and resources.limits for cpu and memory (the catalog's tier sizes do this).",
    severity: "medium",
    topics: ["kubernetes", "reliability"],
    check(pod) {
        const messages: string[] = [];
        for (const c of pod.containers.filter((x) => x.kind !== "ephemeralContainer")) {
            const missing = (["requests", "limits"] as const).flatMap((k) =>
                (["cpu", "memory"] as const).filter((r) => !c.spec.resources?.[k]?.[r]).map((r) => `${k}.${r}`),
            );
            if (missing.length > 0) messages.push(`${describe(c)} has no ${missing.join(", ")}`);
        }
        return messages;
    },
});
