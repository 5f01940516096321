import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { importedClusterTargetProblems, offlineHandoffConfig } from "../../clusters/offline";
import { throwIfProblems } from "../../stacks/problems";
import { syntaxProblems } from "../../stacks/yamlSource";

/** Marks a value the plan made up because only ESC or an encrypted stack secret holds the real one. */
export const PLACEHOLDER_PREFIX = "offline-placeholder:";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** The directory of Pulumi.yaml, which the engine passes the program as its root directory. */
    readonly rootDirectory: string;
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
    /** Each key's declaration: { default } or { value }, or the bare value. */
    config?: Record<string, unknown>;
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
    const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as ProjectFile;
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.basename(stackFile)} in ${projectDir}`);
    const stackData = (readYaml(stackFile) ?? {}) as { config?: Record<string, unknown>; environment?: unknown };
    const qualify = (key: string): string => (key.includes(":") ? key : `${project.name}:${key}`);

    const config = projectDefaults(project, qualify);
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const placeholder = (qualified: string): void => {
        config[qualified] = `${PLACEHOLDER_PREFIX}${qualified}`;
        secretKeys.push(qualified);
        placeholders.push(qualified);
    };
    for (const [key, value] of Object.entries(stackData.config ?? {})) {
        if (isEncrypted(value)) placeholder(qualify(key));
        else config[qualify(key)] = encode(value);
    }
    const environments = environmentList(stackData.environment);
    throwIfProblems(
        `Invalid stack file Pulumi.${stack}.yaml`,
        importedClusterTargetProblems(environments, { dir: projectDir, stack, target: config[qualify("target")] }),
    );
    applyClusterHandoff(environments, config, placeholder);
    for (const key of escProvidedKeys(environments, config).map(qualify)) if (!(key in config)) placeholder(key);
    return { project: project.name, stack, rootDirectory: path.resolve(projectDir), config, secretKeys, placeholders: placeholders.sort(), environments };
}

/** A YAML file's data; a syntax error is invalid input, named by file, line and column. */
function readYaml(file: string): unknown {
    const document = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    const name = path.basename(file);
    throwIfProblems(`Invalid ${name}`, syntaxProblems(document, name));
    return document.toJS();
}

/**
 * A cluster stack's hand-off (docs/04-deployment/clusters.md): its values, computed from the
 * cluster stack's settings; the stack file's own values win, as they do over any environment.
 */
function applyClusterHandoff(environments: string[], config: Record<string, string>, placeholder: (key: string) => void): void {
    const handoff = offlineHandoffConfig(environments);
    for (const [key, value] of Object.entries(handoff.values)) config[key] ??= value;
    for (const key of handoff.secretKeys) if (!(key in config)) placeholder(key);
}

/** The values Pulumi.yaml declares, by qualified key. */
function projectDefaults(project: ProjectFile, qualify: (key: string) => string): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(project.config ?? {})) {
        const value = declaredValue(declaration);
        if (value !== undefined) config[qualify(key)] = encode(value);
    }
    return config;
}

/** A Pulumi.yaml config declaration's value: its value, else its default; a bare value is itself. */
function declaredValue(declaration: unknown): unknown {
    if (!declaration || typeof declaration !== "object") return declaration;
    const d = declaration as { default?: unknown; value?: unknown };
    return d.value ?? d.default;
}

/** An encrypted stack value: { secure: <ciphertext> }. */
const isEncrypted = (value: unknown): boolean => Boolean(value && typeof value === "object" && "secure" in value);

/** `environment:` is a list of names, or `{ imports: [...] }`. */
function environmentList(value: unknown): string[] {
    if (Array.isArray(value)) return value.map(String);
    if (value && typeof value === "object" && Array.isArray((value as { imports?: unknown }).imports)) {
        return (value as { imports: unknown[] }).imports.map(String);
    }
    return [];
}
