import type { PolicyResource } from "../rule";
import { record } from "../shapes";

/** A Helm release as the Kubernetes provider registers it: one opaque resource whose inputs carry the chart and its values. */
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

export interface HelmImage {
    /** Where in the values the reference sits, e.g. "values.prometheus.prometheusSpec.image". */
    readonly where: string;
    /** The reference as the chart assembles it: registry/repository (or the whole repository or image string). */
    readonly image: string;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The image reference one values object sets, if any. Charts spell it three ways: a registry next to
 * a repository or image path (kube-prometheus-stack, ingress-nginx), a repository that includes the
 * host (cert-manager), or a whole image string; global.imageRegistry prefixes every image of a chart.
 */
function referenceOf(node: Readonly<Record<string, unknown>>): string | undefined {
    const registry = text(node.registry) ?? text(node.imageRegistry);
    const path = text(node.repository) ?? text(node.image);
    if (registry) return path ? `${registry}/${path}` : `${registry}/`;
    return text(node.repository) ?? text(node.image);
}

function walk(value: unknown, where: string, found: HelmImage[]): void {
    if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, `${where}[${i}]`, found));
        return;
    }
    if (value === null || typeof value !== "object") return;
    const node = record(value);
    const image = referenceOf(node);
    if (image) found.push({ where, image });
    for (const [key, child] of Object.entries(node)) walk(child, `${where}.${key}`, found);
}

/** Every image reference a Helm release's values set (any image, repository, registry or imageRegistry key). */
export function helmImagesOf(resource: Pick<PolicyResource, "type" | "props">): HelmImage[] {
    if (resource.type !== HELM_RELEASE) return [];
    const found: HelmImage[] = [];
    walk(resource.props.values, "values", found);
    return found;
}

/** The chart a release installs: its name, without a repository prefix ("prometheus-community/x" → "x"). */
export const chartOf = (resource: Pick<PolicyResource, "props">): string =>
    (typeof resource.props.chart === "string" ? resource.props.chart : "").replace(/^.*\//, "");

/** The values object at a dotted path ("grafana.sidecar.image"), or undefined. */
export function valueAt(values: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? record(node)[key] : undefined), values);
}
