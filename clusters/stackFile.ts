import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/**
 * Where a config key is written in a stack file, as "Pulumi.dev.yaml:14": the line of the deepest
 * part of the path the file has (a missing key points at its parent). Without the file, the name alone.
 */
export function locateKey(projectDir: string, stack: string, namespace: string, keyPath: readonly PropertyKey[]): string {
    const file = `Pulumi.${stack}.yaml`;
    const full = path.join(projectDir, file);
    if (!fs.existsSync(full)) return file;
    const lineCounter = new YAML.LineCounter();
    const doc = YAML.parseDocument(fs.readFileSync(full, "utf8"), { lineCounter });
    const [key, ...rest] = keyPath;
    const nodePath: unknown[] = ["config", `${namespace}:${String(key)}`, ...rest];
    for (let depth = nodePath.length; depth > 0; depth--) {
        const node = doc.getIn(nodePath.slice(0, depth), true) as YAML.Node | undefined;
        if (node?.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
    }
    return file;
}
