import * as fs from "fs";
import * as YAML from "yaml";
import { CATALOG_FILE, validateCatalog } from "../../../catalog";
import type { Catalog } from "../../../catalog/schema";
import { STDIO_SERVER_COMMAND } from "./images";

type Entry = Catalog["servers"][number];

/**
 * The public server the engine test runs as a stdio server behind the stdio bridge: one the other
 * checks need as a Streamable HTTP server of the SDKs' test servers is left alone (the session
 * affinity check reads each replica's name, a cache server's metrics include the cache's, the alert
 * check faults the first critical server, the rollback check updates the first low one), and two
 * public servers stay for the TypeScript and Python SDKs. The last that fits, in catalog order.
 */
export function stdioCandidate(servers: readonly Entry[]): string {
    const reserved = new Set([servers.find((s) => s.tier === "critical"), servers.find((s) => s.tier === "low")]);
    const routed = servers.filter((s) => s.expose === "public");
    const fits = routed.filter((s) => !s.sessionAffinity && !s.cache && !reserved.has(s) && s.transport !== "stdio");
    if (fits.length === 0 || routed.length < 3)
        throw new Error(
            `the engine test needs three public servers, one of them without sessionAffinity or cache and not the first critical or low one, to run as a stdio server; the catalog has ${routed.map((s) => s.name).join(", ") || "none"}`,
        );
    return fits[fits.length - 1].name;
}

/** The catalog as the engine test deploys it: the catalog file with one public server turned into a stdio server. */
export function engineCatalog(file = CATALOG_FILE): { text: string; catalog: Catalog; stdioServer: string } {
    const data = YAML.parse(fs.readFileSync(file, "utf8")) as { servers: Record<string, unknown>[] };
    const stdioServer = stdioCandidate(validateCatalog(data).servers);
    const servers = data.servers.map((s) => (s.name === stdioServer ? { ...s, transport: "stdio", command: [...STDIO_SERVER_COMMAND] } : s));
    const text = YAML.stringify({ ...data, servers });
    return { text, catalog: validateCatalog(YAML.parse(text)), stdioServer };
}
