import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiConfig from "@pulumi/pulumi/runtime/config";
import { Catalog, CATALOG_FILE, loadCatalog } from "../catalog";
import { InvalidInputError, Problem, throwIfProblems } from "./problems";
import { PLATFORM_SECRETS, platformSecretConsumers, secretInventory, SecretInventory, secretProblems } from "./secrets";
import { configKeyProblems } from "./configKeys";
import { CONFIG_NAMESPACE, loadStackSettings, readConfig, stackFileName, StackSettings } from "./settings";
import { locateProblems } from "./yamlSource";
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
    /** Every config key the program received, qualified ("sophia:target"). */
    configKeys: () => readonly string[];
    /** The text of the stack file, when it can be found: problems in it then name their line and column. */
    stackFileText: () => string | undefined;
}

const runtimeSources = (): InputSources => ({
    stack: pulumi.getStack(),
    // A stack may deploy another catalog file (for example a generated one in benchmarks).
    catalogFile: readConfig("catalog") ?? CATALOG_FILE,
    readConfig,
    // The engine passes the names of secret config keys; a secret set in plaintext is a leak.
    isSecret: (key) => (pulumiConfig as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key),
    configKeys: () => Object.keys(pulumi.runtime.allConfig()),
    // The engine passes config, not the file it came from; Pulumi.<stack>.yaml sits next to Pulumi.yaml.
    stackFileText: () => readIfExists(path.join(pulumi.runtime.getRootDirectory(), stackFileName(pulumi.getStack()))),
});

function readIfExists(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/**
 * Loads the catalog and the stack settings and checks them against each other and against the
 * config keys the stack sets. Every problem is reported in one InvalidInputError, with the line and
 * column in the stack file where it can be found, before any resource is registered.
 */
export function loadProgramInputs(sources: Partial<InputSources> = {}): ProgramInputs {
    const src = { ...runtimeSources(), ...sources };
    const problems: Problem[] = [];
    const catalog = collect(problems, () => loadCatalog(src.catalogFile));
    const settings = collect(problems, () => loadStackSettings(src.stack, src.readConfig));
    const inputs = catalog && settings && consistentInputs(catalog, settings, src, problems);
    // With invalid settings, the secrets some setting could need stand in for the ones the stack needs.
    const secretNames = inputs ? [...inputs.secrets.keys()] : catalog && [...catalog.servers.flatMap((s) => s.secrets), ...PLATFORM_SECRETS];
    const keys = configKeyProblems({ stack: src.stack, keys: src.configKeys(), secrets: secretNames, read: src.readConfig, isSecret: src.isSecret });
    // A misspelt key leaves the one it meant unset: one problem, the misspelling, not two.
    const all = [...problems.filter((p) => !keys.meant.some((key) => isUnsetSetting(p, key))), ...keys.problems];
    throwIfProblems("Invalid input", locatedInStackFile(all, src));
    return inputs!;
}

/** The inputs, checked against each other: the problems go to `problems`. */
function consistentInputs(catalog: Catalog, settings: StackSettings, src: InputSources, problems: Problem[]): ProgramInputs {
    const servers = resolveServerSpecs(catalog, settings);
    const secrets = secretInventory([...servers, ...platformSecretConsumers(settings)]);
    const configured = (key: string): boolean => src.readConfig(key.slice(`${CONFIG_NAMESPACE}:`.length)) !== undefined;
    problems.push(
        ...availabilityProblems(servers, settings, src.catalogFile),
        ...exposureProblems(servers, settings, src.catalogFile),
        ...secretProblems(secrets, src.stack, configured, src.isSecret),
    );
    return { settings, catalog, servers, secrets };
}

function locatedInStackFile(problems: Problem[], src: InputSources): Problem[] {
    const file = stackFileName(src.stack);
    // Stryker disable next-line ConditionalExpression: reading the file when no problem is about it costs a read, nothing else
    const text = problems.some((p) => p.source?.file === file) ? src.stackFileText() : undefined;
    return text === undefined ? problems : locateProblems(problems, file, text);
}

const isUnsetSetting = (problem: Problem, key: string): boolean =>
    problem.source?.path.length === 2 && problem.source.path[1] === key && problem.message.startsWith("not set;");

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
    const missing = [...(settings.domain ? [] : ["sophia:domain"]), ...(settings.edge ? [] : ["sophia:edge"])];
    if (missing.length === 0) return [];
    const file = catalogFile.split("/").pop();
    return exposed.map((s) => ({
        where: `${file} (${s.name}).expose`,
        message: `expose: public needs the stack's edge, but Pulumi.${settings.stack}.yaml does not set ${missing.join(" and ")} (see docs/07-security/edge.md), or set expose: internal`,
    }));
}
