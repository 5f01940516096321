import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { cpuQuantity, memoryQuantity, resourcesSchema, TARGETS, TIERS, Tier, Resources, type Target } from "../catalog/schema";
import { deepFreeze } from "../catalog/load";
import { backupNames } from "./backupNames";
import { formatPath, friendlyIssueMessage, gotPrefix, Problem, readConfigValues, throwIfProblems, zodProblems } from "./problems";

/** The config namespace of every key below: `sophia:<key>` in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "sophia";

export { TARGETS, type Target };

const tierSettingsSchema = z.strictObject({
    /** Replicas of a server of this tier, unless its catalog entry names its own for the environment. */
    replicas: z.number().int().min(0),
    /** Upper bound for autoscaling; above `replicas` turns the autoscaler on for the tier. */
    maxReplicas: z.number().int().min(1),
    resources: resourcesSchema,
});
export type TierSettings = z.infer<typeof tierSettingsSchema>;

/** Project defaults; a stack file overrides any field of any tier. */
export const DEFAULT_TIERS: Readonly<Record<Tier, TierSettings>> = {
    critical: {
        replicas: 2,
        maxReplicas: 6,
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    high: {
        replicas: 2,
        maxReplicas: 4,
        resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    },
    medium: {
        replicas: 1,
        maxReplicas: 1,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    },
    low: {
        replicas: 1,
        maxReplicas: 1,
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
    },
};

/** Prometheus-style durations ("15d", "12h"). */
const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, 'expected a duration such as "15d" or "30s"');

/** The monitoring stack's sizes; every field has a default. */
const monitoringSettingsSchema = z.strictObject({
    /** How long Prometheus keeps samples; the slow burn-rate alerts look back 3 days. */
    retention: duration.default("15d"),
    storage: memoryQuantity.default("50Gi"),
    scrapeInterval: duration.default("30s"),
    replicas: z
        .strictObject({ prometheus: z.number().int().min(1), alertmanager: z.number().int().min(1), grafana: z.number().int().min(1) })
        .partial()
        .default({}),
});
export type MonitoringSettings = Readonly<{
    retention: string;
    storage: string;
    scrapeInterval: string;
    replicas: Readonly<{ prometheus: number; alertmanager: number; grafana: number }>;
}>;
export const DEFAULT_MONITORING_REPLICAS = { prometheus: 1, alertmanager: 1, grafana: 1 } as const;

const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "expected a DNS name such as dev.sophia-ai.com");

const tierOverride = tierSettingsSchema.partial().optional();

export const TLS_MODES = ["acme", "provided"] as const;
export const AUTH_MODES = ["oidc"] as const;
/** Let's Encrypt's production directory, the default ACME server. */
export const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

const oneOf = (choices: readonly string[]): string => `one of ${choices.join(", ")}`;

/** The edge: TLS, the identity provider and the limits every route gets. Secrets live in secret config. */
const edgeSettingsSchema = z.strictObject({
    /** acme: certificates from an ACME server (cert-manager); provided: EDGE_TLS_CERTIFICATE and EDGE_TLS_PRIVATE_KEY. */
    tls: z.enum(TLS_MODES, { error: () => `expected ${oneOf(TLS_MODES)}` }),
    acmeEmail: z.email("expected the e-mail address the ACME account is registered with").optional(),
    acmeServer: z.url({ protocol: /^https$/, error: "expected the https URL of an ACME directory" }).default(LETS_ENCRYPT),
    /** oidc: humans sign in through the issuer (oauth2-proxy); MCP clients present its access tokens. */
    authMode: z.enum(AUTH_MODES, { error: () => `unknown auth mode: expected ${oneOf(AUTH_MODES)}` }),
    oidcIssuerUrl: z.url({ protocol: /^https$/, error: "expected the https URL of the OIDC issuer" }),
    oidcClientId: z.string().min(1),
    /** Audience MCP access tokens must carry; defaults to https://mcp.<domain>. */
    mcpAudience: z.string().min(1).optional(),
    /** Per client identity (MCP) or address (UIs). */
    rateLimit: z.strictObject({ requestsPerSecond: z.number().int().min(1), burst: z.number().int().min(0) }).default({ requestsPerSecond: 10, burst: 20 }),
    maxRequestBodySize: z
        .string()
        .regex(/^\d+[km]?$/, 'expected an nginx size such as "1m" or "512k"')
        .default("1m"),
    /** How long an idle server-sent event stream stays open. */
    streamTimeoutSeconds: z.number().int().min(60).max(86400).default(3600),
});
export type EdgeSettings = z.output<typeof edgeSettingsSchema>;

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "expected an AWS region such as us-east-1");
const days = z.number().int().min(1).max(3650);

