import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { cpuQuantity, memoryQuantity, resourcesSchema, TIERS, Tier, Resources } from "../catalog/schema";
import { deepFreeze } from "../catalog/load";
import { formatPath, Problem, throwIfProblems, zodProblems } from "./problems";

/** The config namespace of every key below: `sophia:<key>` in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "sophia";

export const TARGETS = ["swarm", "k3s", "kubernetes"] as const;
export type Target = (typeof TARGETS)[number];

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

/** Every stack setting, as written in the stack file (before defaults). */
const settingsShape = z.strictObject({
        target: z.enum(TARGETS),
        /** Name used for per-environment catalog overrides (entry.replicas.<environment>). */
        environment: z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a lowercase name such as prod"),
        registry: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "expected a registry such as registry.sophia-ai.com or ghcr.io/sophia-ai"),
        domain: hostname,
        namespace: z.string().regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, "expected a short lowercase name").default("sophia"),
        /** Docker engine of the Swarm manager (ssh://user@host, tcp://host:2376 or unix://). */
        dockerHost: z.string().regex(/^(ssh|tcp|unix|npipe):\/\/.+$/, "expected ssh://user@host, tcp://host:2376 or unix:///path").optional(),
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
    });

export const stackSettingsSchema = settingsShape.superRefine((s, ctx) => {
        // What each target needs to be reached; the adapters themselves never read config.
        if (s.target === "swarm" && !s.dockerHost) {
            ctx.addIssue({ code: "custom", path: ["dockerHost"], message: "target swarm needs the Swarm manager's Docker host, e.g. ssh://deploy@swarm-manager" });
        }
        if (s.target === "kubernetes" && !s.kubeconfig) {
            ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "target kubernetes needs a kubeconfig: pulumi config set --secret kubeconfig \"$(cat ~/.kube/config)\"" });
        }
    });

export interface StackSettings {
    readonly stack: string;
    readonly target: Target;
    readonly environment: string;
    readonly registry: string;
    readonly domain: string;
    readonly namespace: string;
    readonly dockerHost?: string;
    readonly kubeContext?: string;
    readonly storageClass?: string;
    readonly nodeCapacity: { readonly nodes: number; readonly cpu: string; readonly memory: string };
    readonly highAvailability: boolean;
    readonly tiers: Readonly<Record<Tier, Readonly<TierSettings>>>;
    readonly monitoring: MonitoringSettings;
}

/** Keys whose values are structured (YAML objects in the stack file, JSON in the config map). */
const OBJECT_KEYS = new Set(["nodeCapacity", "tiers", "monitoring"]);
const BOOLEAN_KEYS = new Set(["highAvailability"]);
/** Config keys that are settings; other keys in the namespace are secrets (see stacks/secrets.ts). */
export const SETTING_KEYS = Object.keys(settingsShape.shape);

/**
 * Reads and validates every stack setting, once, for the whole program. Throws one error listing
 * every problem with its config key, before anything is registered.
 */
export function loadStackSettings(stack: string = pulumi.getStack(), read: (key: string) => string | undefined = readConfig): StackSettings {
    const problems: Problem[] = [];
    const raw: Record<string, unknown> = { environment: stack };
    for (const key of SETTING_KEYS) {
        const text = read(key);
        if (text === undefined) continue;
        if (key === "kubeconfig") raw[key] = true;
        else if (OBJECT_KEYS.has(key) || BOOLEAN_KEYS.has(key)) {
            try {
                raw[key] = JSON.parse(text);
            } catch {
                problems.push({ where: `${CONFIG_NAMESPACE}:${key}`, message: `expected ${OBJECT_KEYS.has(key) ? "an object" : "true or false"}, got ${JSON.stringify(text)}` });
            }
        } else raw[key] = text;
    }
    const parsed = stackSettingsSchema.safeParse(raw);
    const where = (p: PropertyKey[]): string => `Pulumi.${stack}.yaml ${CONFIG_NAMESPACE}:${formatPath(p)}`;
    if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, where));
    throwIfProblems(`Invalid stack settings for stack "${stack}"`, problems);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { kubeconfig, ...s } = parsed.data!;
    const tiers = Object.fromEntries(TIERS.map((t) => [t, { ...DEFAULT_TIERS[t], ...s.tiers[t] }])) as Record<Tier, TierSettings>;
    const monitoring = { ...s.monitoring, replicas: { ...DEFAULT_MONITORING_REPLICAS, ...s.monitoring.replicas } };
    const settings: StackSettings = { ...s, stack, tiers, monitoring };
    throwIfProblems(`Invalid stack settings for stack "${stack}"`, tierProblems(settings, where));
    return deepFreeze(settings);
}

function tierProblems(settings: StackSettings, where: (p: PropertyKey[]) => string): Problem[] {
    const problems: Problem[] = [];
    for (const tier of TIERS) {
        const t = settings.tiers[tier];
        if (t.maxReplicas < t.replicas) {
            problems.push({ where: where(["tiers", tier, "maxReplicas"]), message: `maxReplicas ${t.maxReplicas} is below replicas ${t.replicas}` });
        }
        if (settings.highAvailability && (tier === "critical" || tier === "high") && t.replicas < 2) {
            problems.push({ where: where(["tiers", tier, "replicas"]), message: `highAvailability needs at least 2 replicas for ${tier} servers, got ${t.replicas}` });
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
