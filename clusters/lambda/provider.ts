// Dynamic providers over the Lambda Cloud API (instances, SSH keys, the account's firewall rules).
// Pulumi serializes a dynamic provider's code into the state and runs it in the engine's process:
// this file imports nothing at run time and captures no state, and everything a call needs (the API
// URL and key) arrives as the resource's inputs.
import type * as pulumi from "@pulumi/pulumi";

export interface LambdaConnection {
    /** Base URL, e.g. https://cloud.lambdalabs.com/api/v1. */
    readonly apiUrl: string;
    readonly apiKey: string;
}

/** Lambda's error document: `{ "error": { "code", "message", "suggestion" } }`. */
interface ErrorDocument {
    error?: { code?: string; message?: string; suggestion?: string };
}

export type LambdaError = Error & { status: number; code: string };

export const INSUFFICIENT_CAPACITY = "instance-operations/launch/insufficient-capacity";
export const NOT_FOUND = "global/object-does-not-exist";
/** Attempts per call, the first included; retried on 429 and 5xx (launch only on 429: a 5xx may have launched). */
export const MAX_ATTEMPTS = 5;
const MAX_DELAY_MS = 30_000;

function retryDelayMs(retryAfter: string | null, attempt: number): number {
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_DELAY_MS);
    return Math.min(1000 * 2 ** (attempt - 1), MAX_DELAY_MS);
}

function errorDocument(text: string): ErrorDocument {
    try {
        return JSON.parse(text) as ErrorDocument;
    } catch {
        // A proxy's HTML page, say: its start is the best message there is.
        return { error: { message: text.slice(0, 200) } };
    }
}

function lambdaError(method: string, path: string, status: number, text: string): LambdaError {
    const doc = errorDocument(text);
    const code = doc.error?.code ?? `http-${status}`;
    const suggestion = doc.error?.suggestion ? ` (${doc.error.suggestion})` : "";
    const error = new Error(`Lambda Cloud API ${method} ${path} failed with ${status} ${code}: ${doc.error?.message ?? "no message"}${suggestion}`);
    return Object.assign(error, { status, code });
}

/**
 * One API call: Bearer authentication, JSON both ways, and bounded exponential backoff on 429 and
 * 5xx (honouring Retry-After). `idempotent: false` retries only 429, which the API answers before acting.
 */
export async function lambdaRequest<T>(conn: LambdaConnection, method: string, path: string, body?: unknown, idempotent = true): Promise<T> {
    const init = requestInit(conn, method, body);
    for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${conn.apiUrl.replace(/\/+$/, "")}${path}`, init);
        const text = await response.text();
        if (response.ok) return (text ? JSON.parse(text) : {}) as T;
        const retryable = response.status === 429 || (idempotent && response.status >= 500);
        if (!retryable || attempt >= MAX_ATTEMPTS) throw lambdaError(method, path, response.status, text);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(response.headers.get("retry-after"), attempt)));
    }
}

function requestInit(conn: LambdaConnection, method: string, body: unknown): RequestInit {
    const json: Record<string, string> = body === undefined ? {} : { "Content-Type": "application/json" };
    return {
        method,
        headers: { Authorization: `Bearer ${conn.apiKey}`, Accept: "application/json", ...json },
        body: body === undefined ? undefined : JSON.stringify(body),
    };
}

const isNotFound = (error: unknown): boolean => (error as LambdaError).status === 404 || (error as LambdaError).code === NOT_FOUND;

interface ApiInstance {
    id: string;
    name?: string | null;
    ip?: string | null;
    private_ip?: string | null;
    hostname?: string | null;
    status: "booting" | "active" | "unhealthy" | "terminating" | "terminated";
}

interface InstanceTypeEntry {
    instance_type: { name: string; price_cents_per_hour: number; specs: { vcpus: number; memory_gib: number; gpus: number } };
    regions_with_capacity_available: { name: string; description?: string }[];
}

export interface MachineInputs extends LambdaConnection {
    readonly name: string;
    readonly instanceType: string;
    readonly region: string;
    readonly sshKeyName: string;
    readonly fileSystemNames: string[];
    /** How long a launch may take to become active, and how often it is polled. */
    readonly bootTimeoutSeconds: number;
    readonly pollSeconds: number;
}

export interface MachineOutputs extends MachineInputs {
    readonly ip: string;
    readonly privateIp: string;
    readonly hostname: string;
    readonly status: string;
}

/** The message an operator acts on: where it failed, and where the type is available now. */
export async function capacityMessage(conn: LambdaConnection, instanceType: string, region: string): Promise<string> {
    const types = await lambdaRequest<{ data: Record<string, InstanceTypeEntry> }>(conn, "GET", "/instance-types");
    const regions = (types.data[instanceType]?.regions_with_capacity_available ?? []).map((r) => r.name).sort();
    const where = regions.length > 0 ? `regions with ${instanceType} capacity now: ${regions.join(", ")}` : `no region has ${instanceType} capacity now`;
    return `Lambda Cloud has no capacity for ${instanceType} in ${region}; ${where}. Set the pool's region to one of them, or choose another instance type, and run again.`;
}

