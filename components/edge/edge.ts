import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as helmV3 from "@pulumi/kubernetes/helm/v3";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import { CustomResource, type CustomResourceArgs } from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeSettings, StackSettings } from "../../stacks/settings";
import type { ServerSpec } from "../../stacks/specs";
import { contributeArtifact } from "../artifacts";
import { selectorLabels } from "../platform/kubernetes/pod";
import { secretPath } from "../platform/swarm/service";
import type { Group, KubernetesTarget, Platform, SecretHandle } from "../platform/types";
import { certManagerValues, ingressNginxValues } from "./chartValues";
import { GatewayModel, renderGatewayConfig } from "./gatewayConfig";
import { acmeSolverPolicy, clusterIssuer, IngressControllerTraits, INGRESS_NGINX, K3S_TRAEFIK, routeIngress } from "./kubernetesRoutes";
import { mcpAudience, mcpRoutes, RoutedServer, UiTarget, uiRoutes } from "./routes";
import { EDGE_SECRETS, gatewayWorkload, GATEWAY_PORTS, OAUTH2_PROXY_PORT, oauth2ProxyWorkload, RUNTIME_DIR } from "./workloads";

export interface EdgeArgs {
    readonly settings: StackSettings;
    readonly platform: Platform;
    /** Every MCP server with the address the platform gave it; only public ones are routed. */
    readonly servers: readonly { readonly spec: ServerSpec; readonly address: string }[];
    /** Human UIs (Grafana, Jaeger, Alertmanager), routed behind an OIDC sign-in. */
    readonly uis?: readonly UiTarget[];
    readonly secretValues: ReadonlyMap<string, pulumi.Input<string>>;
}

/** The group whose namespace MCP servers run in (components/mcp-server). */
const SERVER_GROUP: Group = "mcp";
/** Kubernetes' cluster DNS, named as every cluster's kube-system names it; nginx resolves it when it starts. */
const CLUSTER_DNS = "kube-dns.kube-system.svc.cluster.local";

/** The headless Service that lists a sessionAffinity server's pods one by one in the cluster DNS. */
export const replicasServiceName = (server: string): string => `${server}-replicas`;

/** Helm charts of the Kubernetes edge, pinned. */
const CHARTS = {
    ingressNginx: { chart: "ingress-nginx", version: "4.12.1", repo: "https://kubernetes.github.io/ingress-nginx", namespace: "ingress-nginx" },
    certManager: { chart: "cert-manager", version: "v1.17.2", repo: "https://charts.jetstack.io", namespace: "cert-manager" },
} as const;

/**
 * The edge: the gateway that authenticates every outside request (nginx + oauth2-proxy, the same
 * on every target) and the front door that carries TLS to it: on Swarm the gateway itself on the
 * published ports 80/443; on K3s the bundled Traefik and on Kubernetes ingress-nginx, both with
 * cert-manager certificates and one Ingress per public host.
 */
export class Edge extends pulumi.ComponentResource {
    readonly hosts: string[];

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:Edge", name, {}, opts);
        const { settings, platform } = args;
        const edge = settings.edge;
        const domain = settings.domain;
        if (!edge || !domain) throw new Error("the edge needs sophia:edge and sophia:domain (checked when the inputs load)");
        const secret = (key: string): pulumi.Input<string> => {
            const value = args.secretValues.get(key);
            if (value === undefined) throw new Error(`edge: no value for secret ${key}`);
            return value;
        };

        // Servers with session affinity are reached replica by replica (gatewayConfig.ts mcpProxy): the
        // gateway needs a DNS name that lists each replica's own address, and the DNS server to ask.
        const sticky = args.servers.filter((s) => s.spec.expose === "public" && s.spec.sessionAffinity);
        const replicaLookup = platform.pick<{ resolver: string; replicas: (server: RoutedServer) => string }>({
            swarm: () => ({ resolver: "127.0.0.11", replicas: (s) => `tasks.${s.address}` }),
            kubernetes: (cluster) => {
                const namespace = cluster.namespaceName(SERVER_GROUP);
                for (const { spec } of sticky) {
                    new coreV1.Service(
                        `${name}-${replicasServiceName(spec.name)}`,
                        {
                            metadata: { name: replicasServiceName(spec.name), namespace, labels: { "app.kubernetes.io/part-of": "sophia" } },
                            spec: { clusterIP: "None", selector: selectorLabels(spec.name), ports: [{ name: "mcp", port: spec.port, targetPort: spec.port }] },
                        },
                        platform.resourceOptions(this),
                    );
                }
                return { resolver: CLUSTER_DNS, replicas: (s) => `${replicasServiceName(s.spec.name)}.${namespace}.svc.cluster.local` };
            },
        });
        const mcp = mcpRoutes(
            args.servers.map((s) => (sticky.includes(s) ? { ...s, replicas: replicaLookup.replicas(s) } : s)),
            domain,
        );
        const uis = uiRoutes(args.uis ?? [], domain);
        const authSecrets = platform.secret(
            `${name}-auth`,
            "edge",
            { [EDGE_SECRETS.oidcClientSecret]: secret(EDGE_SECRETS.oidcClientSecret), [EDGE_SECRETS.cookieSecret]: secret(EDGE_SECRETS.cookieSecret) },
            this,
        );
        const oauth2 = platform.workload(oauth2ProxyWorkload({ edge, domain, audience: mcpAudience(edge, domain), secrets: authSecrets }), this);

