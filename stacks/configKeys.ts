import { nearest } from "./nearest";
import { gotPrefix, Problem, SECRET_VALUE } from "./problems";
import { CONFIG_NAMESPACE, SETTING_KEYS, settingSource, stackFileName } from "./settings";

/** Keys of the namespace the program reads besides the settings: another catalog file (benchmarks, tries). */
export const PROGRAM_KEYS: readonly string[] = ["catalog"];

/** Secrets are named like environment variables; settings are camelCase. */
const SECRET_NAME = /^[A-Z][A-Z0-9_]*$/;

export interface ConfigKeyCheck {
    stack: string;
    /** Every key of the config the program received, qualified ("sophia:target", "aws:region"). */
    keys: readonly string[];
    /** The secret names the stack's servers and components use; undefined while they are unknown (invalid input). */
    secrets: readonly string[] | undefined;
    /** A key's value by its name in the namespace ("target"), as readConfig reads it. */
    read: (key: string) => string | undefined;
    isSecret: (qualifiedKey: string) => boolean;
}

export interface ConfigKeyResult {
    problems: Problem[];
    /** The valid keys the unknown ones most likely meant ("sophia:target" for "sophia:targett"). */
    meant: string[];
}

/**
 * Every `sophia:` key must be a setting or a secret that something in the stack uses: anything else
 * is a misspelling (silently taking a default) or a leftover secret. Each is reported with the value
 * it got (never a secret's) and the nearest valid key.
 */
export function configKeyProblems(check: ConfigKeyCheck): ConfigKeyResult {
    // Stryker disable next-line ArrayDeclaration: a made-up name among the known ones matches no key a stack sets
    const known = new Set([...SETTING_KEYS, ...PROGRAM_KEYS, ...(check.secrets ?? [])]);
    const prefix = `${CONFIG_NAMESPACE}:`;
    const names = [...check.keys]
        .filter((key) => key.startsWith(prefix) && !known.has(key.slice(prefix.length)))
        .map((key) => key.slice(prefix.length))
        // A secret name is judged once the catalog (and the settings) say which secrets are used.
        .filter((name) => check.secrets !== undefined || !SECRET_NAME.test(name))
        .sort();
    const problems = names.map((name) => unknownKeyProblem(check, name, nearest(name, [...known])));
    return { problems: problems.map((p) => p.problem), meant: problems.flatMap((p) => (p.hint ? [`${prefix}${p.hint}`] : [])) };
}

function unknownKeyProblem(check: ConfigKeyCheck, name: string, hint: string | undefined): { problem: Problem; hint?: string } {
    const key = `${CONFIG_NAMESPACE}:${name}`;
    const secretName = SECRET_NAME.test(name);
    const got = secretName || check.isSecret(key) ? `got ${SECRET_VALUE}; ` : gotPrefix(asWritten(check.read(name)));
    const problem = {
        where: `${stackFileName(check.stack)} ${key}`,
        message: got + (secretName ? unusedSecretMessage(name, hint) : unknownKeyMessage(hint)),
        source: settingSource(check.stack, [name], true),
    };
    return { problem, hint };
}

const didYouMean = (hint: string): string => `did you mean ${CONFIG_NAMESPACE}:${hint}?`;

function unknownKeyMessage(hint: string | undefined): string {
    return `unknown key: ${hint ? didYouMean(hint) : "neither a setting (docs/04-deployment/stacks.md) nor a secret that a server or component uses"}`;
}

function unusedSecretMessage(name: string, hint: string | undefined): string {
    return `secret ${name} is supplied but no server or component uses it: ${hint ? `${didYouMean(hint)} Otherwise ` : ""}remove it from the stack file or its ESC environment`;
}

/** The engine passes structured values and booleans as JSON text; show them as they were written. */
function asWritten(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}
