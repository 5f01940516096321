// What a live stack must show, derived as the program derives it: the catalog (servers, public
// routes, clients), the stack's settings (domain, edge, backups) and the rendered Alertmanager config.
import { loadCatalog } from "../../catalog";
import { RPO_SECONDS } from "../../components/backup-jobs";
import { mcpHost } from "../../components/edge/routes";
import { alertmanagerConfig } from "../../components/monitoring";
import { BACKUP_TARGETS } from "../../images/backup/src/layout";
import { offlineStackSettings } from "../plan/offlineSettings";
import { PROJECT_DIR } from "../plan/plan";
import { resolveServerSpecs } from "../../stacks/specs";

export interface Route {
    readonly receiver?: string;
    readonly matchers?: readonly string[];
    readonly continue?: boolean;
    readonly routes?: readonly Route[];
}
export interface Receiver {
    readonly name: string;
    readonly [integration: string]: unknown;
}
/** The parts of an Alertmanager configuration that decide who hears of an alert. */
export interface RoutingConfig {
    readonly route?: Route;
    readonly receivers?: readonly Receiver[];
}

export interface PublicServer {
    readonly name: string;
    /** https://<server>.mcp.<domain><mcpPath>: the MCP endpoint the edge routes. */
    readonly url: string;
    readonly clients: readonly string[];
}

export interface StackExpectations {
    readonly stack: string;
    readonly domain?: string;
    /** Routed through the edge; empty when the stack has no edge. */
    readonly publicServers: readonly PublicServer[];
    /** Every MCP server of the catalog: each must be an up target. */
    readonly servers: readonly string[];
    /** The Alertmanager configuration the stack renders (secret file paths aside). */
    readonly alertmanager: RoutingConfig;
    /** What the backup jobs report, when the stack has backups (sophia:backup). */
    readonly backups?: { readonly targets: readonly string[]; readonly rpoSeconds: number };
}

export function stackExpectations(stack: string, projectDir = PROJECT_DIR, catalogFile?: string): StackExpectations {
    const settings = offlineStackSettings(projectDir, stack, catalogFile);
    // The servers the stack's target runs, as the program resolves them (an entry may be limited to some targets).
    const servers = resolveServerSpecs(loadCatalog(catalogFile), settings);
    const domain = settings.domain;
    const publicServers =
        settings.edge && domain
            ? servers
                  .filter((s) => s.expose === "public")
                  .map((s) => ({ name: s.name, url: `https://${mcpHost(s.name, domain)}${s.mcpPath}`, clients: s.clients }))
            : [];
    return {
        stack,
        domain,
        publicServers,
        servers: servers.map((s) => s.name),
        alertmanager: alertmanagerConfig({ secretFile: (secret) => secret }),
        backups: settings.backup ? { targets: BACKUP_TARGETS, rpoSeconds: RPO_SECONDS } : undefined,
    };
}
