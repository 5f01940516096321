import type { EdgeSettings } from "../../stacks/settings";
import type { ServerSpec } from "../../stacks/specs";

/** Where a routed workload listens, as the gateway reaches it. */
export interface Upstream {
    readonly address: string;
    readonly port: number;
}

/** One exposed MCP server: its public host, the resource its tokens name, who may call it. */
export interface McpRoute {
    readonly server: string;
    readonly host: string;
    readonly mcpPath: string;
    /** The protected resource (RFC 9728): https://<host><mcpPath>. */
    readonly resource: string;
    /** Where clients find the resource's metadata; the 401 challenge points here. */
    readonly metadataPath: string;
    readonly clients: readonly string[];
    readonly sessionAffinity: boolean;
    readonly upstream: Upstream;
    /** With session affinity: the DNS name that lists each replica's own address (Swarm's tasks.<service>). */
    readonly replicas?: string;
}

/** A human UI (Grafana, Jaeger, Alertmanager): reachable only after an OIDC sign-in. */
export interface UiRoute {
    readonly name: string;
    readonly host: string;
    readonly upstream: Upstream;
}

export interface UiTarget {
    readonly name: string;
    readonly upstream: Upstream;
}

/** Hosts of MCP servers live under their own subdomain: <server>.mcp.<domain>. */
export function mcpHost(server: string, domain: string): string {
    return `${server}.mcp.${domain}`;
}

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function metadataPath(mcpPath: string): string {
    return `/.well-known/oauth-protected-resource${mcpPath}`;
}

/** A server as the platform deployed it: its service address and, where known, the name listing its replicas. */
export interface RoutedServer {
    readonly spec: ServerSpec;
    readonly address: string;
    readonly replicas?: string;
}

/** Routes for the exposed servers only; internal servers get none. Pure. */
export function mcpRoutes(servers: readonly RoutedServer[], domain: string): McpRoute[] {
    return servers
        .filter(({ spec }) => spec.expose === "public")
        .map(({ spec, address, replicas }) => {
            const host = mcpHost(spec.name, domain);
            return {
                server: spec.name,
                host,
                mcpPath: spec.mcpPath,
                resource: `https://${host}${spec.mcpPath}`,
                metadataPath: metadataPath(spec.mcpPath),
                clients: spec.clients,
                sessionAffinity: spec.sessionAffinity,
                upstream: { address, port: spec.port },
                ...(spec.sessionAffinity && replicas ? { replicas } : {}),
            };
        });
}

export function uiRoutes(uis: readonly UiTarget[], domain: string): UiRoute[] {
    return uis.map((ui) => ({ name: ui.name, host: `${ui.name}.${domain}`, upstream: ui.upstream }));
}

/** The audience MCP access tokens must carry: one for the whole MCP surface unless the stack names another. */
export function mcpAudience(edge: EdgeSettings, domain: string): string {
    return edge.mcpAudience ?? `https://mcp.${domain}`;
}
