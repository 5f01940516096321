// Dynamic providers over the Lambda Cloud API: instances and SSH keys (firewall rulesets are in
// rulesets.ts). Pulumi serializes a dynamic provider's code into the state and runs it in the
// engine's process: everything a call needs (the API URL and key) arrives as the resource's inputs.
import type * as pulumi from "@pulumi/pulumi";
import {
    INSUFFICIENT_CAPACITY,
    INVALID_PARAMETERS,
    isNotFound,
    isProviderError,
    LambdaConnection,
    LambdaError,
    lambdaRequest,
    RequestOptions,
    Schemas,
} from "./client";

export * from "./client";

type ApiInstance = Schemas["Instance"];
type LaunchRequest = Schemas["InstanceLaunchRequest"];

export interface MachineInputs extends LambdaConnection {
    /** Display name in the Lambda console: <stack>-<pool>-<n>. */
    readonly name: string;
    /** Written to /etc/hostname at launch; the machine name (a DNS label). */
    readonly hostname: string;
    /** Marks the instance as this resource's: a create first adopts an instance carrying all of them. */
    readonly tags: Record<string, string>;
    readonly instanceType: string;
    readonly region: string;
    readonly sshKeyName: string;
    readonly fileSystemNames: string[];
    /** Firewall rulesets attached at launch (the stack's ruleset of the region). */
    readonly firewallRulesetIds: string[];
    /** How long a launch may take to become active, and how often it is polled. */
    readonly bootTimeoutSeconds: number;
    readonly pollSeconds: number;
}

export interface MachineOutputs extends MachineInputs {
    readonly ip: string;
    readonly privateIp: string;
    readonly status: string;
}

interface InstanceTypeEntry {
    instance_type: Schemas["InstanceType"];
    regions_with_capacity_available: Schemas["Region"][];
}

/** Every instance type with its price and the regions that have capacity now (GET /instance-types). */
export async function instanceTypes(conn: LambdaConnection, options: RequestOptions = {}): Promise<Record<string, InstanceTypeEntry>> {
    return (await lambdaRequest<{ data: Schemas["InstanceTypes"] }>(conn, "GET", "/instance-types", undefined, options)).data;
}

/** The message an operator acts on: where it failed, and where the type is available now. */
export async function capacityMessage(conn: LambdaConnection, instanceType: string, region: string): Promise<string> {
    const types = await instanceTypes(conn);
    const regions = (types[instanceType]?.regions_with_capacity_available ?? []).map((r) => r.name).sort();
    const where = regions.length > 0 ? `regions with ${instanceType} capacity now: ${regions.join(", ")}` : `no region has ${instanceType} capacity now`;
    return `Lambda Cloud has no capacity for ${instanceType} in ${region}; ${where}. Set the pool's region to one of them, or choose another instance type, and run again.`;
}

const GONE = new Set(["terminated", "terminating", "preempted"]);

/** Live instances carrying every one of this resource's tags. */
async function taggedInstances(inputs: MachineInputs): Promise<ApiInstance[]> {
    const all = (await lambdaRequest<{ data: ApiInstance[] }>(inputs, "GET", "/instances")).data;
    const has = (i: ApiInstance, key: string, value: string): boolean => (i.tags ?? []).some((t) => t.key === key && t.value === value);
    return all.filter((i) => !GONE.has(i.status) && Object.entries(inputs.tags).every(([k, v]) => has(i, k, v)));
}

/** The instance a create takes over: one with this resource's tags, type and region; none when there is none. */
async function adoptable(inputs: MachineInputs): Promise<ApiInstance | undefined> {
    const tagged = await taggedInstances(inputs);
    if (tagged.length === 0) return undefined;
    const fits = tagged.filter((i) => i.instance_type.name === inputs.instanceType && i.region.name === inputs.region);
    if (tagged.length === 1 && fits.length === 1) return fits[0];
    const found = tagged.map((i) => `${i.id} (${i.instance_type.name} in ${i.region.name}, ${i.status})`).join(", ");
    throw new Error(
        `Lambda instances already carry the tags of ${inputs.name} (${JSON.stringify(inputs.tags)}): ${found}. None is launched beside them. ` +
            `Terminate the ones that should not exist (POST /instance-operations/terminate with their ids, or in the Lambda console) and run again.`,
    );
}

function launchRequest(inputs: MachineInputs): LaunchRequest {
    return {
        region_name: inputs.region as LaunchRequest["region_name"],
        instance_type_name: inputs.instanceType,
        ssh_key_names: [inputs.sshKeyName],
        file_system_names: inputs.fileSystemNames,
        name: inputs.name,
        hostname: inputs.hostname,
        tags: Object.entries(inputs.tags).map(([key, value]) => ({ key, value })),
        firewall_rulesets: inputs.firewallRulesetIds.map((id) => ({ id })),
    };
}

/** Answers that say the API did not launch: a launch may be sent again after them. */
const notLaunched = (error: unknown): boolean => (error as LambdaError).status === 429 || isProviderError(error);
/** Answers after which nobody knows whether the API acted (a 5xx, a dropped connection). */
export const outcomeUnknown = (error: unknown): boolean => (error as LambdaError).status >= 500 || (error as LambdaError).status === 0;

/**
 * Launches once. After an answer that leaves the outcome open, the tags say whether the instance
 * exists; a launch is never sent again unless the API said it did not launch.
 */
