import type { z } from "zod";
import { nearest } from "./nearest";

/** One thing wrong with the input, and where it is ("mcp-servers.yaml:21:11 servers[3] (codacy).port"). */
export interface Problem {
    where: string;
    message: string;
    /**
     * The YAML file the problem is in (the name `where` begins with) and the path of the node in
     * it, so that the file's line and column can be added once the file's text is at hand.
     */
    source?: { readonly file: string; readonly path: readonly PropertyKey[]; readonly atKey?: boolean };
}

/**
 * Raised when the catalog or the stack settings are invalid. It carries every problem found, so a
 * user fixes them all in one pass, and it is raised before any resource is registered.
 */
export class InvalidInputError extends Error {
    readonly problems: readonly Problem[];

    constructor(subject: string, problems: readonly Problem[]) {
        const lines = problems.map((p) => `  - ${p.where}: ${p.message}`);
        super(`${subject}: ${problems.length} problem(s)\n${lines.join("\n")}`);
        this.name = "InvalidInputError";
        this.problems = problems;
    }
}

/** Throws one InvalidInputError for all problems, or returns when there are none. */
export function throwIfProblems(subject: string, problems: readonly Problem[]): void {
    if (problems.length > 0) {
        throw new InvalidInputError(subject, problems);
    }
}

/** Secrets are never shown, not even in an error. */
export const SECRET_VALUE = "[secret]";

/** The value a problem got, short enough for one line: `"nomad-cluster"`, `true`, `{"nodes":0}`. */
export function formatValue(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value) ?? typeof value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** "got "nomad-cluster"; " — or "not set; " when the key is missing. */
export function gotPrefix(value: unknown): string {
    return value === undefined ? "not set; " : `got ${formatValue(value)}; `;
}

/**
 * Messages for zod's issues in the words of this project's docs, used where a schema field does
 * not bring its own: `expected one of swarm | k3s | kubernetes`, `expected a number`.
 */
export function friendlyIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
    switch (issue.code) {
        case "invalid_value":
            return issue.values.length === 1 ? `expected ${formatValue(issue.values[0])}` : `expected one of ${issue.values.map(String).join(" | ")}`;
        case "invalid_type":
            return `expected ${issue.expected === "object" ? "an object" : issue.expected === "array" ? "a list" : `a ${issue.expected}`}`;
        case "too_small":
            return boundMessage("at least", issue.minimum, issue.origin, issue.inclusive);
        case "too_big":
            return boundMessage("at most", issue.maximum, issue.origin, issue.inclusive);
        default:
            return undefined;
    }
}

function boundMessage(bound: "at least" | "at most", limit: unknown, origin: string, inclusive = true): string {
    const unit = origin === "array" || origin === "set" ? " item(s)" : origin === "string" ? " character(s)" : "";
    const words = inclusive ? bound : bound === "at least" ? "more than" : "less than";
    return `expected ${words} ${String(limit)}${unit}`;
}

export interface ZodProblemOptions {
    /** The data that was validated: each message then names the value it got at its path. */
    data?: unknown;
    /** The schema, to suggest the nearest known field for an unknown one. */
    schema?: z.ZodType;
    /** The problem's node in its YAML file, when the data came from one. */
    source?: (path: PropertyKey[], atKey: boolean) => Problem["source"];
}

/**
 * Turns zod issues into problems; `describe` names the place a path points to. With the data, every
 * message names the value it got; an unknown field is reported on its own with the nearest valid one.
 */
export function zodProblems(issues: readonly z.core.$ZodIssue[], describe: (path: PropertyKey[]) => string, options: ZodProblemOptions = {}): Problem[] {
    // A misspelt field leaves the one it meant unset: one problem, the misspelling, not two.
    const meant = new Set<string>();
    const unknown = issues.flatMap((issue) => (issue.code === "unrecognized_keys" ? unknownFieldProblems(issue, describe, options, meant) : []));
    const rest = issues.filter(
        (issue) => issue.code !== "unrecognized_keys" && !(meant.has(formatPath(issue.path)) && valueAt(options.data, issue.path) === undefined),
    );
    return [...rest.map((issue) => issueProblem(issue, describe, options)), ...unknown];
}

