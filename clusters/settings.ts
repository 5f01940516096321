import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { formatPath, friendlyIssueMessage, Problem, readConfigValues, throwIfProblems } from "../stacks/problems";
import { LAMBDA_API_URL } from "./lambda/client";
import lambdaApiDocument from "./lambda/openapi-1.8.3.json";
import { INSTANCE_TYPES } from "./pricing";
import { K3S_RELEASE_URL } from "./scripts/k3s";
import { locateKey } from "./stackFile";

export { LAMBDA_API_URL };

/** The config namespace of the cluster project: `sophia-clusters:<key>` in clusters/Pulumi.<stack>.yaml. */
export const CLUSTER_CONFIG_NAMESPACE = "sophia-clusters";

/** K3s minor releases older than this are out of support upstream (K3s follows Kubernetes' ~14 months; checked 2026-12). */
export const K3S_OLDEST_SUPPORTED_MINOR = 35;
export const K3S_EXAMPLE_VERSION = "v1.36.1+k3s1";

export const ORCHESTRATORS = ["swarm", "k3s"] as const;
export type Orchestrator = (typeof ORCHESTRATORS)[number];
export const ROLES = ["manager", "worker", "server", "agent"] as const;
export type Role = (typeof ROLES)[number];
/** Roles each orchestrator knows; the first is its control plane. */
export const ORCHESTRATOR_ROLES: Readonly<Record<Orchestrator, readonly [Role, Role]>> = { swarm: ["manager", "worker"], k3s: ["server", "agent"] };

const label = z.string().regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "expected a short lowercase name such as gpu or workers");
const cidr = z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "expected an IPv4 CIDR such as 203.0.113.0/24")
    .refine(
        (c) =>
            c
                .split("/")[0]
                .split(".")
                .every((o) => Number(o) <= 255),
        "expected an IPv4 CIDR such as 203.0.113.0/24: an octet is above 255",
    )
    .refine((c) => !c.endsWith("/0"), "SSH open to every address is not allowed: name the office or VPN ranges, e.g. 203.0.113.0/24");

/** The regions Lambda's published API accepts (PublicRegionCode of its document). */
export const LAMBDA_REGIONS: readonly string[] = lambdaApiDocument.components.schemas.PublicRegionCode.enum;

const poolSchema = z.strictObject({
    /** swarm: manager | worker; k3s: server | agent. */
    role: z.enum(ROLES, { error: () => `expected one of ${ROLES.join(", ")}` }),
    /** A Lambda Cloud instance type of clusters/pricing.ts, e.g. gpu_1x_gh200. */
    instanceType: z.string().refine((t) => t in INSTANCE_TYPES, `expected a known Lambda instance type: ${Object.keys(INSTANCE_TYPES).join(", ")}`),
    /** Lambda region, e.g. us-east-1. */
    region: z.string().refine((r) => LAMBDA_REGIONS.includes(r), `expected a Lambda region such as us-east-1, one of ${LAMBDA_REGIONS.join(", ")}`),
    count: z.number().int("expected a whole number of machines").min(0).max(50),
    /** Whether the pool's GPUs are offered to workloads (drivers checked, container toolkit, device plugin); default: the type has GPUs. */
    gpu: z.boolean().optional(),
    /** Node label `tier` the platform places workloads by (critical, high, medium, low, or any name). */
    tier: label.optional(),
});