async function launch(inputs: MachineInputs): Promise<string> {
    for (let attempt = 1; ; attempt++) {
        try {
            const launched = await lambdaRequest<{ data: Schemas["InstanceLaunchResponse"] }>(
                inputs,
                "POST",
                "/instance-operations/launch",
                launchRequest(inputs),
                { idempotent: false },
            );
            return launched.data.instance_ids[0];
        } catch (error) {
            if ((error as LambdaError).code === INSUFFICIENT_CAPACITY)
                throw new Error(await capacityMessage(inputs, inputs.instanceType, inputs.region), { cause: error });
            const found = notLaunched(error) || outcomeUnknown(error) ? await adoptable(inputs) : undefined;
            if (found) return found.id;
            if (isProviderError(error) && attempt < 3) continue;
            if (outcomeUnknown(error))
                throw new Error(
                    `${(error as Error).message}. No instance with the tags of ${inputs.name} exists yet; run again: ` +
                        `the next create adopts the instance by its tags if the launch went through, and launches only if it did not.`,
                    { cause: error },
                );
            throw error;
        }
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

const FAILED_BOOT = new Set(["terminated", "terminating", "preempted", "unhealthy"]);

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
    status: instance.status,
});

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Which changed inputs replace the resource and which update it in place. */
export function diffInputs<T extends object>(
    olds: T,
    news: T,
    replaceKeys: readonly (keyof T)[],
    updateKeys: readonly (keyof T)[],
    deleteBeforeReplace = false,
): pulumi.dynamic.DiffResult {
    const replaces = replaceKeys.filter((k) => !sameValue(olds[k], news[k])).map(String);
    const updates = updateKeys.filter((k) => !sameValue(olds[k], news[k])).map(String);
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace };
}

/**
 * A Lambda instance. Everything but the name is fixed at launch. A replacement terminates the old
 * instance first: it carries the same tags, and a create adopts what carries its tags.
 */
export const machineProvider = {
    async create(inputs: MachineInputs) {
        const id = (await adoptable(inputs))?.id ?? (await launch(inputs));
        return { id, outs: machineState(inputs, await waitUntilActive(inputs, id)) };
    },
    async read(id: string, props: MachineOutputs) {
        const instance = await getInstance(props, id);
        // Terminated or preempted out of band (the same states a create does not adopt): an empty id
        // tells the engine the resource is gone, so the next update launches a machine again.
        if (!instance || GONE.has(instance.status)) return { id: undefined, props };
        return { id, props: machineState(props, instance) };
    },
    diff(_id: string, olds: MachineOutputs, news: MachineInputs) {
        return Promise.resolve(
            diffInputs<MachineInputs>(
                olds,
                news,
                ["instanceType", "region", "sshKeyName", "fileSystemNames", "hostname", "tags", "firewallRulesetIds"],
                ["name", "apiUrl", "apiKey", "pacing", "bootTimeoutSeconds", "pollSeconds"],
                true,
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

type ApiSshKey = Schemas["SSHKey"];

async function sshKeyById(conn: LambdaConnection, id: string): Promise<ApiSshKey | undefined> {
    const keys = await lambdaRequest<{ data: ApiSshKey[] }>(conn, "GET", "/ssh-keys");
    return keys.data.find((k) => k.id === id);
}

async function findSshKey(inputs: SshKeyInputs): Promise<ApiSshKey | undefined> {
    const keys = await lambdaRequest<{ data: ApiSshKey[] }>(inputs, "GET", "/ssh-keys");
    return keys.data.find((k) => k.name === inputs.name && k.public_key.trim() === inputs.publicKey.trim());
}

/** An SSH key of the account, registered from its public half; any change replaces it. */
export const sshKeyProvider = {
    async create(inputs: SshKeyInputs) {
        // A key of this name left by a create that never wrote its state: the same key is taken over.
        const existing = await findSshKey(inputs);
        if (existing) return { id: existing.id, outs: { ...inputs } };
        try {
            const body: Schemas["AddSSHKeyRequest"] = { name: inputs.name, public_key: inputs.publicKey };
            const created = await lambdaRequest<{ data: ApiSshKey }>(inputs, "POST", "/ssh-keys", body, { idempotent: false });
            return { id: created.data.id, outs: { ...inputs } };
        } catch (error) {
            const made = outcomeUnknown(error) ? await findSshKey(inputs) : undefined;
            if (made) return { id: made.id, outs: { ...inputs } };
            throw error;
        }
    },
    async read(id: string, props: SshKeyInputs) {
        const key = await sshKeyById(props, id);
        if (!key) return { id: undefined, props };
        return { id, props: { ...props, name: key.name, publicKey: key.public_key } };
    },
    diff(_id: string, olds: SshKeyInputs, news: SshKeyInputs) {
        return Promise.resolve(diffInputs<SshKeyInputs>(olds, news, ["name", "publicKey"], ["apiUrl", "apiKey", "pacing"]));
    },
    update(_id: string, _olds: SshKeyInputs, news: SshKeyInputs) {
        return Promise.resolve({ outs: { ...news } });
    },
    async delete(id: string, props: SshKeyInputs) {
        try {
            await lambdaRequest(props, "DELETE", `/ssh-keys/${encodeURIComponent(id)}`);
        } catch (error) {
            // The document gives deleting a missing key no 404 but a 400 invalid-parameters: a key
            // removed in the console is gone, so a destroy goes on, when the list no longer has it.
            const gone = isNotFound(error) || ((error as LambdaError).code === INVALID_PARAMETERS && !(await sshKeyById(props, id)));
            if (!gone) throw error;
        }
    },
} satisfies pulumi.dynamic.ResourceProvider;
