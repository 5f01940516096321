import { Catalog, Resources, ServerEntry, Tier } from "../catalog/schema";
import { withDigest } from "../catalog/imageLock";
import { deepFreeze } from "../catalog/load";
import { StackSettings } from "./settings";

/** One MCP server as this stack runs it: the catalog entry with every default resolved. */
export interface ServerSpec {
    readonly name: string;
    readonly port: number;
    readonly category: ServerEntry["category"];
    readonly purpose: string;
    readonly tier: Tier;
    readonly image: string;
    readonly version: string;
    readonly secrets: readonly string[];
    readonly healthPath: string;
    readonly metricsPath: string;
    readonly mcpPath: string;
    readonly resources: Resources;
    readonly replicas: number;
    /** Autoscaling bounds, present when the tier scales beyond its replicas. */
    readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number };
    readonly outbound: readonly string[];
    readonly cache: boolean;
    readonly hostMounts: readonly string[];
    /** Whether the edge routes to the server from outside. */
    readonly expose: ServerEntry["expose"];
    readonly sessionAffinity: boolean;
    /** Client identities the edge lets through to a public server. */
    readonly clients: readonly string[];
    readonly transport: ServerEntry["transport"];
    /** A stdio server's command inside its image; absent for a Streamable HTTP server. */
    readonly command?: readonly string[];
}

/** Resolves every catalog entry the stack's target runs (an entry may be limited to some targets) against the stack's settings. Pure; no Pulumi. */
export function resolveServerSpecs(catalog: Catalog, settings: StackSettings): readonly ServerSpec[] {
    return deepFreeze(catalog.servers.filter((entry) => entry.targets.includes(settings.target)).map((entry) => resolveServerSpec(entry, settings)));
}

export function resolveServerSpec(entry: ServerEntry, settings: StackSettings): ServerSpec {
    const tier = settings.tiers[entry.tier];
    const replicas = entry.replicas[settings.environment] ?? tier.replicas;
    const maxReplicas = Math.max(tier.maxReplicas, replicas);
    return {
        name: entry.name,
        port: entry.port,
        category: entry.category,
        purpose: entry.purpose,
        tier: entry.tier,
        image: withDigest(`${settings.registry}/${entry.repository ?? `sophia-${entry.name}`}:${entry.version}`, entry.digest),
        version: entry.version,
        secrets: entry.secrets,
        healthPath: entry.healthPath,
        metricsPath: entry.metricsPath,
        mcpPath: entry.mcpPath,
        resources: entry.resources ?? tier.resources,
        replicas,
        autoscaling: maxReplicas > replicas && replicas > 0 ? { minReplicas: replicas, maxReplicas } : undefined,
        outbound: entry.outbound,
        cache: entry.cache,
        hostMounts: entry.hostMounts,
        expose: entry.expose,
        sessionAffinity: entry.sessionAffinity,
        clients: entry.clients,
        transport: entry.transport,
        ...(entry.command ? { command: entry.command } : {}),
    };
}
