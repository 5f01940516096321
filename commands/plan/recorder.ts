import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { SECRET, UNKNOWN } from "../../policies/rule";

/** The marker every secret input becomes in a plan: its value never leaves the program. The pack shows rules the same markers. */
export const SECRET_MARKER = SECRET;
export const UNKNOWN_MARKER = UNKNOWN;

/**
 * Outputs a provider computes that programs consume as values: a generated password (it stays
 * secret), AWS ARNs, which policies reference ("offline" stands where the account id would be), and
 * a KMS key's keyId, which its alias and key policy name (the provider sets it to the key's id).
 */
export function computedOutputs(args: Pick<pulumi.runtime.MockResourceArgs, "type" | "name" | "inputs">): Record<string, string> {
    if (args.type === "random:index/randomPassword:RandomPassword") return { result: "offline-generated-password" };
    const inputs = args.inputs as { arn?: unknown; region?: string };
    if (args.type.startsWith("aws:") && inputs.arn === undefined) {
        const service = args.type.slice("aws:".length).split("/")[0];
        const arn = `arn:aws:${service}:${inputs.region ?? ""}:offline:${args.name}`;
        return args.type === "aws:kms/key:Key" ? { arn, keyId: `${args.name}-id` } : { arn };
    }
    return {};
}

/** One registered resource, as the plan reports it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    /** Inputs with every secret replaced by "[secret]" and resource references by their URN. */
    inputs: Record<string, unknown>;
    dependsOn: string[];
    /** The dependencies of each input property that has any ("bucket" → [the bucket's URN]). */
    propertyDependencies?: Record<string, string[]>;
    /** Set when the engine must refuse to delete it (`protect`). */
    protect?: true;
    /** Inputs whose changes the engine ignores after creation (`ignoreChanges`). */
    ignoreChanges?: string[];
}

/** Turns serialized RPC values into plain JSON, redacting secrets on the way. */
export function redactSerialized(value: unknown): unknown {
    if (value === rpc.unknownValue) return UNKNOWN_MARKER;
    if (Array.isArray(value)) return value.map(redactSerialized);
    if (value && typeof value === "object") return redactObject(value as Record<string, unknown>);
    return value;
}

/** A serialized object: a special value (secret, resource, output, asset) by its signature, else each property. */
function redactObject(v: Record<string, unknown>): unknown {
    switch (v[rpc.specialSigKey]) {
        case rpc.specialSecretSig:
            return SECRET_MARKER;
        case rpc.specialResourceSig:
            return v.urn;
        case rpc.specialOutputValueSig:
            return v.secret ? SECRET_MARKER : redactSerialized(v.value ?? UNKNOWN_MARKER);
        case rpc.specialAssetSig:
        case rpc.specialArchiveSig:
            return { asset: v.path ?? v.uri ?? "[inline]" };
    }
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, redactSerialized(inner)]));
}

function secretMapKeyNames(raw: Record<string, unknown>): Record<string, string[]> {
    const found: Record<string, string[]> = {};
    for (const [prop, value] of Object.entries(raw)) {
        const v = value as Record<string, unknown> | null;
        if (v && typeof v === "object" && v[rpc.specialSigKey] === rpc.specialSecretSig && v.value && typeof v.value === "object" && !Array.isArray(v.value)) {
            found[prop] = Object.keys(v.value).sort();
        }
    }
    return found;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getImportid(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(f: (value: { getUrnsList(): string[] }, key: string) => void): void };
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProtect(): boolean | undefined;
    getIgnorechangesList(): string[];
}

interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** The URN the mock monitor gives a resource (the same scheme as MockMonitor's own). */
export function urnOf(parent: string | null, type: string, name: string): string {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/**
 * Pulumi's mock monitor, recording every registration as the engine would see it: type, name,
 * parent, dependencies, and inputs with secrets still marked (so they can be redacted).
 */
export class RecordingMonitor extends MockMonitor {
    readonly recorded: RecordedResource[] = [];

    constructor() {
        super({
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({
                id: args.custom ? `${args.name}-id` : undefined,
                // Only what the engine would add: outside a preview, the SDK itself resolves every output the
                // engine leaves out to its input (runtime/resource.ts, resolveOutputs), so echoing the inputs
                // would only serialize them once more. A name the engine would auto-generate is the resource's.
                state: { ...((args.inputs as { name?: unknown }).name === undefined ? { name: args.name } : {}), ...computedOutputs(args) },
            }),
            call: (args: pulumi.runtime.MockCallArgs) => {
                throw new Error(`the program called ${args.token}, which the offline plan cannot answer: a deployment must not depend on live reads`);
            },
        });
    }

    /**
     * Key names of top-level inputs that are secret maps (a Kubernetes Secret's stringData), by URN:
     * names are not secret, and manifests keep them with redacted values.
     */
    readonly secretMapKeys = new Map<string, Record<string, string[]>>();

    /** Outputs registered by components and the stack, redacted like inputs. */
    readonly outputs = new Map<string, Record<string, unknown>>();

    override registerResourceOutputs(req: OutputsRequest, callback: (err: unknown, res: unknown) => void): void {
        this.outputs.set(req.getUrn(), redactSerialized(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
        super.registerResourceOutputs(req, callback);
    }

    /**
     * Records the registration and answers it as MockMonitor does (the mocks' state as the new
     * resource's outputs), reading the request's inputs once: the mocks get the recorded inputs
     * (secrets as "[secret]", references as URNs) instead of a second decoding of the request.
     */
    override async registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): Promise<void> {
        try {
            const resource = this.record(req);
            const result = await this.mocks.newResource({
                type: resource.type,
                name: resource.name,
                inputs: resource.inputs,
                provider: req.getProvider(),
                custom: resource.custom,
                id: req.getImportid(),
            });
            const state = await rpc.serializeProperties("", result.state);
            this.resources.set(resource.urn, { urn: resource.urn, id: result.id ?? null, state });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(resource.urn);
            response.setId(result.id || "");
            response.setObject(structproto.Struct.fromJavaScript(state as Record<string, structproto.JavaScriptValue>));
            callback(null, response);
        } catch (error) {
            callback(error, undefined);
        }
    }

    private record(req: RegisterRequest): RecordedResource {
        const parent = req.getParent() || null;
        const urn = urnOf(parent, req.getType(), req.getName());
        const raw = req.getObject()?.toJavaScript() ?? {};
        const mapKeys = secretMapKeyNames(raw);
        if (Object.keys(mapKeys).length > 0) this.secretMapKeys.set(urn, mapKeys);
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => {
            const urns = deps.getUrnsList();
            if (urns.length > 0) propertyDependencies[key] = [...urns].sort();
        });
        const ignoreChanges = [...req.getIgnorechangesList()];
        const resource: RecordedResource = {
            urn,
            type: req.getType(),
            name: req.getName(),
            parent,
            custom: req.getCustom(),
            inputs: redactSerialized(raw) as Record<string, unknown>,
            dependsOn: [...req.getDependenciesList()].sort(),
            ...(Object.keys(propertyDependencies).length > 0 ? { propertyDependencies } : {}),
            ...(req.getProtect() ? { protect: true as const } : {}),
            ...(ignoreChanges.length > 0 ? { ignoreChanges } : {}),
        };
        this.recorded.push(resource);
        return resource;
    }
}

interface MockStore {
    settings: { options: { rootDirectory?: string } };
    supportsSecrets: boolean;
    supportsResourceReferences: boolean;
    supportsOutputValues: boolean;
    supportsDeletedWith: boolean;
    supportsAliasSpecs: boolean;
}

/** Installs the monitor as Pulumi's mock runtime, with the features setMocks turns on (secrets first). */
export function installMonitor(monitor: RecordingMonitor, project: string, stack: string, rootDirectory?: string): void {
    pulumi.runtime.setMockOptions(monitor, project, stack, false);
    const store = (runtimeState as unknown as { getStore(): MockStore }).getStore();
    // What the engine passes the language host (PULUMI_NODEJS_ROOT_DIRECTORY): where Pulumi.yaml is.
    if (rootDirectory) store.settings.options.rootDirectory = rootDirectory;
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsOutputValues = false;
    store.supportsDeletedWith = true;
    store.supportsAliasSpecs = true;
}