        const provided = edge.tls === "provided";
        const tlsData = () => ({
            [EDGE_SECRETS.tlsCertificate]: secret(EDGE_SECRETS.tlsCertificate),
            [EDGE_SECRETS.tlsPrivateKey]: secret(EDGE_SECRETS.tlsPrivateKey),
        });
        // Where TLS ends and what the gateway reaches, the one part that differs by target.
        const terminus = platform.pick<{ tls?: GatewayModel["tls"]; tlsSecret?: SecretHandle; connectsTo: Group[] }>({
            // Exposed servers join the edge network; joining "mcp" would reach internal ones too.
            swarm: () => ({
                tls: { port: GATEWAY_PORTS.https, certificate: secretPath(EDGE_SECRETS.tlsCertificate), privateKey: secretPath(EDGE_SECRETS.tlsPrivateKey) },
                tlsSecret: provided ? platform.secret(`${name}-tls`, "edge", tlsData(), this) : undefined,
                connectsTo: uis.length > 0 ? ["monitoring"] : [],
            }),
            // NetworkPolicies of internal servers refuse the edge namespace.
            kubernetes: () => ({ connectsTo: ["mcp", "edge", ...(uis.length > 0 ? (["monitoring"] as const) : [])] }),
        });

        const model: GatewayModel = {
            httpPort: GATEWAY_PORTS.http,
            tls: terminus.tls,
            trustForwardedFor: !terminus.tls,
            runtimeDir: RUNTIME_DIR,
            oauth2Proxy: { address: oauth2.address, port: OAUTH2_PROXY_PORT },
            resolver: sticky.length > 0 ? replicaLookup.resolver : undefined,
            issuer: edge.oidcIssuerUrl,
            mcp,
            uis,
            rateLimit: edge.rateLimit,
            maxRequestBodySize: edge.maxRequestBodySize,
            streamTimeoutSeconds: edge.streamTimeoutSeconds,
        };
        const configText = renderGatewayConfig(model);
        contributeArtifact("edge/nginx.conf", configText);
        const config = platform.configFiles(`${name}-gateway`, "edge", { "nginx.conf": configText }, this);
        const gateway = platform.workload(
            gatewayWorkload({
                config,
                terminatesTls: Boolean(terminus.tls),
                tlsSecret: terminus.tlsSecret,
                connectsTo: terminus.connectsTo,
                replicas: settings.highAvailability ? 2 : 1,
            }),
            this,
        );

        const hosts = [...mcp.map((r) => ({ name: `route-${r.server}`, host: r.host })), ...uis.map((r) => ({ name: `route-${r.name}`, host: r.host }))];
        const kubernetesFrontDoor = (controller: IngressControllerTraits, installController: boolean) => (cluster: KubernetesTarget) => {
            const namespace = cluster.namespaceName("edge");
            const options = { ...platform.resourceOptions(this), dependsOn: [...gateway.resources] };
            // The cluster's ingress controller serves the routes whatever their certificates: with provided ones too.
            const ingressController = installController
                ? [
                      helmRelease(
                          `${name}-ingress-nginx`,
                          CHARTS.ingressNginx,
                          ingressNginxValues(cluster.registry, controller.className),
                          platform.resourceOptions(this),
                      ),
                  ]
                : [];
            const certManager = edge.tls === "acme" ? this.certManager(name, edge, controller, ingressController, cluster, platform) : [];
            const tlsSecret = provided
                ? new coreV1.Secret(
                      `${name}-tls`,
                      {
                          metadata: { name: "edge-tls", namespace },
                          type: "kubernetes.io/tls",
                          stringData: { "tls.crt": secret(EDGE_SECRETS.tlsCertificate), "tls.key": secret(EDGE_SECRETS.tlsPrivateKey) },
                      },
                      options,
                  )
                : undefined;
            if (edge.tls === "acme") {
                new networkingV1.NetworkPolicy(
                    `${name}-acme-solver`,
                    { metadata: { name: "acme-http01-solver", namespace }, spec: acmeSolverPolicy(controller.namespace) },
                    options,
                );
            }
            for (const route of hosts) {
                new networkingV1.Ingress(`${name}-${route.name}`, routeIngress(route, namespace, edge, controller, tlsSecret ? "edge-tls" : undefined), {
                    ...options,
                    dependsOn: [...gateway.resources, ...ingressController, ...certManager, ...(tlsSecret ? [tlsSecret] : [])],
                });
            }
        };
        platform.pick({
            swarm: () => undefined,
            kubernetes: kubernetesFrontDoor(INGRESS_NGINX, true),
            k3s: kubernetesFrontDoor(K3S_TRAEFIK, false),
        });

        this.hosts = hosts.map((h) => h.host);
        this.registerOutputs({ hosts: this.hosts });
    }

    /** cert-manager and the ACME ClusterIssuer, once the ingress controller that serves its HTTP-01 challenges is there. */
    private certManager(
        name: string,
        edge: EdgeSettings,
        controller: IngressControllerTraits,
        ingressController: readonly pulumi.Resource[],
        cluster: KubernetesTarget,
        platform: Platform,
    ): pulumi.Resource[] {
        const options = platform.resourceOptions(this);
        const certManager = helmRelease(`${name}-cert-manager`, CHARTS.certManager, certManagerValues(cluster.registry), options);
        const issuer = new CustomResource(`${name}-cluster-issuer`, clusterIssuer(edge, controller.className) as CustomResourceArgs, {
            ...options,
            dependsOn: [certManager, ...ingressController],
        });
        return [certManager, issuer];
    }
}

/** A pinned upstream chart as one Helm release (a single resource). */
function helmRelease(
    name: string,
    chart: (typeof CHARTS)[keyof typeof CHARTS],
    values: Record<string, unknown>,
    options: pulumi.CustomResourceOptions,
): helmV3.Release {
    return new helmV3.Release(
        name,
        { chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, namespace: chart.namespace, createNamespace: true, values },
        options,
    );
}
