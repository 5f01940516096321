import type { EdgeSettings } from "../../stacks/settings";
import { INGRESS_CONTROLLER, type ConfigHandle, type Group, type SecretHandle, type WorkloadSpec } from "../platform/types";
import { HEALTH_PATH } from "./gatewayConfig";

/** Pinned images; the gateway's config is checked with nginx 1.22 and uses nothing newer. */
export const GATEWAY_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-alpine";
export const OAUTH2_PROXY_IMAGE = "quay.io/oauth2-proxy/oauth2-proxy:v7.9.0";

export const GATEWAY = "edge-gateway";
export const OAUTH2_PROXY = "oauth2-proxy";
export const GATEWAY_PORTS = { http: 8080, https: 8443 } as const;
export const OAUTH2_PROXY_PORT = 4180;
/** Writable scratch the platform mounts in every container (the root filesystem is read-only). */
export const RUNTIME_DIR = "/tmp";
export const CONFIG_PATH = "/etc/nginx/nginx.conf";

/** Secret config keys of the edge and the environment variables oauth2-proxy reads them from. */
export const EDGE_SECRETS = {
    oidcClientSecret: "EDGE_OIDC_CLIENT_SECRET",
    cookieSecret: "EDGE_COOKIE_SECRET",
    tlsCertificate: "EDGE_TLS_CERTIFICATE",
    tlsPrivateKey: "EDGE_TLS_PRIVATE_KEY",
} as const;

const resources = {
    requests: { cpu: "100m", memory: "64Mi" },
    limits: { cpu: "1", memory: "256Mi" },
};

export interface GatewayWorkloadInputs {
    readonly config: ConfigHandle;
    /** Where TLS ends: here (the routing mesh publishes 80 and 443) or at the cluster's ingress controller. */
    readonly terminatesTls: boolean;
    /** Certificate and key as secret files, when TLS ends here. */
    readonly tlsSecret?: SecretHandle;
    /** Groups the gateway opens connections to (where the exposed servers and UIs are reached). */
    readonly connectsTo: readonly Group[];
    readonly replicas: number;
}

/** The gateway: nginx with the rendered config; the only workload the outside reaches. */
export function gatewayWorkload(inputs: GatewayWorkloadInputs): WorkloadSpec {
    const ports = inputs.terminatesTls
        ? [
              { name: "https", port: GATEWAY_PORTS.https, published: 443 },
              { name: "http", port: GATEWAY_PORTS.http, published: 80 },
          ]
        : [{ name: "http", port: GATEWAY_PORTS.http }];
    const tls = inputs.tlsSecret;
    return {
        name: GATEWAY,
        group: "edge",
        image: GATEWAY_IMAGE,
        command: ["nginx", "-c", CONFIG_PATH],
        ports,
        configFiles: [{ config: inputs.config, file: "nginx.conf", mountPath: CONFIG_PATH }],
        // Swarm mounts each secret as a file; the config names those files.
        secretEnv: tls
            ? [
                  { env: EDGE_SECRETS.tlsCertificate, secret: tls, key: EDGE_SECRETS.tlsCertificate },
                  { env: EDGE_SECRETS.tlsPrivateKey, secret: tls, key: EDGE_SECRETS.tlsPrivateKey },
              ]
            : [],
        resources,
        replicas: inputs.replicas,
        health: { path: HEALTH_PATH, port: "http" },
        labels: { "app.kubernetes.io/component": "edge-gateway" },
        ingress: [{ from: INGRESS_CONTROLLER, ports: ports.map((p) => p.name) }],
        connectsTo: inputs.connectsTo,
    };
}

export interface Oauth2ProxyInputs {
    readonly edge: EdgeSettings;
    readonly domain: string;
    readonly audience: string;
    readonly secrets: SecretHandle;
}

/**
 * oauth2-proxy answers the gateway's auth sub-requests: OIDC sessions for humans, and JWT bearer
 * tokens from the same issuer (with the MCP audience) for MCP clients. Its secrets arrive as files
 * on every target, named by OAUTH2_PROXY_CLIENT_SECRET_FILE / OAUTH2_PROXY_COOKIE_SECRET_FILE, which
 * oauth2-proxy reads as its client-secret-file / cookie-secret-file options.
 */
export function oauth2ProxyWorkload(inputs: Oauth2ProxyInputs): WorkloadSpec {
    const { edge, domain, audience, secrets } = inputs;
    const issuerHost = new URL(edge.oidcIssuerUrl).hostname;
    return {
        name: OAUTH2_PROXY,
        group: "edge",
        image: OAUTH2_PROXY_IMAGE,
        args: [
            `--http-address=0.0.0.0:${OAUTH2_PROXY_PORT}`,
            "--provider=oidc",
            `--oidc-issuer-url=${edge.oidcIssuerUrl}`,
            `--client-id=${edge.oidcClientId}`,
            "--email-domain=*",
            "--reverse-proxy=true",
            "--set-xauthrequest=true",
            "--skip-provider-button=true",
            "--upstream=static://202",
            // MCP clients: access tokens from the issuer, for the MCP audience, verified against its keys.
            "--skip-jwt-bearer-tokens=true",
            `--extra-jwt-issuers=${edge.oidcIssuerUrl}=${audience}`,
            `--cookie-domain=.${domain}`,
            `--whitelist-domain=.${domain}`,
            "--cookie-secure=true",
            "--cookie-samesite=lax",
        ],
        ports: [{ name: "http", port: OAUTH2_PROXY_PORT }],
        secretEnv: [
            { env: "OAUTH2_PROXY_CLIENT_SECRET", secret: secrets, key: EDGE_SECRETS.oidcClientSecret },
            { env: "OAUTH2_PROXY_COOKIE_SECRET", secret: secrets, key: EDGE_SECRETS.cookieSecret },
        ],
        // Read as client-secret-file / cookie-secret-file on every target, never from the environment.
        secretsAsFiles: true,
        resources,
        replicas: 1,
        health: { path: "/ping", port: "http" },
        labels: { "app.kubernetes.io/component": "edge-auth" },
        ingress: [{ from: "edge", ports: ["http"] }],
        outbound: [issuerHost],
    };
}
