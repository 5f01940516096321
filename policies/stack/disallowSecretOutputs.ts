import { SECRET, UNKNOWN, type PolicyResource, type StackRule } from "../rule";
import { record } from "../shapes";

export const STACK = "pulumi:pulumi:Stack";
/** How secrets look to rules, offline and in the pack: a secret output is fine. */
const REDACTED = SECRET;
/** Short values ("1", "true") are not meaningful secrets and would match everywhere. */
const MIN_SECRET_LENGTH = 8;

/** Plaintext values of the stack's secret-holding resources (Kubernetes and Docker secrets), where they are visible. */
function secretResourceValues(resources: readonly PolicyResource[]): string[] {
    return resources.flatMap((r) => {
        if (r.type === "kubernetes:core/v1:Secret") return kubernetesSecretValues(r);
        const data = r.props?.data;
        return r.type === "docker:index/secret:Secret" && typeof data === "string" && data !== REDACTED ? [fromBase64(data)] : [];
    });
}

const fromBase64 = (text: string): string => Buffer.from(text, "base64").toString("utf8");
const strings = (values: unknown): string[] => Object.values(record(values)).filter((v): v is string => typeof v === "string");

/** A Kubernetes Secret's values: stringData as written, data decoded from base64. */
const kubernetesSecretValues = (r: PolicyResource): string[] => [...strings(r.props?.stringData), ...strings(r.props?.data).map(fromBase64)];

/** Every string leaf of a value, with its path. */
function leaves(value: unknown, path: string): { path: string; text: string }[] {
    if (typeof value === "string") return [{ path, text: value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
    return [];
}

export const disallowSecretOutputs: StackRule = {
    kind: "stack",
    id: "disallow-secret-outputs",
    description:
        "No secret value (secret config, a secret input, a Kubernetes or Docker secret) may appear in a plain, non-secret stack output; secret outputs are fine.",
    rationale: "Stack outputs are readable by everyone with access to the stack and copied into CI logs; a secret there is a published secret.",
    remediation: "Export the value with pulumi.secret(...), read config with getSecret/requireSecret, or do not export it.",
    severity: "critical",
    topics: ["secrets"],
    check(resources, context) {
        const stack = resources.find((r) => r.type === STACK);
        if (!stack) return [];
        // Stryker disable next-line ArrayDeclaration: the pack always passes secretValues; the fallback only serves other callers of the rule
        const secrets = [...(context.secretValues ?? []), ...secretResourceValues(resources)].filter(
            (s) => s.length >= MIN_SECRET_LENGTH && s !== REDACTED && s !== UNKNOWN,
        );
        // Secret outputs reach rules as SECRET and unknown ones as UNKNOWN: only plain, known text can leak.
        return leaves(stack.props ?? {}, "")
            .filter((leaf) => leaf.text !== REDACTED && leaf.text !== UNKNOWN)
            .filter((leaf) => leaf.text === PLAINTEXT_SECRET_MARKER || secrets.some((s) => leaf.text.includes(s)))
            .map((leaf) => ({ urn: stack.urn, message: `stack output ${leaf.path} contains a secret value in plain text` }));
    },
};

/** Marks, in a written plan, a plain output that carried a secret value (the value itself is never written). */
export const PLAINTEXT_SECRET_MARKER = "[plaintext secret]";

/** Outputs with every string holding one of `secrets` replaced by the marker, so a plan file never carries the leak. */
export function redactPlainSecrets(value: unknown, secrets: readonly (string | undefined)[]): Record<string, unknown> {
    const known = secrets.filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH);
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") return known.some((s) => v.includes(s)) ? PLAINTEXT_SECRET_MARKER : v;
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
    };
    return walk(value ?? {}) as Record<string, unknown>;
}
