// The ESC environments the platform's stacks import, as plain data: which environment provides
// which secret config key, and the YAML documents that say so. Pure: no Pulumi, no files.
import * as YAML from "yaml";
import { SecretInventory, secretConfigKey } from "../stacks/secrets";
import type { Target } from "../stacks/settings";

/** The ESC project the environments live in (`sophia/common`, `sophia/prod`). */
export const DEFAULT_ENVIRONMENT_PROJECT = "sophia";
/** The shared environment every stack imports; one more per stack, named after the stack. */
export const COMMON_ENVIRONMENT = "common";
/** The secret a cluster target's provider is reached with (sophia:kubeconfig). */
export const KUBECONFIG_SECRET = "kubeconfig";

/** What one stack of the platform needs from ESC. */
export interface StackSecretNeeds {
    readonly stack: string;
    readonly target: Target;
    /** Every secret the stack reads, with its consumers (catalog servers and platform components). */
    readonly inventory: SecretInventory;
    /** The secrets its catalog's servers declare: shared by every stack, so they live in common. */
    readonly catalogSecrets: readonly string[];
}

/** A credential ESC creates and replaces itself, through one of its rotators. */
export interface RotatedCredential {
    /** Path of the rotator in its environment's values. */
    readonly id: string;
    readonly rotator: "aws-iam";
    /** Secret names it yields, with the rotator output path and whether ESC marks that output secret. */
    readonly outputs: Readonly<Record<string, { readonly path: string; readonly secret: boolean }>>;
}

/**
 * Credentials ESC rotates. The backup jobs' IAM user key pair: ESC's aws-iam rotator creates a new
 * access key and keeps the previous one valid until the next rotation. It returns the key id in
 * plaintext; the program requires every secret it reads to be secret, so the mapping seals it.
 */
export const ROTATED_CREDENTIALS: readonly RotatedCredential[] = [
    {
        id: "backupAwsIamUser",
        rotator: "aws-iam",
        outputs: {
            BACKUP_AWS_ACCESS_KEY_ID: { path: "current.accessKeyId", secret: false },
            BACKUP_AWS_SECRET_ACCESS_KEY: { path: "current.secretAccessKey", secret: true },
        },
    },
    // A failover stack's restore job: the same rotation, for its read-only IAM user.
    {
        id: "restoreAwsIamUser",
        rotator: "aws-iam",
        outputs: {
            RESTORE_AWS_ACCESS_KEY_ID: { path: "current.accessKeyId", secret: false },
            RESTORE_AWS_SECRET_ACCESS_KEY: { path: "current.secretAccessKey", secret: true },
        },
    },
];

/**
 * One environment a stack imports (`sophia/common`, `sophia/prod`). Code owns its definition: its
 * imports and the pulumiConfig mapping. The values themselves live in its values environment
 * (`sophia/common-secrets`), which code creates once with placeholders and then leaves to the
 * operators who fill it and to ESC's rotations, which write their state into it.
 */
export interface StackEnvironment {
    readonly name: string;
    /** Environments it imports, as `project/name`, in merge order. */
    readonly imports: readonly string[];
    /** Secret names it maps to `sophia:<NAME>` config keys. */
    readonly secrets: readonly string[];
    readonly values: ValuesEnvironment;
    /** For environments with rotated credentials: the environment holding ESC's AWS login for them. */
    readonly login?: string;
}

export interface ValuesEnvironment {
    readonly name: string;
    /** Secrets operators fill with `esc env set`. */
    readonly placeholders: readonly string[];
    readonly rotated: readonly RotatedCredential[];
}

export interface EnvironmentLayout {
    readonly project: string;
    readonly environments: readonly StackEnvironment[];
}

const rotatedSecretNames = new Set(ROTATED_CREDENTIALS.flatMap((c) => Object.keys(c.outputs)));

/**
 * Where each secret lives. The catalog's secrets are shared: common. Everything else a stack needs
 * (platform components' secrets, rotated credentials, the kubeconfig of a cluster target) is that
 * environment's own: `sophia/<stack>`, which imports common.
 */
export function environmentLayout(project: string, stacks: readonly StackSecretNeeds[]): EnvironmentLayout {
    const ref = (name: string): string => `${project}/${name}`;
    const shared = [...new Set(stacks.flatMap((s) => s.catalogSecrets))].filter((s) => !rotatedSecretNames.has(s)).sort();
    const common: StackEnvironment = {
        name: COMMON_ENVIRONMENT,
        imports: [ref(`${COMMON_ENVIRONMENT}-secrets`)],
        secrets: shared,
        values: { name: `${COMMON_ENVIRONMENT}-secrets`, placeholders: shared, rotated: [] },
    };
    const perStack = [...stacks]
        .sort((a, b) => a.stack.localeCompare(b.stack))
        .map((needs): StackEnvironment => {
            const own = [...needs.inventory.keys()].filter((s) => !shared.includes(s));
            if (needs.target !== "swarm") own.push(KUBECONFIG_SECRET);
            const secrets = [...new Set(own)].sort();
            const rotated = ROTATED_CREDENTIALS.filter((c) => Object.keys(c.outputs).some((s) => secrets.includes(s)));
            const values: ValuesEnvironment = {
                name: `${needs.stack}-secrets`,
                placeholders: secrets.filter((s) => !rotatedSecretNames.has(s)),
                rotated,
            };
            return {
                name: needs.stack,
                imports: [ref(COMMON_ENVIRONMENT), ref(values.name)],
                secrets,
                values,
                login: rotated.length > 0 ? `${needs.stack}-aws-login` : undefined,
            };
        });
    return { project, environments: [common, ...perStack] };
}

