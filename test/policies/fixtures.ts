// Resources shaped as Pulumi hands them to a policy pack, compliant with every rule; each test breaks one field.
import type { ResourceValidationArgs, StackValidationArgs, PolicyResource as PackResource } from "@pulumi/policy";
import { ruleDefaults } from "../../policies/config";
import { WORKLOAD_TYPES } from "../../policies/kubernetes/workloads";
import { toResourcePolicy, toStackPolicy } from "../../policies/pack";
import type { PolicyResource, ResourceRule, StackRule } from "../../policies/rule";

type Obj = Record<string, any>;

/** A policy resource whose inputs a test may reach into and break. */
export interface Fixture extends Omit<PolicyResource, "props"> {
    readonly props: Obj;
}

export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
export const urnOf = (type: string, name: string, stack = "test") => `urn:pulumi:${stack}::sophia::${type}::${name}`;

export function compliantPodSpec(name = "web"): Obj {
    return {
        serviceAccountName: name,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
            {
                name,
                image: "registry.sophia-ai.com/sophia-web:1.2.3",
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                env: [
                    { name: "PORT", value: "8080" },
                    { name: "API_KEY", valueFrom: { secretKeyRef: { name: "web-secrets", key: "API_KEY" } } },
                ],
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                securityContext: {
                    privileged: false,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                },
                readinessProbe: { httpGet: { path: "/health", port: "http" } },
                livenessProbe: { httpGet: { path: "/health", port: "http" } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
        ],
        volumes: [{ name: "tmp", emptyDir: {} }],
    };
}

const KIND = (type: string) => type.split(":").pop()!;

/** A workload of `type` running `podSpec`, with the template where that kind keeps it. */
export function workload(type: (typeof WORKLOAD_TYPES)[number], podSpec: Obj = compliantPodSpec(), name = "web", labels: Obj = {}): Fixture {
    const metadata = { name, namespace: "sophia-mcp", labels: { "app.kubernetes.io/name": name, ...labels } };
    const template = { metadata: { labels: metadata.labels }, spec: podSpec };
    const props: Obj = { apiVersion: "v1", kind: KIND(type), metadata };
    if (type === "kubernetes:core/v1:Pod") props.spec = podSpec;
    else if (type === "kubernetes:batch/v1:CronJob") props.spec = { schedule: "0 3 * * *", jobTemplate: { spec: { template } } };
    else
        props.spec = {
            selector: { matchLabels: { "app.kubernetes.io/name": name } },
            template,
            ...(type.startsWith("kubernetes:apps/") && !type.endsWith("DaemonSet") ? { replicas: 2 } : {}),
        };
    return { type, urn: urnOf(type, `${name}-${KIND(type).toLowerCase()}`), name: `${name}-${KIND(type).toLowerCase()}`, props };
}

/**
 * A Deployment spread across nodes (or not: `spread` false), with `replicas` (undefined: left to an
 * autoscaler) and the labels given: what the high-availability rule reads.
 */
export function spreadDeployment(name: string, replicas: number | undefined, labels: Obj = { "sophia.ai/tier": "critical" }, spread = true): Fixture {
    const pod = compliantPodSpec(name);
    if (spread)
        pod.topologySpreadConstraints = [
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "DoNotSchedule",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": name } },
            },
        ];
    const d = workload("kubernetes:apps/v1:Deployment", pod, name, labels);
    if (replicas === undefined) delete d.props.spec.replicas;
    else d.props.spec.replicas = replicas;
    return d;
}

export const SWARM_SERVICE = "docker:index/service:Service";

