import * as fs from "fs";
import * as path from "path";
import { loadCatalog } from "../catalog";
import type { ServerEntry } from "../catalog/schema";
import { readStackConfig } from "../commands/plan/stackConfig";
import { InvalidInputError, Problem } from "../stacks/problems";
import { platformSecretConsumers, secretInventory } from "../stacks/secrets";
import { CONFIG_NAMESPACE, loadStackSettings } from "../stacks/settings";
import { locateProblems } from "../stacks/yamlSource";
import { KUBECONFIG_SECRET, StackSecretNeeds } from "./environments";

/** The stacks of the platform project: one Pulumi.<stack>.yaml each. */
export function platformStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The catalog's servers; an invalid catalog adds its problems (once) and counts as no servers, so
 * that what the platform itself needs (the kubeconfig, its own secrets) is still provided and the
 * only problems reported are the catalog's.
 */
function catalogServers(file: string | undefined, problems: Problem[]): ServerEntry[] {
    try {
        return [...loadCatalog(file).servers];
    } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        const known = new Set(problems.map((p) => `${p.where}\0${p.message}`));
        problems.push(...error.problems.filter((p) => !known.has(`${p.where}\0${p.message}`)));
        return [];
    }
}

/**
 * What each platform stack needs from ESC, from its stack file and catalog: the same inventory
 * the program checks (catalog servers plus platform components), so the environments follow it.
 * A stack whose file is invalid is reported, not guessed.
 */
export function platformSecretNeeds(
    projectDir: string,
    catalogFile?: string,
    stacks = platformStacks(projectDir),
): { needs: StackSecretNeeds[]; problems: Problem[] } {
    const needs: StackSecretNeeds[] = [];
    const problems: Problem[] = [];
    for (const stack of stacks) {
        try {
            // The stack file alone: what the environments provide is what this computes.
            // Stryker disable next-line ArrayDeclaration: a placeholder for a key no setting reads changes nothing
            const { config } = readStackConfig(projectDir, stack, () => []);
            // The kubeconfig of a cluster target is one of the secrets these environments provide;
            // the settings check only that it is there.
            const read = (key: string): string | undefined =>
                // Stryker disable next-line StringLiteral: any value stands for it, only its presence is checked
                config[`${CONFIG_NAMESPACE}:${key}`] ?? (key === KUBECONFIG_SECRET ? "provided by the stack's environment" : undefined);
            const settings = loadStackSettings(stack, read);
            const servers = catalogServers(catalogFile ?? config[`${CONFIG_NAMESPACE}:catalog`], problems);
            needs.push({
                stack,
                target: settings.target,
                inventory: secretInventory([...servers, ...platformSecretConsumers(settings)]),
                catalogSecrets: [...new Set(servers.flatMap((s) => s.secrets))].sort(),
            });
        } catch (error) {
            const file = `Pulumi.${stack}.yaml`;
            if (error instanceof InvalidInputError)
                problems.push(...locateProblems(error.problems, file, fs.readFileSync(path.join(projectDir, file), "utf8")));
            else problems.push({ where: `Pulumi.${stack}.yaml`, message: (error as Error).message });
        }
    }
    return { needs, problems };
}