async function launch(inputs: MachineInputs): Promise<string> {
    const body = {
        region_name: inputs.region,
        instance_type_name: inputs.instanceType,
        ssh_key_names: [inputs.sshKeyName],
        file_system_names: inputs.fileSystemNames,
        quantity: 1,
        name: inputs.name,
    };
    try {
        const launched = await lambdaRequest<{ data: { instance_ids: string[] } }>(inputs, "POST", "/instance-operations/launch", body, false);
        return launched.data.instance_ids[0];
    } catch (error) {
        if ((error as LambdaError).code === INSUFFICIENT_CAPACITY)
            throw new Error(await capacityMessage(inputs, inputs.instanceType, inputs.region), { cause: error });
        throw error;
    }
}

async function getInstance(conn: LambdaConnection, id: string): Promise<ApiInstance | undefined> {
    try {
        return (await lambdaRequest<{ data: ApiInstance }>(conn, "GET", `/instances/${encodeURIComponent(id)}`)).data;
    } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
    }
}

const FAILED_BOOT = new Set(["terminated", "unhealthy"]);

async function waitUntilActive(inputs: MachineInputs, id: string): Promise<ApiInstance> {
    const deadline = Date.now() + inputs.bootTimeoutSeconds * 1000;
    for (;;) {
        const instance = await getInstance(inputs, id);
        if (instance?.status === "active" && instance.ip) return instance;
        const status = instance?.status ?? "terminated";
        if (!instance || FAILED_BOOT.has(status)) {
            throw new Error(`Lambda instance ${id} (${inputs.name}) became ${status} while booting; it is left for inspection`);
        }
        if (Date.now() >= deadline) throw new Error(`Lambda instance ${id} (${inputs.name}) is still ${instance.status} after ${inputs.bootTimeoutSeconds} s`);
        await new Promise((resolve) => setTimeout(resolve, inputs.pollSeconds * 1000));
    }
}

const machineState = (inputs: MachineInputs, instance: ApiInstance): MachineOutputs => ({
    ...inputs,
    name: instance.name ?? inputs.name,
    ip: instance.ip ?? "",
    privateIp: instance.private_ip ?? "",
    hostname: instance.hostname ?? "",
    status: instance.status,
});

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Which changed inputs replace the resource and which update it in place. */
export function diffInputs<T extends object>(olds: T, news: T, replaceKeys: readonly (keyof T)[], updateKeys: readonly (keyof T)[]): pulumi.dynamic.DiffResult {
    const replaces = replaceKeys.filter((k) => !sameValue(olds[k], news[k])).map(String);
    const updates = updateKeys.filter((k) => !sameValue(olds[k], news[k])).map(String);
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false };
}

/** A Lambda instance. Type, region, SSH key and file systems are fixed at launch; the name is updated in place. */
export const machineProvider = {
    async create(inputs: MachineInputs) {
        const id = await launch(inputs);
        return { id, outs: machineState(inputs, await waitUntilActive(inputs, id)) };
    },
    async read(id: string, props: MachineOutputs) {
        const instance = await getInstance(props, id);
        // Terminated out of band: an empty id tells the engine the resource is gone.
        if (!instance || instance.status === "terminated") return { id: undefined, props };
        return { id, props: machineState(props, instance) };
    },
    diff(_id: string, olds: MachineOutputs, news: MachineInputs) {
        return Promise.resolve(
            diffInputs<MachineInputs>(
                olds,
                news,
                ["instanceType", "region", "sshKeyName", "fileSystemNames"],
                ["name", "apiUrl", "apiKey", "bootTimeoutSeconds", "pollSeconds"],
            ),
        );
    },
    async update(id: string, olds: MachineOutputs, news: MachineInputs) {
        if (olds.name !== news.name) await lambdaRequest(news, "POST", `/instances/${encodeURIComponent(id)}`, { name: news.name });
        return { outs: { ...olds, ...news } };
    },
    async delete(id: string, props: MachineOutputs) {
        try {
            await lambdaRequest(props, "POST", "/instance-operations/terminate", { instance_ids: [id] });
        } catch (error) {
            if (!isNotFound(error)) throw error;
        }
    },
} satisfies pulumi.dynamic.ResourceProvider;