export function swarmService(name = "web", extra: Obj = {}): Fixture {
    const labels = [
        { label: "sophia.ai/mcp-server", value: name },
        { label: "prometheus.io/scrape", value: "true" },
    ];
    return {
        type: SWARM_SERVICE,
        urn: urnOf(SWARM_SERVICE, `${name}-service`),
        name: `${name}-service`,
        props: {
            name: `sophia-${name}`,
            labels,
            taskSpec: {
                containerSpec: {
                    image: "registry.sophia-ai.com/sophia-web:1.2.3",
                    env: { PORT: "8080", API_KEY_FILE: "/run/secrets/API_KEY" },
                    user: "10001",
                    readOnly: true,
                    capDrops: ["ALL"],
                    mounts: [{ target: "/tmp", type: "tmpfs" }],
                    healthcheck: { tests: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8080/health"], interval: "15s" },
                },
                resources: { limits: { nanoCpus: 5e8, memoryBytes: 536870912 }, reservation: { nanoCpus: 1e8, memoryBytes: 134217728 } },
                networksAdvanceds: [{ name: "sophia-mcp-id", aliases: [name] }],
            },
            mode: { replicated: { replicas: 2 } },
            updateConfig: { failureAction: "rollback", parallelism: 1 },
            ...extra,
        },
    };
}

export const packOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

/** The args the engine passes a resource validation. */
export function resourceArgs(r: PolicyResource, config: Obj = {}): ResourceValidationArgs {
    return {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: packOptions,
        stackTags: new Map([["pulumi:project", "sophia"]]),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
}

/** The resources as a stack validation receives them: dependencies and parents as resource objects. */
export function stackArgs(resources: readonly PolicyResource[], config: Obj = {}): StackValidationArgs {
    const pack = new Map<string, PackResource>();
    for (const r of resources) {
        pack.set(r.urn, {
            type: r.type,
            urn: r.urn,
            name: r.name,
            props: r.props,
            opts: packOptions,
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        } as PackResource);
    }
    for (const r of resources) {
        const p = pack.get(r.urn)!;
        const find = (urn: string) => pack.get(urn)!;
        p.dependencies = (r.dependencies ?? []).filter((u) => pack.has(u)).map(find);
        p.propertyDependencies = Object.fromEntries(
            Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, urns.filter((u) => pack.has(u)).map(find)]),
        );
        if (r.parent && pack.has(r.parent)) p.parent = pack.get(r.parent);
    }
    return {
        resources: [...pack.values()],
        stackTags: new Map([["pulumi:project", "sophia"]]),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
}

/** Runs a resource rule both directly and through the pack's ResourceValidationPolicy; both must agree. */
export function checkResource(rule: ResourceRule, r: PolicyResource, config: Obj = {}): string[] {
    const direct = rule.kind === "resource" ? rule.check(r, { stack: "test", config: { ...ruleDefaults(rule), ...config } }) : [];
    const reported: string[] = [];
    const validate = toResourcePolicy(rule).validateResource as (a: ResourceValidationArgs, report: (m: string) => void) => void;
    validate(resourceArgs(r, config), (m) => reported.push(m));
    if (JSON.stringify(direct) !== JSON.stringify(reported))
        throw new Error(`pack adapter disagrees with the rule: ${JSON.stringify(reported)} vs ${JSON.stringify(direct)}`);
    return direct;
}

/** Runs a stack rule directly and through the pack's StackValidationPolicy; both must agree. */
export function checkStack(
    rule: StackRule,
    resources: readonly PolicyResource[],
    config: Obj = {},
    secretValues: string[] = [],
): { urn: string; message: string }[] {
    const direct = rule.check(resources, { stack: "test", config: { ...ruleDefaults(rule), ...config }, secretValues });
    if (secretValues.length === 0) {
        const reported: { urn: string; message: string }[] = [];
        // The adapter reports synchronously; the pack API only allows a promise in its return type.
        void toStackPolicy(rule).validateStack(stackArgs(resources, config), (message, urn) => reported.push({ urn: urn!, message }));
        if (JSON.stringify(direct) !== JSON.stringify(reported))
            throw new Error(`pack adapter disagrees with the rule: ${JSON.stringify(reported)} vs ${JSON.stringify(direct)}`);
    }
    return direct;
}