function unknownFieldProblems(
    issue: z.core.$ZodIssueUnrecognizedKeys,
    describe: (path: PropertyKey[]) => string,
    options: ZodProblemOptions,
    meant: Set<string>,
): Problem[] {
    const known = options.schema ? objectKeysAt(options.schema, issue.path) : [];
    return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = nearest(key, known);
        if (hint) meant.add(formatPath([...issue.path, hint]));
        const message = `unknown field${hint ? `: did you mean ${hint}?` : known.length > 0 ? `; expected one of ${known.join(", ")}` : ""}`;
        return withSource({ where: describe(path), message: `${gotPrefix(valueAt(options.data, path))}${message}` }, options, path, true);
    });
}

/** The issue's message after the value it got, unless a field's own message already names it. */
function issueProblem(issue: z.core.$ZodIssue, describe: (path: PropertyKey[]) => string, options: ZodProblemOptions): Problem {
    const value = valueAt(options.data, issue.path);
    const ownMessage = issue.message !== friendlyIssueMessage(issue as z.core.$ZodRawIssue);
    const prefix = options.data === undefined || (ownMessage && mentions(issue.message, value)) ? "" : gotPrefix(value);
    return withSource({ where: describe(issue.path), message: `${prefix}${issue.message}` }, options, issue.path);
}

/** Whether a message names the value: quoted, or a string of some length as a word ("(us-east-1)"). */
function mentions(message: string, value: unknown): boolean {
    if (value === undefined) return false;
    if (message.includes(formatValue(value))) return true;
    if (typeof value !== "string" || value.length < 3) return false;
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(message);
}

function withSource(problem: Problem, options: ZodProblemOptions, path: PropertyKey[], atKey = false): Problem {
    const source = options.source?.(path, atKey);
    return source ? { ...problem, source } : problem;
}

/** The value at a path of plain data, or undefined. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
    let node = data;
    for (const key of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[key];
    }
    return node;
}

interface SchemaDef {
    type: string;
    shape?: Record<string, z.ZodType>;
    innerType?: z.ZodType;
    element?: z.ZodType;
    valueType?: z.ZodType;
    in?: z.ZodType;
}

/** The field names the object schema at `path` allows (through optional, default, arrays and records). */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    let node: z.ZodType | undefined = schema;
    for (const key of path) {
        const def = unwrap(node)?.def as SchemaDef | undefined;
        node = def && (def.shape?.[String(key)] ?? def.element ?? def.valueType);
    }
    const shape = (unwrap(node)?.def as SchemaDef | undefined)?.shape;
    return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
    let node = schema;
    for (let def = node?.def as SchemaDef | undefined; def && (def.innerType || def.in); def = node?.def as SchemaDef | undefined)
        node = def.innerType ?? def.in;
    return node;
}

/** "a.b[2].c" from ["a", "b", 2, "c"]. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((text, key) => {
        if (typeof key === "number") return `${text}[${key}]`;
        return text === "" ? String(key) : `${text}.${String(key)}`;
    }, "");
}

/**
 * The config values of `keys` as the program received them: the engine passes structured values
 * (objects, numbers, booleans) as JSON text, so keys in `structured` are parsed and every other
 * value stays text. A structured value that is not JSON goes to `unparsable` and is left out.
 */
export function readConfigValues(
    keys: Iterable<string>,
    structured: ReadonlySet<string>,
    read: (key: string) => string | undefined,
    unparsable: (key: string, text: string) => void,
): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of keys) {
        const text = read(key);
        if (text === undefined) continue;
        if (!structured.has(key)) raw[key] = text;
        else {
            try {
                raw[key] = JSON.parse(text);
            } catch {
                unparsable(key, text);
            }
        }
    }
    return raw;
}
