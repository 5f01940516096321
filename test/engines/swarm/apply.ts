import type { EngineApi } from "./engine";
import { adaptService, reservationScale, SandboxFacts } from "./sandbox";
import { applyOrder, ENGINE_OBJECTS, engineBody, plannedId, PlanResource, TranslationContext } from "./translate";

/** A service as applied: the engine's id and the spec the engine was given. */
export interface AppliedService {
    readonly id: string;
    readonly resource: PlanResource;
    readonly spec: Record<string, any>;
}

export interface Applied {
    /** Engine ids by the plan's ids. */
    readonly ids: Map<string, string>;
    /** By the engine's service name (e.g. sophia-codacy). */
    readonly services: Map<string, AppliedService>;
    /** Every resource created, in order, as `kind name`. */
    readonly created: string[];
    /** What the sandbox forced (see sandbox.ts). */
    readonly sandboxChanges: string[];
}

/**
 * Creates every docker resource of the plan through the Engine API, dependencies first. Secret
 * values are not in the plan (it records "[secret]"): `secretData` supplies each one, base64.
 */
export async function applyPlan(
    api: EngineApi,
    resources: readonly PlanResource[],
    secretData: (secret: PlanResource) => string,
    facts: SandboxFacts,
): Promise<Applied> {
    const ids = new Map<string, string>();
    const ctx: TranslationContext = {
        ref: (id, field) => {
            const found = ids.get(id);
            if (!found) throw new Error(`${field} references ${id}, which no resource applied before it has`);
            return found;
        },
    };
    const ordered = applyOrder(resources);
    const serviceSpecs = ordered.filter((r) => ENGINE_OBJECTS[r.type].kind === "service").map((r) => engineBody(r, { ref: () => "" }));
    const cpuScale = reservationScale(serviceSpecs, facts.cores);
    const applied: Applied = { ids, services: new Map(), created: [], sandboxChanges: [] };
    for (const resource of ordered) {
        const { endpoint, kind } = ENGINE_OBJECTS[resource.type];
        const translated = kind === "secret" ? { ...resource, inputs: { ...resource.inputs, data: secretData(resource) } } : resource;
        let body = engineBody(translated, ctx);
        if (kind === "service") {
            const adapted = adaptService(body, facts, cpuScale);
            body = adapted.spec;
            applied.sandboxChanges.push(...adapted.changes);
        }
        const answer = await api.expect<{ ID?: string; Id?: string; Name?: string }>("POST", endpoint, body);
        // Volumes answer with their name; the others with an id.
        const id = answer.ID ?? answer.Id ?? answer.Name ?? String(body.Name);
        ids.set(plannedId(resource), id);
        applied.created.push(`${kind} ${String(body.Name)}`);
        if (kind === "service") applied.services.set(String(body.Name), { id, resource, spec: body });
    }
    return applied;
}
