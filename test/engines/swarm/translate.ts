/**
 * The @pulumi/docker provider's inputs, as the offline plan records them, translated field by field
 * into Docker Engine API bodies (API 1.41). Pure: references to other resources go through `refs`.
 * A field without a translation throws `UntranslatableField` naming it: the engine test must never
 * apply less than the plan says.
 */

/** One resource of plan.json. */
export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly dependsOn?: readonly string[];
}

export class UntranslatableField extends Error {
    constructor(readonly field: string) {
        super(
            `${field} has no translation to the Docker Engine API: the engine test would apply less than the plan says; translate it in test/engines/swarm/translate.ts`,
        );
    }
}

/** What a translation needs from the apply: the engine's id of a planned resource, by its planned id. */
export interface TranslationContext {
    ref(plannedId: string, field: string): string;
}

type Translator = (value: any, field: string, ctx: TranslationContext) => Record<string, unknown>;
type Fields = Record<string, Translator>;

/** Translates each present field by its table entry; an unknown one fails by its full name. */
function object(input: Record<string, unknown>, fields: Fields, at: string, ctx: TranslationContext): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
        if (value === undefined || value === null) continue;
        const translate = fields[key];
        if (!translate) throw new UntranslatableField(`${at}.${key}`);
        Object.assign(out, translate(value, `${at}.${key}`, ctx));
    }
    return out;
}

const as =
    (key: string): Translator =>
    (value) => ({ [key]: value });
const nested =
    (key: string, fields: () => Fields): Translator =>
    (value, at, ctx) => ({ [key]: object(value, fields(), at, ctx) });
const list =
    (key: string, fields: () => Fields): Translator =>
    (values: Record<string, unknown>[], at, ctx) => ({ [key]: values.map((v, i) => object(v, fields(), `${at}[${i}]`, ctx)) });
const duration =
    (key: string): Translator =>
    (value: string, at) => ({ [key]: nanoseconds(value, at) });
const labels =
    (key: string): Translator =>
    (values: { label: string; value: string }[]) => ({ [key]: Object.fromEntries(values.map((l) => [l.label, l.value])) });
const reference =
    (key: string): Translator =>
    (value: string, at, ctx) => ({ [key]: ctx.ref(value, at) });

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("10s", "1m30s", "500ms") in nanoseconds, as the Engine API takes durations. */
export function nanoseconds(value: string, at = "duration"): number {
    const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) throw new Error(`${at}: "${value}" is not a duration such as 10s or 1m30s`);
    return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit], 0));
}

/** secrets[] and configs[] share their file fields; the provider defaults owner 0:0 and mode 0444. */
const fileTarget = (item: { fileName: string; fileUid?: string; fileGid?: string; fileMode?: number }) => ({
    File: { Name: item.fileName, UID: item.fileUid ?? "0", GID: item.fileGid ?? "0", Mode: item.fileMode ?? 0o444 },
});

/** The file fields are translated together, by fileTarget. */
const FILE_FIELDS: Fields = { fileName: () => ({}), fileUid: () => ({}), fileGid: () => ({}), fileMode: () => ({}) };
const SECRET_REF: Fields = { secretId: reference("SecretID"), secretName: as("SecretName"), ...FILE_FIELDS };
const CONFIG_REF: Fields = { configId: reference("ConfigID"), configName: as("ConfigName"), ...FILE_FIELDS };

const fileRefs =
    (key: string, fields: Fields): Translator =>
    (values: any[], at, ctx) => ({ [key]: values.map((v, i) => ({ ...object(v, fields, `${at}[${i}]`, ctx), ...fileTarget(v) })) });

const MOUNT: Fields = {
    target: as("Target"),
    source: as("Source"),
    type: as("Type"),
    readOnly: as("ReadOnly"),
    tmpfsOptions: nested("TmpfsOptions", () => ({ sizeBytes: as("SizeBytes"), mode: as("Mode") })),
    bindOptions: nested("BindOptions", () => ({ propagation: as("Propagation") })),
    volumeOptions: nested("VolumeOptions", () => ({
        noCopy: as("NoCopy"),
        labels: labels("Labels"),
        driverName: (v: string) => ({ DriverConfig: { Name: v } }),
    })),
};

const HEALTHCHECK: Fields = {
    tests: as("Test"),
    interval: duration("Interval"),
    timeout: duration("Timeout"),
    startPeriod: duration("StartPeriod"),
    retries: as("Retries"),
};

const CONTAINER: Fields = {
    image: as("Image"),
    commands: as("Command"),
    args: as("Args"),
    env: (env: Record<string, string>) => ({ Env: Object.entries(env).map(([k, v]) => `${k}=${v}`) }),
    dir: as("Dir"),
    user: as("User"),
    groups: as("Groups"),
    hostname: as("Hostname"),
    readOnly: as("ReadOnly"),
    init: as("Init"),
    capAdds: as("CapabilityAdd"),
    capDrops: as("CapabilityDrop"),
    labels: labels("Labels"),
    secrets: fileRefs("Secrets", SECRET_REF),
    configs: fileRefs("Configs", CONFIG_REF),
    mounts: list("Mounts", () => MOUNT),
    healthcheck: nested("HealthCheck", () => HEALTHCHECK),
    stopSignal: as("StopSignal"),
    stopGracePeriod: duration("StopGracePeriod"),
    sysctl: as("Sysctls"),
};

const RESOURCE_LIMITS: Fields = { nanoCpus: as("NanoCPUs"), memoryBytes: as("MemoryBytes") };