/**
 * Where and how long backups are kept (docs/03-architecture/backups.md). Without it the stack
 * deploys its stateful services with no off-site backups (fine for dev, refused by policy in prod).
 */
export const backupSettingsSchema = z
    .strictObject({
        /** Region of the primary bucket, where the backup jobs write. */
        region: awsRegion,
        /** Region of the replica bucket: a disaster in `region` must not reach it. */
        replicaRegion: awsRegion,
        /** Days a daily full backup is kept. */
        retentionDays: days.default(35),
        /** Days after which a daily full moves to cold storage (Glacier Instant Retrieval). */
        coldStorageAfterDays: days.default(30),
        /** Days an hourly backup is kept. */
        hourlyRetentionDays: days.default(3),
        /** Days the replica keeps every object immutable (S3 Object Lock, compliance mode). */
        objectLockDays: days.default(14),
        /** Hour of the day (UTC) the daily full backup runs. */
        fullBackupHour: z.number().int().min(0).max(23).default(2),
        /**
         * IAM roles (ARNs) that administer the backup keys besides the key-admin role the stack
         * creates: list the role the deployment runs as, or AWS refuses the key policy (it would lock
         * the deployer out). Administrators manage the keys; they cannot use them.
         */
        keyAdministrators: z
            .array(
                z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy"),
            )
            .default([]),
        /** Container repositories (ECR) whose images expire, when the stack's registry is ECR. */
        imageRetention: z
            .strictObject({
                repositories: z.array(z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "expected an ECR repository name such as sophia/github-agent")).min(1),
                /** Tagged images kept per repository, newest first. */
                keepTagged: z.number().int().min(1).default(30),
                /** Days an untagged image is kept. */
                untaggedDays: days.default(7),
            })
            .optional(),
    })
    .superRefine((b, ctx) => {
        if (b.replicaRegion === b.region) {
            ctx.addIssue({
                code: "custom",
                path: ["replicaRegion"],
                message: `the replica must be in another region than the primary (${b.region}), e.g. ${b.region === "us-west-2" ? "us-east-1" : "us-west-2"}`,
            });
        }
        if (b.hourlyRetentionDays > b.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["hourlyRetentionDays"],
                message: `hourly backups (${b.hourlyRetentionDays} days) cannot outlive the daily fulls (retentionDays ${b.retentionDays})`,
            });
        }
        if (b.coldStorageAfterDays >= b.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["coldStorageAfterDays"],
                message: `fulls expire after ${b.retentionDays} days, so moving them to cold storage after ${b.coldStorageAfterDays} days never happens: lower it below retentionDays`,
            });
        }
        if (b.objectLockDays > b.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["objectLockDays"],
                message: `the replica would keep backups locked (${b.objectLockDays} days) longer than they are retained (${b.retentionDays} days)`,
            });
        }
    });
export type BackupSettings = z.infer<typeof backupSettingsSchema>;

/**
 * Failover (docs/05-operations/failover.md): the bucket another stack's backups were replicated to,
 * which this stack restores PostgreSQL from before it serves. Written out, not read from the failed
 * stack's state: that state may be unreachable when the stack is needed.
 */