const settingsSchema = z.strictObject({
    orchestrator: z.enum(ORCHESTRATORS, { error: () => `expected one of ${ORCHESTRATORS.join(", ")}` }),
    /** The platform stack this cluster serves: its ESC environment gets the hand-off. */
    environment: label,
    /** Control-plane nodes: 1, or 3 for a quorum that survives losing one. */
    managers: z.union([z.literal(1), z.literal(3)], { error: () => "expected 1 or 3 (a Raft/etcd quorum needs an odd count; 3 survives one loss)" }),
    /** K3s release, pinned: never "latest". */
    k3sVersion: z
        .string()
        .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, `expected a pinned K3s release such as ${K3S_EXAMPLE_VERSION}`)
        .optional(),
    /**
     * The fixed address every K3s server and agent joins through: a DNS name (or address) that
     * reaches the servers, so replacing any one of them, server-0 included, never depends on it.
     */
    k3sRegistrationAddress: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "expected a DNS name or IPv4 address that reaches the K3s servers, e.g. k3s.prod.sophia.internal")
        .optional(),
    /** Where K3s releases are downloaded from: K3s's GitHub releases, or a mirror with the same layout (same checksums). */
    k3sReleaseUrl: z.url({ protocol: /^https?$/, error: "expected the http(s) URL of K3s's releases or a mirror of them" }).default(K3S_RELEASE_URL),
    /** K3s's pod and service networks (its defaults); every node's firewall lets them in. */
    k3sClusterCidr: cidr.default("10.42.0.0/16"),
    k3sServiceCidr: cidr.default("10.43.0.0/16"),
    /** Who may reach SSH: office and VPN ranges. */
    allowedSshCidrs: z.array(cidr).min(1, "expected at least one CIDR that may reach SSH"),
    /** Name of the SSH key in the Lambda account; the stack registers it from sshPublicKey. */
    sshKeyName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "expected a key name of letters, digits, '.', '_' or '-'"),
    sshPublicKey: z
        .string()
        .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/, "expected an OpenSSH public key line (ssh-ed25519 AAAA… comment)"),
    /** The login user of Lambda's images. */
    sshUser: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]*$/, "expected a Unix user name such as ubuntu")
        .default("ubuntu"),
    /** Machines by pool name (a DNS label: machine names are <stack>-<pool>-<n>). */
    pools: z.record(label, poolSchema).refine((p) => Object.keys(p).length > 0, "expected at least one pool"),
    /** Lambda Cloud API base URL; another one reaches a proxy or a test double. */
    lambdaApiUrl: z
        .url({ protocol: /^https?$/, error: `expected the http(s) URL of the Lambda Cloud API, such as ${LAMBDA_API_URL}` })
        .refine(
            (u) => u.startsWith("https://") || ["127.0.0.1", "localhost", "[::1]"].includes(new URL(u).hostname),
            `expected an https URL such as ${LAMBDA_API_URL}: the API key must not travel in clear (plain http only to 127.0.0.1 or localhost)`,
        )
        .default(LAMBDA_API_URL),
    /** Where the hand-off goes: the ESC environment <project>/<environment>-cluster of this organization. */
    esc: z.strictObject({ organization: label, project: label.default("sophia") }),
});

export type Pool = z.output<typeof poolSchema> & { readonly name: string; readonly gpu: boolean };
export type ClusterSettings = Omit<z.output<typeof settingsSchema>, "pools"> & { readonly stack: string; readonly pools: readonly Pool[] };

const OBJECT_KEYS = new Set(["allowedSshCidrs", "pools", "esc", "managers"]);
const SETTING_KEYS = Object.keys(settingsSchema.shape);

/** The value at a path of the raw settings, for "got …" in messages. */
function valueAt(raw: unknown, keyPath: readonly PropertyKey[]): unknown {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: zod and the pool checks report only paths through objects, so every step but the last is one
    return keyPath.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
}

const got = (value: unknown): string => (value === undefined ? "nothing" : JSON.stringify(value));

/** Checks across pools: roles of the orchestrator, the control-plane count; then K3s's settings. */
function poolProblems(s: z.output<typeof settingsSchema>, problem: (p: PropertyKey[], m: string) => void): void {
    const [control, workers] = ORCHESTRATOR_ROLES[s.orchestrator];
    let controlNodes = 0;
    for (const [name, pool] of Object.entries(s.pools)) {
        if (pool.role !== control && pool.role !== workers)
            problem(["pools", name, "role"], `orchestrator ${s.orchestrator} has roles ${control} and ${workers}`);
        if (pool.role === control) controlNodes += pool.count;
    }
    if (controlNodes !== s.managers) {
        problem(["managers"], `the ${control} pools have ${controlNodes} machine(s) but managers is ${s.managers}: make their counts add up to ${s.managers}`);
    }
    k3sProblems(s, problem);
}