const TASK: Fields = {
    containerSpec: nested("ContainerSpec", () => CONTAINER),
    resources: nested("Resources", () => ({ limits: nested("Limits", () => RESOURCE_LIMITS), reservation: nested("Reservations", () => RESOURCE_LIMITS) })),
    restartPolicy: nested("RestartPolicy", () => ({
        condition: as("Condition"),
        delay: duration("Delay"),
        window: duration("Window"),
        maxAttempts: as("MaxAttempts"),
    })),
    placement: nested("Placement", () => ({
        constraints: as("Constraints"),
        maxReplicas: as("MaxReplicas"),
        prefs: (prefs: string[]) => ({ Preferences: prefs.map((p) => ({ Spread: { SpreadDescriptor: p.replace(/^spread=/, "") } })) }),
    })),
    networksAdvanceds: list("Networks", () => ({ name: reference("Target"), aliases: as("Aliases"), driverOpts: as("DriverOpts") })),
    forceUpdate: as("ForceUpdate"),
    runtime: as("Runtime"),
    logDriver: nested("LogDriver", () => ({ name: as("Name"), options: as("Options") })),
};

const UPDATE: Fields = {
    parallelism: as("Parallelism"),
    delay: duration("Delay"),
    failureAction: as("FailureAction"),
    monitor: duration("Monitor"),
    maxFailureRatio: (v: string | number) => ({ MaxFailureRatio: Number(v) }),
    order: as("Order"),
};

const SERVICE: Fields = {
    name: as("Name"),
    labels: labels("Labels"),
    taskSpec: nested("TaskTemplate", () => TASK),
    mode: (mode: { replicated?: { replicas?: number }; global?: boolean }, at) =>
        mode.global
            ? { Mode: { Global: {} } }
            : { Mode: object(mode, { replicated: nested("Replicated", () => ({ replicas: as("Replicas") })), global: () => ({}) }, at, NO_REFS) },
    updateConfig: nested("UpdateConfig", () => UPDATE),
    rollbackConfig: nested("RollbackConfig", () => UPDATE),
    endpointSpec: nested("EndpointSpec", () => ({
        mode: as("Mode"),
        ports: list("Ports", () => ({
            name: as("Name"),
            protocol: as("Protocol"),
            targetPort: as("TargetPort"),
            publishedPort: as("PublishedPort"),
            publishMode: as("PublishMode"),
        })),
    })),
};

const NO_REFS: TranslationContext = {
    ref: (id, field) => {
        throw new Error(`${field}: unexpected reference ${id}`);
    },
};

/** The Engine API body creating each docker resource type, and where to send it. */
export const ENGINE_OBJECTS: Record<string, { endpoint: string; kind: string; fields: Fields }> = {
    "docker:index/network:Network": {
        endpoint: "/networks/create",
        kind: "network",
        fields: {
            name: as("Name"),
            driver: as("Driver"),
            attachable: as("Attachable"),
            internal: as("Internal"),
            ingress: as("Ingress"),
            ipv6: as("EnableIPv6"),
            options: as("Options"),
            labels: labels("Labels"),
            checkDuplicate: as("CheckDuplicate"),
        },
    },
    "docker:index/volume:Volume": {
        endpoint: "/volumes/create",
        kind: "volume",
        fields: { name: as("Name"), driver: as("Driver"), driverOpts: as("DriverOpts"), labels: labels("Labels") },
    },
    "docker:index/secret:Secret": { endpoint: "/secrets/create", kind: "secret", fields: { name: as("Name"), data: as("Data"), labels: labels("Labels") } },
    "docker:index/serviceConfig:ServiceConfig": { endpoint: "/configs/create", kind: "config", fields: { name: as("Name"), data: as("Data") } },
    "docker:index/service:Service": { endpoint: "/services/create", kind: "service", fields: SERVICE },
};

/** The Pulumi type token's short name, e.g. docker.Service, for messages. */
export function shortType(type: string): string {
    return `docker.${type.split(":").pop()}`;
}

/**
 * The Engine API body for one planned resource. The engine's name is the plan's `name` input or,
 * where the provider would generate one, the resource's name (what the plan's references carry).
 */
export function engineBody(resource: PlanResource, ctx: TranslationContext): Record<string, unknown> {
    const object_ = ENGINE_OBJECTS[resource.type];
    if (!object_) throw new UntranslatableField(`${resource.type} (${resource.name})`);
    const body = object({ ...resource.inputs }, object_.fields, `${shortType(resource.type)}(${resource.name})`, ctx);
    return { Name: resource.name, ...body };
}

/** The id the offline plan's mocks gave a resource: references between resources carry it. */
export const plannedId = (resource: PlanResource): string => `${resource.name}-id`;

/**
 * Docker resources in the order they can be created: every resource after those it depends on.
 * Other resource types (components, the provider, random values) are not engine objects.
 */
export function applyOrder(resources: readonly PlanResource[]): PlanResource[] {
    const docker = resources.filter((r) => r.type.startsWith("docker:"));
    const unknown = docker.filter((r) => !ENGINE_OBJECTS[r.type]);
    if (unknown.length > 0) throw new UntranslatableField(unknown.map((r) => `${r.type} (${r.name})`).join(", "));
    const byUrn = new Map(docker.map((r) => [r.urn, r]));
    const ordered: PlanResource[] = [];
    const placed = new Set<string>();
    const visit = (resource: PlanResource, path: string[]): void => {
        if (placed.has(resource.urn)) return;
        if (path.includes(resource.urn)) throw new Error(`dependency cycle: ${[...path, resource.urn].join(" -> ")}`);
        for (const dependency of resource.dependsOn ?? []) {
            const target = byUrn.get(dependency);
            if (target) visit(target, [...path, resource.urn]);
        }
        placed.add(resource.urn);
        ordered.push(resource);
    };
    for (const resource of docker) visit(resource, []);
    return ordered;
}
