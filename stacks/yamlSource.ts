import * as YAML from "yaml";
import type { Problem } from "./problems";

/** A 1-based line and column, as editors and compilers print them. */
export interface Position {
    readonly line: number;
    readonly column: number;
}

/**
 * Finds where a key path points in a YAML text: the value's node when the path exists, else the
 * deepest node on the way that does (a missing field is reported at the object that lacks it), as
 * long as that is more than the document's top-level key. `atKey` points at the key itself instead,
 * for problems about the key (an unknown one).
 */
export function yamlPositions(text: string): (path: readonly PropertyKey[], atKey?: boolean) => Position | undefined {
    const lineCounter = new YAML.LineCounter();
    const document = YAML.parseDocument(text, { lineCounter });
    return (path, atKey = false) => {
        const offset = nodeOffset(document.contents, path, atKey);
        if (offset === undefined) return undefined;
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
    };
}

function nodeOffset(root: unknown, path: readonly PropertyKey[], atKey: boolean): number | undefined {
    let node = root;
    let found: number | undefined;
    for (const [index, key] of path.entries()) {
        const next = child(node, key);
        if (!next) return index >= 2 ? found : undefined;
        if (atKey && index === path.length - 1 && next.key) return rangeStart(next.key);
        node = next.value;
        found = rangeStart(node) ?? rangeStart(next.key) ?? found;
    }
    return found;
}

function child(node: unknown, key: PropertyKey): { key?: unknown; value: unknown } | undefined {
    if (YAML.isMap(node)) {
        const pair = node.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === String(key));
        return pair && { key: pair.key, value: pair.value };
    }
    if (YAML.isSeq(node) && typeof key === "number" && key < node.items.length) return { value: node.items[key] };
    return undefined;
}

const rangeStart = (node: unknown): number | undefined => (YAML.isNode(node) && node.range ? node.range[0] : undefined);

/**
 * Adds line:column to the problems about `file` that carry their path in it:
 * "Pulumi.prod.yaml sophia:target" becomes "Pulumi.prod.yaml:8:18 sophia:target".
 */
export function locateProblems(problems: readonly Problem[], file: string, text: string): Problem[] {
    let positions: ReturnType<typeof yamlPositions> | undefined;
    return problems.map((problem) => {
        if (problem.source?.file !== file || !problem.where.startsWith(`${file} `)) return problem;
        positions ??= yamlPositions(text);
        const at = positions(problem.source.path, problem.source.atKey);
        if (!at) return problem;
        return { ...problem, where: `${file}:${at.line}:${at.column}${problem.where.slice(file.length)}` };
    });
}

/** A YAML document's syntax errors as problems: "Pulumi.dev.yaml:37:1: Flow sequence … must end with a ]". */
export function syntaxProblems(document: YAML.Document, file: string): Problem[] {
    return document.errors.map((e) => ({
        where: e.linePos ? `${file}:${e.linePos[0].line}:${e.linePos[0].col}` : file,
        // Stryker disable next-line Regex: YAML ends the first line with the position (and a colon before its excerpt) and nothing else, so the anchor and the optional colon change nothing
        message: e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""),
    }));
}
