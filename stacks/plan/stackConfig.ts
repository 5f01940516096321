import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** Marks a value the plan made up because only ESC or an encrypted stack secret holds the real one. */
export const PLACEHOLDER_PREFIX = "offline-placeholder:";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Full config map ("sophia:target" → "swarm"); structured values as JSON, as the engine passes them. */
    readonly config: Record<string, string>;
    /** Keys whose values are secrets. */
    readonly secretKeys: string[];
    /** Secret keys the plan filled with placeholders. */
    readonly placeholders: string[];
    /** ESC environments the stack file imports. */
    readonly environments: string[];
}

interface ProjectFile {
    name: string;
    config?: Record<string, { default?: unknown; value?: unknown } | unknown>;
}

const encode = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * The config `pulumi up -s <stack>` would pass the program, read offline: Pulumi.yaml defaults,
 * then Pulumi.<stack>.yaml. Encrypted values (`secure:`) and the secrets that only the stack's ESC
 * environments provide become placeholders, so the program runs and the plan says which they are.
 */
export function readStackConfig(
    projectDir: string,
    stack: string,
    escProvidedKeys: (environments: string[], config: Readonly<Record<string, string>>) => string[],
): StackConfig {
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.basename(stackFile)} in ${projectDir}`);
    const stackData = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown>; environment?: unknown };
    const qualify = (key: string): string => (key.includes(":") ? key : `${project.name}:${key}`);

    const config: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(project.config ?? {})) {
        const d = declaration as { default?: unknown; value?: unknown };
        const value = d && typeof d === "object" ? (d.value ?? d.default) : declaration;
        if (value !== undefined) config[qualify(key)] = encode(value);
    }
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [key, value] of Object.entries(stackData.config ?? {})) {
        const qualified = qualify(key);
        if (value && typeof value === "object" && "secure" in value) {
            config[qualified] = `${PLACEHOLDER_PREFIX}${qualified}`;
            secretKeys.push(qualified);
            placeholders.push(qualified);
        } else config[qualified] = encode(value);
    }
    const environments = environmentList(stackData.environment);
    for (const key of escProvidedKeys(environments, config).map(qualify)) {
        if (key in config) continue;
        config[key] = `${PLACEHOLDER_PREFIX}${key}`;
        secretKeys.push(key);
        placeholders.push(key);
    }
    return { project: project.name, stack, config, secretKeys, placeholders: placeholders.sort(), environments };
}

/** `environment:` is a list of names, or `{ imports: [...] }`. */
function environmentList(value: unknown): string[] {
    if (Array.isArray(value)) return value.map(String);
    if (value && typeof value === "object" && Array.isArray((value as { imports?: unknown }).imports)) {
        return (value as { imports: unknown[] }).imports.map(String);
    }
    return [];
}
