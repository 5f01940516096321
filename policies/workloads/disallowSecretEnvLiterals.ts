import type { ResourceRule } from "../rule";
import { CONTAINER_TYPES, envOf } from "./containers";

/** Name segments that announce a secret (DB_PASSWORD, SLACK_BOT_TOKEN, CLIENT_SECRET…); MAX_TOKENS does not. */
const SECRET_WORDS = new Set(["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "DSN"]);
/** Two-segment secret names: API_KEY, PRIVATE_KEY, ACCESS_KEY, CONNECTION_STRING. */
const SECRET_PAIRS = new Set(["API KEY", "PRIVATE KEY", "ACCESS KEY", "CONNECTION STRING"]);

export function looksLikeSecretName(name: string): boolean {
    const words = name
        .toUpperCase()
        .split(/[^A-Z0-9]+/)
        .filter(Boolean);
    return words.some((w, i) => SECRET_WORDS.has(w) || SECRET_PAIRS.has(`${w} ${words[i + 1]}`));
}

/** `<NAME>_FILE` pointing at a mounted secret is the convention that keeps values out of env. */
const isSecretFileReference = (name: string, value: string): boolean => /_FILE$/i.test(name) && value.startsWith("/");

/**
 * A URL carrying a password in its user info (redis://user:pw@host, postgres://:pw@host), whatever the variable's name;
 * read as clients read it, so leading spaces and http:user:pw@host count too.
 */
export function hasUrlPassword(value: string): boolean {
    try {
        return new URL(value).password !== "";
    } catch {
        return false;
    }
}

export const disallowSecretEnvLiterals: ResourceRule = {
    kind: "resource",
    id: "disallow-secret-env-literals",
    description: "Environment variables whose names look like secrets must not carry literal values, and no variable may carry a URL with a password in it.",
    rationale: "Literal env values end up in the plan, the state, `docker inspect` and crash dumps; secrets belong in Secret objects mounted or referenced.",
    remediation:
        "Reference a Kubernetes Secret (valueFrom.secretKeyRef) or mount a Docker secret and pass <NAME>_FILE; for a connection URL, keep the password out of it and pass the password as a file.",
    severity: "critical",
    topics: ["kubernetes", "swarm", "secrets"],
    resourceTypes: CONTAINER_TYPES,
    check(resource) {
        const literals = envOf(resource).filter((e): e is typeof e & { value: string } => e.value !== undefined && e.value !== "");
        return [
            ...literals
                .filter((e) => looksLikeSecretName(e.name) && !isSecretFileReference(e.name, e.value))
                .map((e) => `${e.where} sets ${e.name} to a literal value; reference a secret instead`),
            ...literals
                .filter((e) => !looksLikeSecretName(e.name) && hasUrlPassword(e.value))
                .map((e) => `${e.where} sets ${e.name} to a URL with a password in it; keep the URL without it and pass the password as a secret file`),
        ];
    },
};