export const restoreSettingsSchema = z.strictObject({
    /** The source bucket, e.g. prod's replica sophia-prod-backups-replica-us-west-2. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name such as sophia-prod-backups-replica-us-west-2"),
    /** The source bucket's region: the region this stack runs in (its backup.region). */
    region: awsRegion,
    /** The KMS key the source bucket is encrypted with; the restore reader may only decrypt with it. */
    keyArn: z
        .string()
        .regex(
            /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/,
            "expected a KMS key ARN such as arn:aws:kms:us-west-2:123456789012:key/<key id>",
        ),
});
export type RestoreSettings = z.infer<typeof restoreSettingsSchema>;

/** Every stack setting, as written in the stack file (before defaults). */
const settingsShape = z.strictObject({
    target: z.enum(TARGETS),
    /** Name used for per-environment catalog overrides (entry.replicas.<environment>). */
    environment: z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a lowercase name such as prod"),
    registry: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "expected a registry such as registry.sophia-ai.com or ghcr.io/sophia-ai"),
    /** Domain the edge serves the platform under; needed once anything is exposed. */
    domain: hostname.optional(),
    edge: edgeSettingsSchema.optional(),
    namespace: z
        .string()
        .regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, "expected a short lowercase name")
        .default("sophia"),
    /** Docker engine of the Swarm manager (ssh://user@host, tcp://host:2376 or unix://). */
    dockerHost: z
        .string()
        .regex(/^(ssh|tcp|unix|npipe):\/\/.+$/, "expected ssh://user@host, tcp://host:2376 or unix:///path")
        .optional(),
    /** Set when the kubeconfig comes from config (a path or the file's content, usually secret). */
    kubeconfig: z.literal(true).optional(),
    kubeContext: z.string().optional(),
    storageClass: z.string().optional(),
    /** Capacity of one node and how many there are: the plan checks that the stack fits. */
    nodeCapacity: z.strictObject({ nodes: z.number().int().min(1), cpu: cpuQuantity, memory: memoryQuantity }),
    /** Production-grade availability: critical and high tiers must then run at least 2 replicas. */
    highAvailability: z.boolean().default(false),
    monitoring: monitoringSettingsSchema.default({ retention: "15d", storage: "50Gi", scrapeInterval: "30s", replicas: {} }),
    tiers: z
        .strictObject({
            critical: tierOverride,
            high: tierOverride,
            medium: tierOverride,
            low: tierOverride,
        })
        .default({}),
    backup: backupSettingsSchema.optional(),
    restore: restoreSettingsSchema.optional(),
});

type SettingsShape = z.infer<typeof settingsShape>;

export const stackSettingsSchema = settingsShape.superRefine((s, ctx) => {
    targetAccessIssues(s, ctx);
    edgeIssues(s, ctx);
    restoreIssues(s, ctx);
});

/** What each target needs to be reached; the adapters themselves never read config. */
function targetAccessIssues(s: SettingsShape, ctx: z.RefinementCtx): void {
    if (s.target === "swarm" && !s.dockerHost) {
        ctx.addIssue({ code: "custom", path: ["dockerHost"], message: "target swarm needs the Swarm manager's Docker host, e.g. ssh://deploy@swarm-manager" });
    }
    if (s.target === "kubernetes" && !s.kubeconfig) {
        ctx.addIssue({
            code: "custom",
            path: ["kubeconfig"],
            message: 'target kubernetes needs a kubeconfig: pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"',
        });
    }
}

function edgeIssues(s: SettingsShape, ctx: z.RefinementCtx): void {
    if (s.edge && !s.domain) {
        ctx.addIssue({ code: "custom", path: ["domain"], message: "the edge needs the domain it serves, e.g. sophia:domain: dev.sophia-ai.com" });
    }
    if (s.edge?.tls === "acme" && !s.edge.acmeEmail) {
        ctx.addIssue({ code: "custom", path: ["edge", "acmeEmail"], message: "tls: acme needs the account e-mail (acmeEmail)" });
    }
    // The Swarm edge is nginx, which has no ACME client: it serves a certificate it is given.
    if (s.edge?.tls === "acme" && s.target === "swarm") {
        ctx.addIssue({
            code: "custom",
            path: ["edge", "tls"],
            message: "target swarm serves a provided certificate: set tls: provided and the secrets EDGE_TLS_CERTIFICATE and EDGE_TLS_PRIVATE_KEY",
        });
    }
}

