import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { formatPath, friendlyIssueMessage, Problem, throwIfProblems, zodProblems } from "../stacks/problems";
import { locateProblems, syntaxProblems } from "../stacks/yamlSource";
import { Catalog, catalogSchema } from "./schema";

/** The catalog the program deploys. */
export const CATALOG_FILE = path.join(__dirname, "mcp-servers.yaml");

/** Catalogs already validated, by file: a plan reads the catalog once per stack it checks, then the program. */
const loaded = new Map<string, { text: string; catalog: Catalog }>();

/** Reads and validates a catalog file; see validateCatalog. Each problem names its line and column. */
export function loadCatalog(file: string = CATALOG_FILE): Catalog {
    const text = fs.readFileSync(file, "utf8");
    const key = path.resolve(file);
    const known = loaded.get(key);
    if (known?.text === text) return known.catalog;
    const document = YAML.parseDocument(text);
    const source = path.basename(file);
    throwIfProblems(`Invalid catalog ${source}`, syntaxProblems(document, source));
    const { catalog, problems } = checkCatalog(document.toJS(), source);
    throwIfProblems(`Invalid catalog ${source}`, locateProblems(problems, source, text));
    loaded.set(key, { text, catalog: deepFreeze(catalog!) });
    return loaded.get(key)!.catalog;
}

/**
 * Validates catalog data: every entry against the schema, then the rules across entries (unique
 * names and ports). Throws one error listing every problem, each with its entry, field and value.
 */
export function validateCatalog(data: unknown, source = "catalog"): Catalog {
    const { catalog, problems } = checkCatalog(data, source);
    throwIfProblems(`Invalid catalog ${source}`, problems);
    return deepFreeze(catalog!);
}

function checkCatalog(data: unknown, source: string): { catalog?: Catalog; problems: Problem[] } {
    const parsed = catalogSchema.safeParse(data, { error: friendlyIssueMessage });
    const entries = rawEntries(data);
    const describe = (p: readonly PropertyKey[]): string => describeEntryPath(source, entries, p);
    const locate = (p: readonly PropertyKey[], atKey = false) => ({ file: source, path: p, atKey });
    const problems = [
        ...(parsed.success ? [] : zodProblems(parsed.error.issues, describe, { data, schema: catalogSchema, source: locate })),
        ...crossEntryProblems(entries, describe, locate),
    ];
    return { catalog: parsed.data, problems };
}

/** Names and ports must be unique; checked on the raw entries so that it reports alongside schema problems. */
function crossEntryProblems(entries: readonly unknown[], describe: (p: PropertyKey[]) => string, locate: (p: PropertyKey[]) => Problem["source"]): Problem[] {
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
                source: locate(["servers", index, field]),
            });
        });
    }
    return problems;
}

function rawEntries(data: unknown): unknown[] {
    const servers = (data as { servers?: unknown } | null)?.servers;
    // Stryker disable next-line ArrayDeclaration: without a list the schema refuses the file, and no path or duplicate can name an entry
    return Array.isArray(servers) ? servers : [];
}

/** "mcp-servers.yaml servers[3] (codacy).port": the index and the entry's name, when it has one. */
function describeEntryPath(source: string, entries: unknown[], p: readonly PropertyKey[]): string {
    // Stryker disable next-line ConditionalExpression: servers is the catalog's only list, so a path with an index is an entry's
    if (p[0] === "servers" && typeof p[1] === "number") {
        const name = (entries[p[1]] as { name?: unknown } | undefined)?.name;
        const label = typeof name === "string" ? ` (${name})` : "";
        // An entry is an object: what follows its index is a field's name.
        const rest = formatPath(p.slice(2));
        return `${source} servers[${p[1]}]${label}${rest ? `.${rest}` : ""}`;
    }
    return `${source} ${formatPath(p) || "(root)"}`;
}

export function deepFreeze<T>(value: T): T {
    // A primitive (and null) counts as frozen already.
    if (!Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value as object)) deepFreeze(child);
    }
    return value;
}
