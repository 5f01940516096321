import * as pulumi from "@pulumi/pulumi";
import * as pulumiConfig from "@pulumi/pulumi/runtime/config";
import { Catalog, CATALOG_FILE, loadCatalog } from "../catalog";
import { InvalidInputError, Problem, throwIfProblems } from "./problems";
import { platformSecretConsumers, secretInventory, SecretInventory, secretProblems } from "./secrets";
import { CONFIG_NAMESPACE, loadStackSettings, readConfig, StackSettings } from "./settings";
import { resolveServerSpecs, ServerSpec } from "./specs";

/** Everything the program deploys from, validated: plain, frozen data. */
export interface ProgramInputs {
    readonly settings: StackSettings;
    readonly catalog: Catalog;
    readonly servers: readonly ServerSpec[];
    readonly secrets: SecretInventory;
}

/** Where the program's inputs come from; the defaults are what `pulumi up` uses. */
export interface InputSources {
    stack: string;
    catalogFile: string;
    readConfig: (key: string) => string | undefined;
    isSecret: (key: string) => boolean;
}

const runtimeSources = (): InputSources => ({
    stack: pulumi.getStack(),
    // A stack may deploy another catalog file (for example a generated one in benchmarks).
    catalogFile: readConfig("catalog") ?? CATALOG_FILE,
    readConfig,
    // The engine passes the names of secret config keys; a secret set in plaintext is a leak.
    isSecret: (key) => (pulumiConfig as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key),
});

/**
 * Loads the catalog and the stack settings and checks them against each other. Every problem in
 * either is reported in one InvalidInputError, before any resource is registered.
 */
export function loadProgramInputs(sources: Partial<InputSources> = {}): ProgramInputs {
    const src = { ...runtimeSources(), ...sources };
    const problems: Problem[] = [];
    const catalog = collect(problems, () => loadCatalog(src.catalogFile));
    const settings = collect(problems, () => loadStackSettings(src.stack, src.readConfig));
    if (!catalog || !settings) {
        throwIfProblems("Invalid input", problems);
        throw new Error("unreachable");
    }
    const servers = resolveServerSpecs(catalog, settings);
    const secrets = secretInventory([...servers, ...platformSecretConsumers(settings)]);
    problems.push(...availabilityProblems(servers, settings, src.catalogFile));
    problems.push(...exposureProblems(servers, settings, src.catalogFile));
    problems.push(...secretProblems(secrets, src.stack, (key) => src.readConfig(key.slice(`${CONFIG_NAMESPACE}:`.length)) !== undefined, src.isSecret));
    throwIfProblems("Invalid input", problems);
    return { settings, catalog, servers, secrets };
}

function collect<T>(problems: Problem[], load: () => T): T | undefined {
    try {
        return load();
    } catch (error) {
        if (error instanceof InvalidInputError) {
            problems.push(...error.problems);
            return undefined;
        }
        throw error;
    }
}

/** With highAvailability, a per-environment override may not bring a critical or high server below 2. */
function availabilityProblems(servers: readonly ServerSpec[], settings: StackSettings, catalogFile: string): Problem[] {
    if (!settings.highAvailability) return [];
    return servers
        .filter((s) => (s.tier === "critical" || s.tier === "high") && s.replicas < 2)
        .map((s) => ({
            where: `${catalogFile.split("/").pop()} (${s.name}).replicas.${settings.environment}`,
            message: `${s.tier} servers need at least 2 replicas in a highAvailability stack, got ${s.replicas}`,
        }));
}

/** A public server needs an edge to be routed through: the stack's domain and edge settings. */
function exposureProblems(servers: readonly ServerSpec[], settings: StackSettings, catalogFile: string): Problem[] {
    const exposed = servers.filter((s) => s.expose === "public");
    if (exposed.length === 0) return [];
    const missing = [...(settings.domain ? [] : ["sophia:domain"]), ...(settings.edge ? [] : ["sophia:edge"])];
    if (missing.length === 0) return [];
    const file = catalogFile.split("/").pop();
    return exposed.map((s) => ({
        where: `${file} (${s.name}).expose`,
        message: `expose: public needs the stack's edge, but Pulumi.${settings.stack}.yaml does not set ${missing.join(" and ")} (see docs/07-security/edge.md), or set expose: internal`,
    }));
}