/** A restore reads the surviving region's copy and the stack keeps backing up, to buckets of its own. */
function restoreIssues(s: SettingsShape, ctx: z.RefinementCtx): void {
    if (!s.restore) return;
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (!s.backup) {
        issue(["backup"], "a stack that restores (sophia:restore) backs itself up too: set sophia:backup with this stack's region and a replica region");
        return;
    }
    if (s.restore.region !== s.backup.region)
        issue(
            ["restore", "region"],
            `got ${s.restore.region}; the source must be in this stack's region (backup.region ${s.backup.region}): restore from the replica that was copied there`,
        );
    const keyRegion = s.restore.keyArn.split(":")[3];
    if (keyRegion !== s.restore.region)
        issue(
            ["restore", "keyArn"],
            `the key is in ${keyRegion} but the bucket in ${s.restore.region}: use the key of the bucket's region (its alias is alias/sophia-<environment>-backups)`,
        );
    const own = backupNames(s.environment, s.backup);
    if ([own.primaryBucket, own.replicaBucket].includes(s.restore.bucket))
        issue(
            ["restore", "bucket"],
            `${s.restore.bucket} is this stack's own backup bucket: restore from the other stack's replica, e.g. sophia-prod-backups-replica-${s.backup.region}`,
        );
}

export interface StackSettings {
    readonly stack: string;
    readonly target: Target;
    readonly environment: string;
    readonly registry: string;
    readonly domain?: string;
    readonly edge?: Readonly<EdgeSettings>;
    readonly namespace: string;
    readonly dockerHost?: string;
    readonly kubeContext?: string;
    readonly storageClass?: string;
    readonly nodeCapacity: { readonly nodes: number; readonly cpu: string; readonly memory: string };
    readonly highAvailability: boolean;
    readonly tiers: Readonly<Record<Tier, Readonly<TierSettings>>>;
    readonly backup?: Readonly<BackupSettings>;
    readonly restore?: Readonly<RestoreSettings>;
    readonly monitoring: MonitoringSettings;
}

/** Keys whose values are structured (YAML objects in the stack file, JSON in the config map). */
const OBJECT_KEYS = new Set(["nodeCapacity", "tiers", "edge", "backup", "restore", "monitoring"]);
const BOOLEAN_KEYS = new Set(["highAvailability"]);
/** Config keys that are settings; other keys in the namespace are secrets (see stacks/secrets.ts). */
export const SETTING_KEYS = Object.keys(settingsShape.shape);

/** The stack file a stack's settings are written in, next to Pulumi.yaml. */
export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

/** The node of a setting in its stack file: `config` → `sophia:<key>` → the rest of the path. */
export function settingSource(stack: string, path: readonly PropertyKey[], atKey = false): NonNullable<Problem["source"]> {
    return { file: stackFileName(stack), path: ["config", `${CONFIG_NAMESPACE}:${String(path[0])}`, ...path.slice(1)], atKey };
}

/** "Pulumi.dev.yaml sophia:edge.tls": the stack file and the setting's path in it. */
export function settingWhere(stack: string, path: readonly PropertyKey[]): string {
    return `${stackFileName(stack)} ${CONFIG_NAMESPACE}:${formatPath(path)}`;
}

