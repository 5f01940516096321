/**
 * What the engine sends, in the shape the rules read offline. The policy SDK hands policies secret
 * values unwrapped (so a correctly secret output looks like a leak) and throws as soon as a policy
 * reads a value that a preview cannot know (so a rule gives up). The rules instead see what the
 * offline plan records: secrets as SECRET with their plaintext kept aside for
 * disallow-secret-outputs, unknown values as UNKNOWN. The SDK's decoding drops which values were
 * secret, so the pack keeps each request's properties as they arrive, through the request decoders
 * of the generated Analyzer service, before the SDK's server is built on it.
 */
import type * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { SECRET, UNKNOWN } from "./rule";

type Raw = Record<string, unknown>;
interface StructMessage {
    toJavaScript(): Raw;
}
interface ResourceMessage {
    getUrn(): string;
    getProperties(): StructMessage | undefined;
}
interface StackRequest {
    getResourcesList(): ResourceMessage[];
}
interface ConfigureStackRequest {
    getConfigMap(): { forEach(f: (value: string, key: string) => void): void };
    getConfigSecretKeysList?(): string[];
}

/** Properties of each resource as the engine last sent them (secret signatures and unknown sentinels intact), by URN. */
const received = new Map<string, Raw>();
/** Secret config values the engine sent with ConfigureStack. */
let configSecrets: string[] = [];

/** Wraps one method's request decoder so that every decoded request is also handed to `keep`. */
function tap<T>(method: grpc.MethodDefinition<unknown, unknown> | undefined, keep: (request: T) => void): void {
    if (!method) return;
    const decode = method.requestDeserialize;
    method.requestDeserialize = (bytes: Buffer) => {
        const request = decode(bytes);
        keep(request as T);
        return request;
    };
}

const keepResource = (r: ResourceMessage) => received.set(r.getUrn(), r.getProperties()?.toJavaScript() ?? {});

/** The values of the config keys the engine marks secret. */
export function secretConfigValues(request: ConfigureStackRequest): string[] {
    const secretKeys = new Set(request.getConfigSecretKeysList?.() ?? []);
    const values: string[] = [];
    request.getConfigMap().forEach((value, key) => {
        if (secretKeys.has(key)) values.push(value);
    });
    return values;
}

/**
 * Keeps what the engine sends with Analyze, AnalyzeStack and ConfigureStack. Call it once, before
 * `new PolicyPack` builds its server on the service definition.
 */
export function keepEngineRequests(service: grpc.ServiceDefinition = analyzerGrpc.AnalyzerService): void {
    tap<ResourceMessage>(service.analyze, keepResource);
    tap<StackRequest>(service.analyzeStack, (request) => request.getResourcesList().forEach(keepResource));
    tap<ConfigureStackRequest>(service.configureStack, (request) => {
        configSecrets = secretConfigValues(request);
    });
}

/** A value as the rules read it; the plaintext of every secret inside goes to `secrets`. */
export function plainValue(value: unknown, secrets: string[]): unknown {
    if (value === rpc.unknownValue) return UNKNOWN;
    if (Array.isArray(value)) return value.map((v) => plainValue(v, secrets));
    if (!value || typeof value !== "object") return value;
    const v = value as Raw;
    if (v[rpc.specialSigKey] !== undefined) return specialValue(v, secrets);
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, plainValue(inner, secrets)]));
}

/** A value the engine marks by signature: a secret, a resource reference, an asset or archive. */
function specialValue(v: Raw, secrets: string[]): unknown {
    switch (v[rpc.specialSigKey]) {
        case rpc.specialSecretSig:
            secrets.push(...stringsIn(v.value));
            return SECRET;
        case rpc.specialResourceSig:
            return v.urn;
        default:
            return { asset: v.path ?? v.uri ?? "[inline]" };
    }
}

/** Every known string inside a value (a secret's plaintext). */
function stringsIn(value: unknown): string[] {
    if (typeof value === "string") return value === rpc.unknownValue ? [] : [value];
    if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
    return [];
}

/** The SDK wraps props in proxies (unknown checks, secret unwrapping); each hands out what it wraps under this key. */
const PROXY_TARGET = "__getSpecialProxyTarget";

function unproxied(props: unknown): unknown {
    let target = props;
    while (target && typeof target === "object" && (target as Raw)[PROXY_TARGET] !== undefined) target = (target as Raw)[PROXY_TARGET];
    return target;
}

/**
 * A resource's properties as the rules read them: from the request the engine sent for `urn` when
 * the pack kept it, else from the SDK's props (secrets there are already unwrapped and cannot be told apart).
 */
export function engineProps(urn: string, sdkProps: unknown, secrets: string[] = []): Record<string, unknown> {
    const raw = received.get(urn) ?? unproxied(sdkProps) ?? {};
    return plainValue(raw, secrets) as Record<string, unknown>;
}

/** The secret config values the engine sent (ConfigureStack), as a fresh list. */
export const secretConfig = (): string[] => [...configSecrets];
