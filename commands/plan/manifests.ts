import * as jsYaml from "js-yaml";
import { RecordedResource, SECRET_MARKER } from "./recorder";

export interface Manifest {
    /** Path under the plan's k8s/ folder: <namespace or _cluster>/<kind>-<name>.yaml */
    file: string;
    urn: string;
    object: Record<string, unknown>;
}

/** "kubernetes:apps/v1:Deployment" → { apiVersion: "apps/v1", kind: "Deployment" }; core group is bare "v1". */
export function kubernetesKind(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
    if (!match || match[1].startsWith("helm.sh/") || match[1].startsWith("yaml/") || match[1].startsWith("kustomize/")) return undefined;
    const [group, version] = match[1].split("/");
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: match[2] };
}

/** What `kubectl apply` would receive for each Kubernetes resource of the plan (secrets already redacted). */
export function kubernetesManifests(
    resources: readonly RecordedResource[],
    secretMapKeys: ReadonlyMap<string, Record<string, string[]>> = new Map(),
): Manifest[] {
    const manifests: Manifest[] = [];
    for (const r of resources) {
        const kind = r.custom ? kubernetesKind(r.type) : undefined;
        if (!kind) continue;
        const object = { ...kind, ...r.inputs, apiVersion: kind.apiVersion, kind: kind.kind } as Record<string, unknown>;
        // A secret map keeps its key names; every value stays redacted.
        for (const [prop, keys] of Object.entries(secretMapKeys.get(r.urn) ?? {})) {
            object[prop] = Object.fromEntries(keys.map((k) => [k, SECRET_MARKER]));
        }
        const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
        const name = metadata.name ?? r.name;
        manifests.push({ file: `${metadata.namespace ?? "_cluster"}/${kind.kind.toLowerCase()}-${name}.yaml`, urn: r.urn, object });
    }
    return manifests;
}

/**
 * The manifest as `kubectl apply -f` reads it. js-yaml writes plain data four times faster than
 * `yaml`'s documents (which the stack files keep for their line numbers), and it quotes strings
 * that YAML 1.1 readers such as kubectl would take for booleans or numbers ("on", "0755").
 * No anchors (each manifest reads whole) and no folded lines (a diff shows the changed line).
 */
export function manifestYaml(manifest: Manifest): string {
    return jsYaml.dump(manifest.object, { noRefs: true, lineWidth: -1 });
}

/** kubernetes-models' classes: one module per kind (`kubernetes-models/apps/v1/Deployment`). */
type ModelClass = new (data: unknown) => { validate(): void };

function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
    try {
        // The module depends on the manifest's kind, so it is required at run time; the kind's own
        // module loads only its schemas, where the group's index loads every kind of the group.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const kindModule = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass | undefined>;
        return kindModule[kind];
    } catch {
        return undefined;
    }
}

export interface SchemaResult {
    file: string;
    urn: string;
    /** undefined when valid, else the validator's message. */
    error?: string;
    /** True when no schema is known for the kind (a custom resource). */
    unchecked?: boolean;
}

/** Validates each manifest against the Kubernetes OpenAPI schema as kubernetes-models ships it. */
export function validateManifests(manifests: readonly Manifest[]): SchemaResult[] {
    return manifests.map((m) => {
        const Model = modelClass(String(m.object.apiVersion), String(m.object.kind));
        if (!Model) return { file: m.file, urn: m.urn, unchecked: true };
        try {
            new Model(m.object).validate();
            return { file: m.file, urn: m.urn };
        } catch (error) {
            return { file: m.file, urn: m.urn, error: (error as Error).message };
        }
    });
}
