import { mirroredRegistry, mirrorOf } from "../platform/images";

/**
 * Values of the edge's Helm charts. Every image the charts can run is pointed at the stack
 * registry's mirror (keys as in each chart's values.yaml at the pinned version), so the cluster
 * pulls from the one approved registry; the charts' own tags and digests stay as upstream pins them.
 */

/** ingress-nginx: images are { registry, image, tag, digest }; the digests stay valid through a pull-through mirror. */
export function ingressNginxValues(registry: string, className: string): Record<string, unknown> {
    const k8sRegistry = mirroredRegistry(registry, "registry.k8s.io");
    return {
        controller: {
            image: k8sRegistry,
            admissionWebhooks: { patch: { image: k8sRegistry } },
            opentelemetry: { image: k8sRegistry },
            ingressClassResource: { name: className, default: false },
            // Snippets would let an Ingress rewrite the controller's config: refused.
            allowSnippetAnnotations: false,
            config: { "hsts-include-subdomains": "true", "server-tokens": "false" },
        },
        defaultBackend: { image: k8sRegistry },
    };
}

/** cert-manager: each image is a full repository (host included), so the mirror path replaces it whole. */
export function certManagerValues(registry: string): Record<string, unknown> {
    const jetstack = (image: string) => ({ image: { repository: `${mirrorOf(registry, "quay.io")}/jetstack/cert-manager-${image}` } });
    return {
        crds: { enabled: true },
        ...jetstack("controller"),
        webhook: jetstack("webhook"),
        cainjector: jetstack("cainjector"),
        startupapicheck: jetstack("startupapicheck"),
        // The HTTP-01 solver pods cert-manager starts for ACME challenges.
        acmesolver: jetstack("acmesolver"),
    };
}