/** The config values as written (objects and booleans parsed from JSON), and the ones that did not parse. */
function readRawSettings(stack: string, read: (key: string) => string | undefined): { raw: Record<string, unknown>; problems: Problem[] } {
    const problems: Problem[] = [];
    const values = readConfigValues(SETTING_KEYS, new Set([...OBJECT_KEYS, ...BOOLEAN_KEYS]), read, (key, text) =>
        problems.push({
            where: settingWhere(stack, [key]),
            message: `${gotPrefix(text)}expected ${OBJECT_KEYS.has(key) ? "an object" : "true or false"}`,
            source: settingSource(stack, [key]),
        }),
    );
    // The kubeconfig's content is a secret the settings only need to know is there, and not blank:
    // the Kubernetes provider takes an empty one for this machine's own ~/.kube/config.
    if ("kubeconfig" in values && !String(values.kubeconfig).trim()) {
        delete values.kubeconfig;
        problems.push({
            where: settingWhere(stack, ["kubeconfig"]),
            message:
                "set but empty; the Kubernetes provider would deploy to whatever cluster this machine's ~/.kube/config names. " +
                'Set the cluster\'s: pulumi config set --secret kubeconfig "$(cat <its kubeconfig file>)", or remove the key',
            source: settingSource(stack, ["kubeconfig"]),
        });
    } else if ("kubeconfig" in values) values.kubeconfig = true;
    return { raw: { environment: stack, ...values }, problems };
}

/**
 * Reads and validates every stack setting, once, for the whole program. Throws one error listing
 * every problem with its config key and the value it got, before anything is registered.
 */
export function loadStackSettings(stack: string = pulumi.getStack(), read: (key: string) => string | undefined = readConfig): StackSettings {
    const { raw, problems } = readRawSettings(stack, read);
    const parsed = stackSettingsSchema.safeParse(raw, { error: friendlyIssueMessage });
    const where = (p: readonly PropertyKey[]): string => settingWhere(stack, p);
    // A value that did not parse is reported once, not again as missing.
    const unparsed = new Set(problems.map((p) => String(p.source?.path[1]).slice(CONFIG_NAMESPACE.length + 1)));
    if (!parsed.success) {
        const issues = parsed.error.issues.filter((i) => !unparsed.has(String(i.path[0])));
        problems.push(...zodProblems(issues, where, { data: raw, schema: settingsShape, source: (p, atKey) => settingSource(stack, p, atKey) }));
    }
    throwIfProblems(`Invalid stack settings for stack "${stack}"`, problems);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { kubeconfig, ...s } = parsed.data!;
    const tiers = Object.fromEntries(TIERS.map((t) => [t, { ...DEFAULT_TIERS[t], ...s.tiers[t] }])) as Record<Tier, TierSettings>;
    const monitoring = { ...s.monitoring, replicas: { ...DEFAULT_MONITORING_REPLICAS, ...s.monitoring.replicas } };
    const settings: StackSettings = { ...s, stack, tiers, monitoring };
    throwIfProblems(`Invalid stack settings for stack "${stack}"`, tierProblems(settings));
    return deepFreeze(settings);
}

function tierProblems(settings: StackSettings): Problem[] {
    const problems: Problem[] = [];
    const problem = (path: PropertyKey[], message: string): Problem => ({
        where: settingWhere(settings.stack, path),
        message,
        source: settingSource(settings.stack, path),
    });
    for (const tier of TIERS) {
        const t = settings.tiers[tier];
        if (t.maxReplicas < t.replicas) {
            problems.push(
                problem(["tiers", tier, "maxReplicas"], `got ${t.maxReplicas}, below replicas ${t.replicas}: raise maxReplicas to ${t.replicas} or more`),
            );
        }
        if (settings.highAvailability && (tier === "critical" || tier === "high") && t.replicas < 2) {
            problems.push(problem(["tiers", tier, "replicas"], `got ${t.replicas}; highAvailability needs at least 2 replicas for ${tier} servers`));
        }
    }
    return problems;
}

/** Raw config value of `sophia:<key>`, secret or not (only its presence matters for secrets). */
export function readConfig(key: string): string | undefined {
    return pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:${key}`);
}

/** The kubeconfig as a secret output, when the stack sets one. */
export function kubeconfigFromConfig(): pulumi.Output<string> | undefined {
    return new pulumi.Config(CONFIG_NAMESPACE).getSecret("kubeconfig");
}

export type { Resources };
