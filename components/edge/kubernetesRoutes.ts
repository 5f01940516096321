import type * as k8s from "@pulumi/kubernetes";
import type { EdgeSettings } from "../../stacks/settings";
import { GATEWAY } from "./workloads";

type IngressArgs = k8s.networking.v1.IngressArgs;

/** The ClusterIssuer cert-manager signs the edge's certificates with. */
export const CLUSTER_ISSUER = "sophia-acme";

/** What a cluster's ingress controller needs told about a route (streams, body size, TLS). */
export interface IngressControllerTraits {
    readonly className: string;
    /** Namespace of the controller's pods, the source of routed traffic. */
    readonly namespace: string;
    readonly annotations: (edge: EdgeSettings) => Record<string, string>;
}

/** ingress-nginx: TLS only, no buffering, stream-long timeouts, the gateway's body limit. */
export const INGRESS_NGINX: IngressControllerTraits = {
    className: "nginx",
    namespace: "ingress-nginx",
    annotations: (edge) => ({
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": String(edge.streamTimeoutSeconds),
        "nginx.ingress.kubernetes.io/proxy-send-timeout": String(edge.streamTimeoutSeconds),
        "nginx.ingress.kubernetes.io/proxy-body-size": edge.maxRequestBodySize,
    }),
};

/** K3s' bundled Traefik streams responses as written; the route only has to be TLS-only. */
export const K3S_TRAEFIK: IngressControllerTraits = {
    className: "traefik",
    namespace: "kube-system",
    annotations: () => ({
        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
        "traefik.ingress.kubernetes.io/router.tls": "true",
    }),
};

export interface IngressRoute {
    /** Resource and object name, e.g. route-github-agent. */
    readonly name: string;
    readonly host: string;
}

/**
 * One Ingress per public host, in the edge namespace, to the gateway (which authenticates). TLS
 * comes from cert-manager (acme) or from the provided certificate's Secret.
 */
export function routeIngress(
    route: IngressRoute,
    namespace: string,
    edge: EdgeSettings,
    controller: IngressControllerTraits,
    tlsSecretName?: string,
): IngressArgs {
    const acme = edge.tls === "acme";
    return {
        metadata: {
            name: route.name,
            namespace,
            labels: { "app.kubernetes.io/part-of": "sophia", "app.kubernetes.io/component": "edge-route" },
            annotations: { ...controller.annotations(edge), ...(acme ? { "cert-manager.io/cluster-issuer": CLUSTER_ISSUER } : {}) },
        },
        spec: {
            ingressClassName: controller.className,
            tls: [{ hosts: [route.host], secretName: acme ? `${route.name}-tls` : tlsSecretName }],
            rules: [
                {
                    host: route.host,
                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: GATEWAY, port: { name: "http" } } } }] },
                },
            ],
        },
    };
}

/** The ACME issuer: HTTP-01 through the cluster's ingress controller. */
export function clusterIssuer(edge: EdgeSettings, className: string): Record<string, unknown> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: CLUSTER_ISSUER },
        spec: {
            acme: {
                email: edge.acmeEmail,
                server: edge.acmeServer,
                privateKeySecretRef: { name: `${CLUSTER_ISSUER}-account` },
                solvers: [{ http01: { ingress: { ingressClassName: className } } }],
            },
        },
    };
}

/**
 * cert-manager's HTTP-01 solver pods run next to the Ingress, in the edge namespace, whose
 * default-deny policy would keep the ingress controller from them.
 */
export function acmeSolverPolicy(controllerNamespace: string): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": controllerNamespace } } }],
                ports: [{ protocol: "TCP", port: 8089 }],
            },
        ],
    };
}
