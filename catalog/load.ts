import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { formatPath, Problem, throwIfProblems, zodProblems } from "../stacks/problems";
import { Catalog, catalogSchema } from "./schema";

/** The catalog the program deploys. */
export const CATALOG_FILE = path.join(__dirname, "mcp-servers.yaml");

/** Reads and validates a catalog file; see validateCatalog. */
export function loadCatalog(file: string = CATALOG_FILE): Catalog {
    const text = fs.readFileSync(file, "utf8");
    const document = YAML.parseDocument(text, { prettyErrors: true });
    const source = path.basename(file);
    throwIfProblems(
        `Invalid catalog ${source}`,
        document.errors.map((e) => ({ where: source, message: e.message })),
    );
    return validateCatalog(document.toJS(), source);
}

/**
 * Validates catalog data: every entry against the schema, then the rules across entries (unique
 * names and ports). Throws one error listing every problem, each with its entry and field.
 */
export function validateCatalog(data: unknown, source = "catalog"): Catalog {
    const parsed = catalogSchema.safeParse(data);
    const entries = rawEntries(data);
    const describe = (p: PropertyKey[]): string => describeEntryPath(source, entries, p);
    const problems = [...(parsed.success ? [] : zodProblems(parsed.error.issues, describe)), ...crossEntryProblems(entries, describe)];
    throwIfProblems(`Invalid catalog ${source}`, problems);
    return deepFreeze(parsed.data as Catalog);
}

/** Names and ports must be unique; checked on the raw entries so that it reports alongside schema problems. */
function crossEntryProblems(entries: readonly unknown[], describe: (p: PropertyKey[]) => string): Problem[] {
    const problems: Problem[] = [];
    for (const field of ["name", "port"] as const) {
        const first = new Map<unknown, number>();
        entries.forEach((entry, index) => {
            const value = (entry as Partial<Record<typeof field, unknown>> | null)?.[field];
            if (value === undefined) return;
            const earlier = first.get(value);
            if (earlier === undefined) {
                first.set(value, index);
                return;
            }
            const owner = (entries[earlier] as { name?: unknown }).name;
            problems.push({
                where: describe(["servers", index, field]),
                message: `${field} ${JSON.stringify(value)} is already used by servers[${earlier}] (${String(owner)})`,
            });
        });
    }
    return problems;
}

function rawEntries(data: unknown): unknown[] {
    const servers = (data as { servers?: unknown } | null)?.servers;
    return Array.isArray(servers) ? servers : [];
}

/** "mcp-servers.yaml servers[3] (codacy).port": the index and the entry's name, when it has one. */
function describeEntryPath(source: string, entries: unknown[], p: PropertyKey[]): string {
    if (p[0] === "servers" && typeof p[1] === "number") {
        const name = (entries[p[1]] as { name?: unknown } | undefined)?.name;
        const label = typeof name === "string" ? ` (${name})` : "";
        const rest = formatPath(p.slice(2));
        return `${source} servers[${p[1]}]${label}${rest ? (rest.startsWith("[") ? rest : `.${rest}`) : ""}`;
    }
    return `${source} ${formatPath(p) || "(root)"}`;
}

export function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value)) deepFreeze(child);
    }
    return value;
}
