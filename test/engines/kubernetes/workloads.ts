import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { filesUnder } from "../../support/plan";

export type KubeObject = Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string } & Record<string, unknown>;
};

/** One rendered manifest of a plan: <plan>/k8s/<namespace or _cluster>/<kind>-<name>.yaml. */
export interface PlanManifest {
    file: string;
    object: KubeObject;
}

/** Every manifest the offline plan rendered for a stack, read back from its files. */
export function readPlanManifests(stackDir: string): PlanManifest[] {
    const root = path.join(stackDir, "k8s");
    return filesUnder(root)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => ({ file: path.relative(root, f), object: YAML.parse(fs.readFileSync(f, "utf8")) as KubeObject }));
}

const isNamespace = (m: PlanManifest) => m.object.apiVersion === "v1" && m.object.kind === "Namespace";

/** The apply order: namespaces first, then everything else (CRDs are installed between the two). */
export function orderManifests(manifests: readonly PlanManifest[]): { namespaces: PlanManifest[]; rest: PlanManifest[] } {
    return { namespaces: manifests.filter(isNamespace), rest: manifests.filter((m) => !isNamespace(m)) };
}

/** API groups the manifests use that Kubernetes itself does not serve: each needs its CRDs. */
export function customGroups(manifests: readonly PlanManifest[], builtIn: (group: string) => boolean): string[] {
    const groups = manifests.map((m) => (m.object.apiVersion.includes("/") ? m.object.apiVersion.split("/")[0] : "")).filter((g) => g && !builtIn(g));
    return [...new Set(groups)].sort();
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown> & { volumes?: unknown[] };
}

interface ClaimTemplate {
    metadata: { name: string };
}

/** The pod template a workload's controller stamps pods from, or undefined for a kind that runs no pods. */
function podTemplateOf(object: KubeObject): PodTemplate | undefined {
    const spec = object.spec as Record<string, unknown> | undefined;
    switch (`${object.apiVersion}/${object.kind}`) {
        case "apps/v1/Deployment":
        case "apps/v1/ReplicaSet":
        case "apps/v1/DaemonSet":
        case "apps/v1/StatefulSet":
        case "batch/v1/Job":
            return spec?.template as PodTemplate;
        case "batch/v1/CronJob":
            return (spec?.jobTemplate as { spec: { template: PodTemplate } }).spec.template;
        default:
            return undefined;
    }
}

/**
 * The first pod the workload's controller would create, as the controller builds it: the
 * template's metadata and spec, plus (for a StatefulSet) the claim volumes, hostname and
 * subdomain of ordinal 0. Creating it lets Pod Security admission judge the template itself.
 */
export function podFor(object: KubeObject): KubeObject | undefined {
    const template = podTemplateOf(object);
    if (!template) return undefined;
    const owner = object.metadata.name;
    const spec: Record<string, unknown> = { ...template.spec };
    let name = `${owner}-engine-check`;
    if (object.kind === "StatefulSet") {
        const sts = object.spec as { serviceName?: string; volumeClaimTemplates?: ClaimTemplate[] };
        name = `${owner}-0`;
        const claims = (sts.volumeClaimTemplates ?? []).map((c) => ({
            name: c.metadata.name,
            persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` },
        }));
        spec.volumes = [...(template.spec.volumes ?? []), ...claims];
        spec.hostname = name;
        if (sts.serviceName) spec.subdomain = sts.serviceName;
    }
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: object.metadata.namespace, labels: template.metadata?.labels, annotations: template.metadata?.annotations },
        spec,
    };
}
