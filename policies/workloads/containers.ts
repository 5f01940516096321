import type { PolicyResource } from "../rule";
import { describe, podOf, WORKLOAD_TYPES } from "../kubernetes/workloads";
import { containerSpecOf, SWARM_SERVICE } from "../swarm/services";

/** Every resource type that runs containers: Kubernetes workloads and Swarm services. */
export const CONTAINER_TYPES = [...WORKLOAD_TYPES, SWARM_SERVICE] as const;

export interface ContainerImage {
    readonly where: string;
    readonly image: string;
}

export interface EnvVar {
    readonly where: string;
    readonly name: string;
    /** The literal value, when the variable has one (not valueFrom). */
    readonly value?: string;
}

/** The images a resource runs, whatever its target. */
export function imagesOf(resource: Pick<PolicyResource, "type" | "props">): ContainerImage[] {
    if (resource.type === SWARM_SERVICE) {
        const image = containerSpecOf(resource.props).image;
        return image === undefined ? [] : [{ where: "the service", image: String(image) }];
    }
    return (podOf(resource)?.containers ?? []).map((c) => ({ where: describe(c), image: String(c.spec.image ?? "") }));
}

/** The environment variables a resource sets, whatever its target. */
export function envOf(resource: Pick<PolicyResource, "type" | "props">): EnvVar[] {
    if (resource.type === SWARM_SERVICE) {
        const env = containerSpecOf(resource.props).env ?? {};
        return Object.entries(env).map(([name, value]) => ({ where: "the service", name, value: String(value) }));
    }
    return (podOf(resource)?.containers ?? []).flatMap((c) =>
        (c.spec.env ?? []).map((e) => ({
            where: describe(c),
            name: String(e?.name),
            value: e?.value === undefined ? undefined : String(e.value),
        })),
    );
}