/**
 * The config keys a stack file's `environment:` imports provide, following each environment's
 * imports. An environment this layout does not define provides nothing, so the program's own
 * check names every key it then misses.
 */
export function providedConfigKeys(environmentRefs: readonly string[], layout: EnvironmentLayout): string[] {
    const byRef = new Map(layout.environments.map((e) => [`${layout.project}/${e.name}`, e]));
    const keys = new Set<string>();
    const visited = new Set<string>();
    const visit = (ref: string): void => {
        // A pinned revision or tag provides the same keys.
        // Stryker disable next-line Regex: a reference holds no line break, so the end anchor changes nothing
        const name = ref.replace(/@.*$/, "");
        if (visited.has(name)) return;
        visited.add(name);
        const environment = byRef.get(name);
        if (!environment) return;
        environment.imports.forEach(visit);
        for (const secret of environment.secrets) keys.add(secretConfigKey(secret));
    };
    environmentRefs.forEach(visit);
    return [...keys].sort();
}

/** ESC's AWS login for one environment's rotations, assumed through Pulumi Cloud's OIDC trust. */
export interface AwsRotationSettings {
    readonly region: string;
    /** Role ESC assumes; it needs only iam:CreateAccessKey/DeleteAccessKey/ListAccessKeys on the users below. */
    readonly oidcRoleArn: string;
    /** The IAM user each rotated credential belongs to, by credential id. */
    readonly users: Readonly<Record<string, string>>;
}

/** Marks what an operator must replace; the text tells them how. Never a real value. */
export function placeholderText(project: string, values: string, secret: string): string {
    return `unset: esc env set ${project}/${values} secrets.${secret} --secret <value>`;
}

/** `${...}` path of a key of the values environment. */
const valueRef = (path: string): string => `\${${path}}`;

/** The definition of a stack environment: imports and the pulumiConfig mapping, nothing secret. */
export function stackEnvironmentDocument(environment: StackEnvironment): Record<string, unknown> {
    const rotatedOutput = new Map(environment.values.rotated.flatMap((c) => Object.entries(c.outputs).map(([s, o]) => [s, { id: c.id, ...o }])));
    const pulumiConfig: Record<string, string> = {};
    for (const secret of environment.secrets) {
        const out = rotatedOutput.get(secret);
        if (!out) pulumiConfig[secretConfigKey(secret)] = valueRef(`secrets.${secret}`);
        // A value interpolated with a secret is secret: the rotator's plaintext key id is sealed so.
        else
            pulumiConfig[secretConfigKey(secret)] = out.secret
                ? valueRef(`${out.id}.${out.path}`)
                : `${valueRef(`${out.id}.${out.path}`)}${valueRef("sealed")}`;
    }
    return { imports: [...environment.imports], values: { pulumiConfig } };
}

/** The first definition of a values environment: a placeholder per secret and the rotators. */
export function valuesEnvironmentDocument(
    layout: EnvironmentLayout,
    environment: StackEnvironment,
    rotation: AwsRotationSettings | undefined,
): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    if (environment.values.placeholders.length > 0) {
        values.secrets = Object.fromEntries(
            environment.values.placeholders.map((s) => [s, { "fn::secret": placeholderText(layout.project, environment.values.name, s) }]),
        );
    }
    if (environment.values.rotated.length > 0) {
        if (!rotation || !environment.login) throw new Error(`environment ${environment.name} rotates credentials but has no AWS rotation settings`);
        const login = `\${environments.${layout.project}["${environment.login}"].aws.login}`;
        for (const credential of environment.values.rotated) {
            const userArn = rotation.users[credential.id];
            if (!userArn) throw new Error(`environment ${environment.name} rotates ${credential.id} but no IAM user is configured for it`);
            values[credential.id] = { [`fn::rotate::${credential.rotator}`]: { inputs: { region: rotation.region, login, userArn } } };
        }
        values.sealed = { "fn::secret": "" };
    }
    return { values };
}

/** The environment ESC logs in to AWS with for rotations; only rotations and admins open it. */
export function loginEnvironmentDocument(environment: StackEnvironment, rotation: AwsRotationSettings | undefined): Record<string, unknown> {
    if (!rotation) throw new Error(`environment ${environment.name} rotates credentials but has no AWS rotation settings`);
    return {
        values: {
            aws: {
                login: {
                    "fn::open::aws-login": {
                        oidc: {
                            roleArn: rotation.oidcRoleArn,
                            sessionName: `sophia-esc-${environment.name}-rotation`,
                            subjectAttributes: ["currentEnvironment.name"],
                        },
                    },
                },
            },
        },
    };
}

export function renderEnvironment(document: Record<string, unknown>): string {
    return YAML.stringify(document, { lineWidth: 0 });
}

/**
 * How often ESC rotates: quarterly, at 03:00 UTC on the first day of January, April, July and
 * October. Cron cannot count days, so consecutive rotations are 90 to 92 days apart.
 */
export const ROTATION_CRON = "0 3 1 */3 *";
export const ROTATION_PERIOD_DAYS = 90;
