import * as fs from "fs";

/**
 * A setting from the environment. Secrets may instead come as a file named by <NAME>_FILE, the
 * convention for Docker secrets (Swarm mounts them under /run/secrets); a set variable wins.
 */
export function setting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    const file = env[`${name}_FILE`];
    return file ? fs.readFileSync(file, "utf8").trim() : undefined;
}

export function requiredSetting(name: string, env: NodeJS.ProcessEnv = process.env): string {
    const value = setting(name, env);
    if (value === undefined) throw new Error(`${name} (or ${name}_FILE) is not set`);
    return value;
}

export function oneOf<T extends string>(name: string, allowed: readonly T[], env: NodeJS.ProcessEnv = process.env): T {
    const value = requiredSetting(name, env);
    if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name} must be one of ${allowed.join(", ")}, got "${value}"`);
    return value as T;
}