export interface SshKeyInputs extends LambdaConnection {
    readonly name: string;
    readonly publicKey: string;
}

interface ApiSshKey {
    id: string;
    name: string;
    public_key: string;
}

/** An SSH key of the account, registered from its public half; any change replaces it. */
export const sshKeyProvider = {
    async create(inputs: SshKeyInputs) {
        const created = await lambdaRequest<{ data: ApiSshKey }>(inputs, "POST", "/ssh-keys", { name: inputs.name, public_key: inputs.publicKey });
        return { id: created.data.id, outs: { ...inputs } };
    },
    async read(id: string, props: SshKeyInputs) {
        const keys = await lambdaRequest<{ data: ApiSshKey[] }>(props, "GET", "/ssh-keys");
        const key = keys.data.find((k) => k.id === id);
        if (!key) return { id: undefined, props };
        return { id, props: { ...props, name: key.name, publicKey: key.public_key } };
    },
    diff(_id: string, olds: SshKeyInputs, news: SshKeyInputs) {
        return Promise.resolve(diffInputs<SshKeyInputs>(olds, news, ["name", "publicKey"], ["apiUrl", "apiKey"]));
    },
    update(_id: string, _olds: SshKeyInputs, news: SshKeyInputs) {
        return Promise.resolve({ outs: { ...news } });
    },
    async delete(id: string, props: SshKeyInputs) {
        try {
            await lambdaRequest(props, "DELETE", `/ssh-keys/${encodeURIComponent(id)}`);
        } catch (error) {
            if (!isNotFound(error)) throw error;
        }
    },
} satisfies pulumi.dynamic.ResourceProvider;

/** One inbound rule of the account's firewall, in the API's shape. */
export interface FirewallRule {
    readonly protocol: "tcp" | "udp" | "icmp" | "all";
    readonly port_range?: [number, number];
    readonly source_network: string;
    readonly description: string;
}

export interface FirewallInputs extends LambdaConnection {
    /** Marks this stack's rules (the description's prefix): the account's firewall is shared by every stack. */
    readonly owner: string;
    readonly rules: FirewallRule[];
}

const ownedBy = (owner: string, rule: FirewallRule): boolean => rule.description.startsWith(`${owner}:`);

/** Writes this stack's rules beside everyone else's, which it never touches. */
async function putOwnRules(inputs: FirewallInputs, own: FirewallRule[]): Promise<FirewallRule[]> {
    const current = await lambdaRequest<{ data: FirewallRule[] }>(inputs, "GET", "/firewall-rules");
    const others = current.data.filter((r) => !ownedBy(inputs.owner, r));
    const written = await lambdaRequest<{ data: FirewallRule[] }>(inputs, "PUT", "/firewall-rules", { data: [...others, ...own] });
    return written.data.filter((r) => ownedBy(inputs.owner, r));
}

/** This stack's share of the account's inbound firewall rules (GET/PUT /firewall-rules). */
export const firewallProvider = {
    async create(inputs: FirewallInputs) {
        return { id: `firewall-rules-${inputs.owner}`, outs: { ...inputs, rules: await putOwnRules(inputs, inputs.rules) } };
    },
    async read(id: string, props: FirewallInputs) {
        const current = await lambdaRequest<{ data: FirewallRule[] }>(props, "GET", "/firewall-rules");
        return { id, props: { ...props, rules: current.data.filter((r) => ownedBy(props.owner, r)) } };
    },
    diff(_id: string, olds: FirewallInputs, news: FirewallInputs) {
        return Promise.resolve(diffInputs<FirewallInputs>(olds, news, ["owner"], ["rules", "apiUrl", "apiKey"]));
    },
    async update(_id: string, _olds: FirewallInputs, news: FirewallInputs) {
        return { outs: { ...news, rules: await putOwnRules(news, news.rules) } };
    },
    async delete(_id: string, props: FirewallInputs) {
        await putOwnRules(props, []);
    },
} satisfies pulumi.dynamic.ResourceProvider;