/** K3s: a pinned, supported release and a registration address. */
function k3sProblems(s: z.output<typeof settingsSchema>, problem: (p: PropertyKey[], m: string) => void): void {
    if (s.orchestrator === "k3s" && !s.k3sVersion) problem(["k3sVersion"], `orchestrator k3s needs a pinned release, e.g. k3sVersion: ${K3S_EXAMPLE_VERSION}`);
    // Stryker disable next-line Regex: the schema has already anchored k3sVersion at v<major>.<minor>.<patch>+k3s<n>, so its one "v" comes first
    const minor = s.k3sVersion ? Number(/^v1\.(\d+)\./.exec(s.k3sVersion)?.[1]) : undefined;
    if (minor !== undefined && minor < K3S_OLDEST_SUPPORTED_MINOR) {
        problem(
            ["k3sVersion"],
            `K3s 1.${minor} is out of support (the oldest supported minor release is 1.${K3S_OLDEST_SUPPORTED_MINOR}): pin a supported release such as ${K3S_EXAMPLE_VERSION} and upgrade one minor release at a time (docs/04-deployment/clusters.md, "Upgrade K3s")`,
        );
    }
    if (s.orchestrator === "k3s" && !s.k3sRegistrationAddress) {
        problem(
            ["k3sRegistrationAddress"],
            "orchestrator k3s needs a fixed registration address every node joins through, e.g. k3s.prod.sophia.internal (a DNS name with every server's address)",
        );
    }
}

/**
 * Reads and validates the cluster settings. One error lists every problem as
 * "Pulumi.<stack>.yaml:<line>: sophia-clusters:<key>: <what is wrong> (got <value>)", before any resource exists.
 */
export function loadClusterSettings(
    stack: string = pulumi.getStack(),
    read: (key: string) => string | undefined = (key) => pulumi.runtime.getConfig(`${CLUSTER_CONFIG_NAMESPACE}:${key}`),
    projectDir: string = __dirname,
): ClusterSettings {
    const problems: Problem[] = [];
    let raw: Record<string, unknown> = {};
    const problem = (p: PropertyKey[], message: string, value: unknown = valueAt(raw, p)): void => {
        problems.push({
            where: `${locateKey(projectDir, stack, CLUSTER_CONFIG_NAMESPACE, p)}: ${CLUSTER_CONFIG_NAMESPACE}:${formatPath(p)}`,
            message: `${message} (got ${got(value)})`,
        });
    };
    // A value that does not parse is reported once, with the text as written, not again as missing.
    const unparsed = new Set<PropertyKey>();
    raw = readConfigValues(SETTING_KEYS, OBJECT_KEYS, read, (key, text) => {
        unparsed.add(key);
        problem([key], `expected ${key === "managers" ? "a number" : "structured YAML"}`, text);
    });
    const parsed = settingsSchema.safeParse(raw, { error: friendlyIssueMessage });
    if (!parsed.success) {
        for (const issue of parsed.error.issues.filter((i) => !unparsed.has(i.path[0]))) {
            const missing = issue.code === "invalid_type" && valueAt(raw, issue.path) === undefined;
            problem(issue.path, missing ? "is required: set it in the stack file (see clusters/settings.ts for its meaning)" : issue.message);
        }
    } else poolProblems(parsed.data, problem);
    throwIfProblems(`Invalid settings for cluster stack "${stack}"`, problems);
    const s = parsed.data!;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: every type of the dated table has GPUs (the schema takes no other); a CPU-only one would make these tell
    const pools = Object.entries(s.pools).map(([name, p]): Pool => ({ ...p, name, gpu: p.gpu ?? INSTANCE_TYPES[p.instanceType].gpus > 0 }));
    return { ...s, pools, stack };
}

/** Secrets the program reads, which the stack's ESC environment (`<project>/clusters`) provides. */
export const CLUSTER_SECRET_KEYS = ["lambdaApiKey", "sshPrivateKey"].map((k) => `${CLUSTER_CONFIG_NAMESPACE}:${k}`);

/** The secret config keys a cluster stack file's ESC imports provide: the clusters environment holds them. */
export function clusterEscProvidedKeys(environments: readonly string[]): string[] {
    return environments.some((e) => /\/clusters(@.*)?$/.test(e)) ? [...CLUSTER_SECRET_KEYS] : [];
}
