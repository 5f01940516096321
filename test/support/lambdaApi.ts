// A Lambda Cloud API on 127.0.0.1 that holds both sides to the published document
// (clusters/lambda/openapi-1.8.3.json): openapi-backend routes each request by the document,
// checks its authentication and validates it, and validates every answer the server gives against
// the operation's response for that status. Whatever breaks the document is recorded in
// `violations` (and a bad request is answered 400), so a test ends by expecting none. Answers the
// document does not list (429, 5xx) are validated against its error object with any `code`.
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import Ajv from "ajv";
import { expect } from "chai";
import addFormats from "ajv-formats";
import { Validator } from "@seriousme/openapi-schema-validator";
import OpenAPIBackend, { type Context } from "openapi-backend";
import { DOCUMENTED_LIMITS, type Schemas } from "../../clusters/lambda/client";
import type { instanceTypes, MachineInputs } from "../../clusters/lambda/provider";
import type { RulesetInputs } from "../../clusters/lambda/rulesets";
import { INSTANCE_TYPES } from "../../clusters/pricing";
import { ROOT } from "./plan";

export const DOCUMENT = JSON.parse(fs.readFileSync(path.join(ROOT, "clusters/lambda/openapi-1.8.3.json"), "utf8")) as {
    components: { schemas: Record<string, any> };
};

type Instance = Schemas["Instance"];
type Ruleset = Schemas["FirewallRuleset"];
interface Answer {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    /** Close the connection without an answer. */
    drop?: boolean;
}
export interface Fault {
    status: number;
    code: string;
    message?: string;
    retryAfter?: string;
    /** Act first, then answer with the fault (a 5xx after the instance was created). */
    afterActing?: boolean;
    /** Close the connection instead of answering (status and code are then unused). */
    drop?: boolean;
}
export interface SeenRequest {
    operationId: string;
    method: string;
    path: string;
    body: any;
    authorization: string | undefined;
    at: number;
    /** Refused with 429 by the server's own rate limits (not an injected fault): the call did nothing. */
    throttled?: boolean;
}

/** Lambda's current prices here differ from the dated table by design, so a test can tell which one a cost used. */
export const API_PRICE_CENTS = (type: string): number => Math.round(INSTANCE_TYPES[type].usdPerHour * 100) + 11;

/** The /instance-types answer as the provider reads it. */
export type InstanceTypesAnswer = Awaited<ReturnType<typeof instanceTypes>>;
export type LambdaRegion = InstanceTypesAnswer[string]["regions_with_capacity_available"][number]["name"];

/** An /instance-types answer, in the order given: each type with its GPUs, price and the regions with capacity now (us-east-1 unless said). */
export function instanceTypesAnswer(types: readonly [string, { gpus: number; cents: number; capacityIn?: LambdaRegion[] }][]): InstanceTypesAnswer {
    return Object.fromEntries(
        types.map(([name, t]) => [
            name,
            {
                instance_type: {
                    name,
                    description: name,
                    gpu_description: t.gpus > 0 ? "GPU" : "none",
                    price_cents_per_hour: t.cents,
                    specs: { vcpus: 8, memory_gib: 32, storage_gib: 512, gpus: t.gpus },
                },
                regions_with_capacity_available: (t.capacityIn ?? ["us-east-1"]).map((r) => ({ name: r, description: r })),
            },
        ]),
    );
}

const addFormatsTo = (ajv: Ajv): Ajv => {
    addFormats(ajv);
    ajv.addFormat("ipv4network", /^(\d{1,3}\.){3}\d{1,3}(\/(\d|[12]\d|3[0-2]))?$/);
    return ajv;
};

/** The document's internal-error object with any code: what a 429, 5xx or provider/* answer must look like. */
function undocumentedErrorValidator() {
    const internal = structuredClone(DOCUMENT.components.schemas.ApiErrorInternal);
    internal.properties.code = { type: "string", minLength: 1 };
    const ajv = new Ajv({ strict: false });
    return ajv.compile({ type: "object", additionalProperties: false, required: ["error"], properties: { error: internal } });
}

/**
 * openapi-backend checks a definition with a validator of OpenAPI 3.0 only; the document is 3.1, so
 * it is checked by a validator of 3.1 instead (before init) and the 3.0 check is skipped.
 */
class OpenApi31Backend extends OpenAPIBackend {
    validateDefinition() {
        return this.document;
    }
}

/**
 * The document with every local $ref replaced by a copy of its target. openapi-backend's own
 * dereferencing shares one object between the places that refer to it, and its cycle guard then
 * turns the second place into a $ref where Ajv wants an array ("required must be array").
 */
export function inlineRefs(node: unknown, root: unknown = node, trail: readonly string[] = []): unknown {
    if (Array.isArray(node)) return node.map((n) => inlineRefs(n, root, trail));
    if (!node || typeof node !== "object") return node;
    const { $ref, ...rest } = node as { $ref?: string };
    if ($ref !== undefined) {
        if (trail.includes($ref)) throw new Error(`the document refers to ${$ref} within itself`);
        const target = $ref
            .slice(2)
            .split("/")
            .reduce<any>((v, k) => v?.[k], root);
        if (target === undefined) throw new Error(`the document refers to ${$ref}, which it does not have`);
        return { ...(inlineRefs(target, root, [...trail, $ref]) as object), ...(inlineRefs(rest, root, trail) as object) };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(v, root, trail)]));
}

/** Whether the document is a valid OpenAPI 3.1 document, and why not. */
export async function checkDocument(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
    const validator = new Validator();
    const result = await validator.validate(document as Parameters<Validator["validate"]>[0]);
    if (validator.version !== "3.1") return { valid: false, errors: `OpenAPI ${validator.version}, expected 3.1` };
    return result;
}

/** One backend per process (compiling the document's validators takes a while); each request names its server. */
let sharedBackend: Promise<OpenAPIBackend> | undefined;

async function backendFor(): Promise<OpenAPIBackend> {
    const document = await checkDocument(DOCUMENT);
    if (!document.valid) throw new Error(`clusters/lambda/openapi-1.8.3.json is not valid OpenAPI 3.1: ${JSON.stringify(document.errors)}`);
    const backend = new OpenApi31Backend({
        definition: inlineRefs(DOCUMENT) as any,
        strict: true,
        quick: false,
        validate: true,
        ajvOpts: { strict: false },
        customizeAjv: (ajv) => addFormatsTo(ajv),
    });
    const auth = (c: Context, api: LambdaApi) => api.authorized(c);
    backend.registerSecurityHandler("bearerAuth", auth);
    backend.registerSecurityHandler("basicAuth", auth);
    const handlers: Record<string, (c: Context, api: LambdaApi) => Answer> = {};
    // The operations this server serves (a server of its own lists them); each request runs its server's handler.
    for (const operationId of Object.keys(new LambdaApi().operations)) {
        handlers[operationId] = (c, api) => api.handle(c, operationId, api.operations[operationId]);
    }
    backend.register({
        ...handlers,
        unauthorizedHandler: (c: Context, api: LambdaApi) =>
            api.answer(
                c,
                401,
                errorBody("global/invalid-api-key", "API key was invalid, expired, or deleted.", "Check your API key or create a new one, then try again."),
            ),
        validationFail: (c: Context, api: LambdaApi) => {
            api.violations.push(`request ${c.operation.operationId}: ${JSON.stringify(c.validation.errors)}`);
            return api.answer(c, 400, errorBody("global/invalid-parameters", "Invalid request data."));
        },
        notFound: (c: Context, api: LambdaApi) => {
            api.violations.push(`request to ${c.request.method} ${c.request.path}: not in the document`);
            return { status: 404, body: errorBody("global/object-does-not-exist", "No such path.") };
        },
        notImplemented: (c: Context, api: LambdaApi) => {
            api.violations.push(`request ${c.operation.operationId}: not served by this test server`);
            return { status: 501, body: errorBody("global/internal-error", "Not implemented here.") };
        },
    });
    await backend.init();
    return backend;
}

const errorBody = (code: string, message: string, suggestion = "See the error code.") => ({ error: { code, message, suggestion } });

export interface LambdaApiOptions {
    /** The limits the server enforces with 429: the documented ones (1 s, 12 s) unless a test speeds them up. */
    requestIntervalMs?: number;
    launchIntervalMs?: number;
}

export class LambdaApi {
    readonly apiKey = "secret_test-lambda-key_0123456789";
    url = "";
    readonly instances = new Map<string, Instance>();
    readonly sshKeys: Schemas["SSHKey"][] = [];
    readonly rulesets = new Map<string, Ruleset>();
    readonly requests: SeenRequest[] = [];
    readonly violations: string[] = [];
    /** Region → instance types with capacity there. */
    readonly capacity: Record<string, string[]> = { "us-east-1": ["gpu_1x_a10"], "us-east-3": ["gpu_1x_gh200"], "us-west-1": ["gpu_1x_a10", "gpu_1x_gh200"] };
    /** GETs of a booting instance before it is active; requests before a terminating one is gone and lets go of its rulesets. */
    bootPolls = 0;
    releasePolls = 0;
    requestIntervalMs: number;
    launchIntervalMs: number;
    private readonly faults = new Map<string, Fault[]>();
    private readonly polls = new Map<string, number>();
    private readonly listeners: ((r: SeenRequest) => void)[] = [];
    private lastRequest = 0;
    private lastLaunch = 0;
    private nextId = 1;
    private server?: http.Server;
    private backend?: OpenAPIBackend;
    /** The document's operations this server serves, by operationId. */
    readonly operations: Record<string, (c: Context) => Answer> = instanceOperations(this);
    private readonly undocumentedError = undocumentedErrorValidator();

    constructor(options: LambdaApiOptions = {}) {
        this.requestIntervalMs = options.requestIntervalMs ?? DOCUMENTED_LIMITS.requestIntervalMs;
        this.launchIntervalMs = options.launchIntervalMs ?? DOCUMENTED_LIMITS.launchIntervalMs;
    }

    /** The next `times` requests of the operation are answered with the fault. */
    fail(operationId: string, fault: Fault, times = 1): void {
        const queue = this.faults.get(operationId) ?? [];
        for (let i = 0; i < times; i++) queue.push(fault);
        this.faults.set(operationId, queue);
    }

    /** Resolves when a request of the operation arrives (before it is answered). */
    waitFor(operationId: string): Promise<SeenRequest> {
        return new Promise((resolve) => this.listeners.push((r) => r.operationId === operationId && resolve(r)));
    }

    /**
     * The calls of one operation the server acted on or answered with an injected fault: a call its rate
     * limits refused did nothing (a loaded machine may send two paced requests in the same instant;
     * the client then waits and sends it again), so it is left out; `requests` keeps every one.
     */
    seen(operationId: string): SeenRequest[] {
        return this.requests.filter((r) => r.operationId === operationId && !r.throttled);
    }

    /** Instances and rulesets that exist (not terminated) whose ids are not among `known`. */
    untracked(known: readonly string[]): string[] {
        const live = [...this.instances.values()].filter((i) => i.status !== "terminated").map((i) => i.id);
        return [...live, ...this.rulesets.keys()].filter((id) => !known.includes(id));
    }

    async start(): Promise<this> {
        sharedBackend ??= backendFor();
        this.backend = await sharedBackend;
        this.server = http.createServer((req, res) => void this.serve(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
        return this;
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.server?.closeAllConnections();
            this.server?.close(() => resolve());
        });
    }

    private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        let answer: Answer;
        try {
            const body = text ? (JSON.parse(text) as unknown) : undefined;
            answer = (await this.backend!.handleRequest(
                { method: req.method ?? "GET", path: url.pathname, query: url.search.slice(1), headers: req.headers as Record<string, string>, body },
                this,
            )) as Answer;
        } catch (error) {
            this.violations.push(`${req.method} ${url.pathname}: ${(error as Error).message}`);
            answer = { status: 400, body: errorBody("global/invalid-parameters", "Invalid request data.") };
        }
        if (answer.drop) {
            res.destroy();
            return;
        }
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(JSON.stringify(answer.body));
    }

    /** Every answer is validated against the document before it leaves. */
    answer(c: Context, status: number, body: unknown, headers?: Record<string, string>): Answer {
        const documented = Object.keys(c.operation.responses ?? {}).includes(String(status));
        const valid = documented
            ? this.backend!.validateResponse(body, c.operation, status)
            : { valid: this.undocumentedError(body), errors: this.undocumentedError.errors };
        if (!valid.valid) this.violations.push(`answer ${status} of ${c.operation.operationId}: ${JSON.stringify(valid.errors)}`);
        return { status, body, headers };
    }

    private limited(c: Context, now: number): Answer | undefined {
        const launch = c.operation.operationId === "launchInstance";
        const wait = Math.max(this.lastRequest + this.requestIntervalMs - now, launch ? this.lastLaunch + this.launchIntervalMs - now : 0);
        if (wait <= 0) return undefined;
        return this.answer(c, 429, errorBody("global/too-many-requests", "Too many requests.", "Slow down."), {
            "retry-after": String(Math.ceil(wait / 1000)),
        });
    }

    /** Bearer <key>, or Basic with the key and a colon, as the document allows. */
    authorized(c: Context): boolean {
        const header = String(c.request.headers.authorization ?? "");
        return header === `Bearer ${this.apiKey}` || header === `Basic ${Buffer.from(`${this.apiKey}:`).toString("base64")}`;
    }

    handle(c: Context, operationId: string, handler: (c: Context) => Answer): Answer {
        const now = Date.now();
        const seen: SeenRequest = {
            operationId,
            method: c.request.method,
            path: c.request.path,
            body: c.request.body,
            authorization: c.request.headers.authorization as string | undefined,
            at: now,
        };
        this.requests.push(seen);
        for (const l of this.listeners) l(seen);
        this.progress();
        const limited = this.limited(c, now);
        this.lastRequest = now;
        if (limited) {
            seen.throttled = true;
            return limited;
        }
        if (operationId === "launchInstance") this.lastLaunch = now;
        const fault = this.faults.get(operationId)?.shift();
        if (fault && !fault.afterActing) return this.faultAnswer(c, fault);
        const answer = handler(c);
        return fault ? this.faultAnswer(c, fault) : answer;
    }

    private faultAnswer(c: Context, fault: Fault): Answer {
        if (fault.drop) return { status: 0, body: undefined, drop: true };
        const body = errorBody(fault.code, fault.message ?? "Injected fault.", "Try again later.");
        return this.answer(c, fault.status, body, fault.retryAfter === undefined ? undefined : { "retry-after": fault.retryAfter });
    }

    /** Terminating instances finish after releasePolls requests and let go of their rulesets. */
    private progress(): void {
        for (const i of this.instances.values()) {
            if (i.status !== "terminating") continue;
            const n = (this.polls.get(i.id) ?? 0) + 1;
            this.polls.set(i.id, n);
            if (n > this.releasePolls) {
                this.instances.delete(i.id);
                for (const r of this.rulesets.values()) r.instance_ids = r.instance_ids.filter((id) => id !== i.id);
            }
        }
    }

    /** A GET of a booting instance: active with addresses after bootPolls of them. */
    boot(i: Instance): void {
        if (i.status !== "booting") return;
        const n = (this.polls.get(i.id) ?? 0) + 1;
        this.polls.set(i.id, n);
        if (n > this.bootPolls)
            Object.assign(i, { status: "active", ip: `198.51.100.${Number(i.id.slice(-4))}`, private_ip: `10.0.2.${Number(i.id.slice(-4))}` });
    }

    newId(prefix: string): string {
        return `${prefix}${String(this.nextId++).padStart(28, "0")}`;
    }

    ok(c: Context, data: unknown): Answer {
        return this.answer(c, 200, { data });
    }

    error(c: Context, status: number, code: string, message: string, suggestion?: string): Answer {
        return this.answer(c, status, { error: { code, message, ...(suggestion ? { suggestion } : {}) } });
    }
}

const REGION_DESCRIPTIONS: Record<string, string> = { "us-east-1": "Virginia, USA", "us-east-3": "Washington DC, USA", "us-west-1": "California, USA" };
const region = (name: string): Schemas["Region"] => ({ name: name as Schemas["Region"]["name"], description: REGION_DESCRIPTIONS[name] ?? name });
const available = { available: true };
const actions = (): Instance["actions"] => ({ migrate: available, rebuild: available, restart: available, cold_reboot: available, terminate: available });

function instanceType(name: string): Schemas["InstanceType"] {
    const t = INSTANCE_TYPES[name];
    return {
        name,
        description: `${t.gpus}x ${t.gpuModel ?? "CPU"}`,
        gpu_description: t.gpuModel ?? "none",
        price_cents_per_hour: API_PRICE_CENTS(name),
        specs: { vcpus: t.vcpus, memory_gib: t.memoryGib, storage_gib: 512, gpus: t.gpus },
    };
}

/** What the API refuses a launch for: not exactly one SSH key that exists, a ruleset of another region, no capacity. */
function launchRefusal(api: LambdaApi, c: Context, body: Schemas["InstanceLaunchRequest"]): Answer | undefined {
    if (body.ssh_key_names.length !== 1) return api.error(c, 400, "global/invalid-parameters", "Exactly one SSH key must be specified.");
    if (!api.sshKeys.some((k) => k.name === body.ssh_key_names[0]))
        return api.error(c, 404, "global/object-does-not-exist", "ssh key not found", "Check the SSH key name.");
    const rulesets = (body.firewall_rulesets ?? []).map((r) => api.rulesets.get(r.id));
    if (rulesets.some((r) => !r || r.region.name !== body.region_name))
        return api.error(c, 400, "global/invalid-parameters", `Every firewall ruleset must exist in region ${body.region_name}.`);
    if (!(api.capacity[body.region_name] ?? []).includes(body.instance_type_name))
        return api.error(c, 400, "instance-operations/launch/insufficient-capacity", "Not enough capacity to fulfill launch request.");
    return undefined;
}

/** Launch as the document describes it: the instance boots with its name, hostname, tags and rulesets. */
function launch(api: LambdaApi, c: Context): Answer {
    const body = c.request.body as Schemas["InstanceLaunchRequest"];
    const refused = launchRefusal(api, c, body);
    if (refused) return refused;
    const rulesets = (body.firewall_rulesets ?? []).map((r) => api.rulesets.get(r.id)!);
    const id = api.newId("i");
    api.instances.set(id, {
        id,
        name: body.name,
        hostname: body.hostname,
        status: "booting",
        ssh_key_names: body.ssh_key_names,
        file_system_names: body.file_system_names ?? [],
        region: region(body.region_name),
        instance_type: instanceType(body.instance_type_name),
        actions: actions(),
        tags: body.tags ?? [],
        firewall_rulesets: body.firewall_rulesets ?? [],
    });
    for (const r of rulesets) r.instance_ids.push(id);
    return api.ok(c, { instance_ids: [id] });
}

function instanceOperations(api: LambdaApi): Record<string, (c: Context) => Answer> {
    const instanceOf = (c: Context) => api.instances.get(String(c.request.params.id));
    const missingInstance = (c: Context) => api.error(c, 404, "global/object-does-not-exist", "Specified instance does not exist.");
    const rulesetOf = (c: Context) => api.rulesets.get(String(c.request.params.id));
    const missingRuleset = (c: Context) =>
        api.error(c, 404, "global/object-does-not-exist", "Firewall ruleset does not exist.", "Check your firewall ruleset ID and try again.");
    return {
        listInstanceTypes: (c) =>
            api.ok(
                c,
                Object.fromEntries(
                    Object.keys(INSTANCE_TYPES).map((name) => [
                        name,
                        {
                            instance_type: instanceType(name),
                            regions_with_capacity_available: Object.keys(api.capacity)
                                .filter((r) => api.capacity[r].includes(name))
                                .map(region),
                        },
                    ]),
                ),
            ),
        launchInstance: (c) => launch(api, c),
        listInstances: (c) => api.ok(c, [...api.instances.values()]),
        getInstance: (c) => {
            const i = instanceOf(c);
            if (!i) return missingInstance(c);
            api.boot(i);
            return api.ok(c, i);
        },
        postInstance: (c) => {
            const i = instanceOf(c);
            if (!i) return missingInstance(c);
            i.name = (c.request.body as Schemas["InstanceModificationRequest"]).name;
            return api.ok(c, i);
        },
        terminateInstance: (c) => {
            const ids = (c.request.body as Schemas["InstanceTerminateRequest"]).instance_ids;
            const found = ids.map((id) => api.instances.get(id));
            if (found.some((i) => !i)) return missingInstance(c);
            for (const i of found) i!.status = "terminating";
            return api.ok(c, { terminated_instances: found });
        },
        listSSHKeys: (c) => api.ok(c, api.sshKeys),
        addSSHKey: (c) => {
            const body = c.request.body as Schemas["AddSSHKeyRequest"];
            if (api.sshKeys.some((k) => k.name === body.name)) return api.error(c, 400, "global/invalid-parameters", "An SSH key of this name exists.");
            const key = { id: api.newId("k"), name: body.name, public_key: body.public_key ?? "" };
            api.sshKeys.push(key);
            return api.ok(c, key);
        },
        deleteSSHKey: (c) => {
            const index = api.sshKeys.findIndex((k) => k.id === c.request.params.id);
            if (index < 0) return api.error(c, 400, "global/invalid-parameters", "SSH key not found.");
            api.sshKeys.splice(index, 1);
            return api.ok(c, {});
        },
        firewallRulesetsList: (c) => api.ok(c, [...api.rulesets.values()]),
        createFirewallRuleset: (c) => {
            const body = c.request.body as Schemas["FirewallRulesetCreateRequest"];
            if ([...api.rulesets.values()].some((r) => r.name === body.name && r.region.name === body.region))
                return api.error(c, 409, "global/duplicate", "A firewall ruleset of this name exists in the region.");
            const ruleset: Ruleset = {
                id: api.newId("r"),
                name: body.name,
                region: region(body.region),
                rules: body.rules,
                created: new Date().toISOString(),
                instance_ids: [],
            };
            api.rulesets.set(ruleset.id, ruleset);
            return api.ok(c, ruleset);
        },
        getFirewallRuleset: (c) => {
            const r = rulesetOf(c);
            return r ? api.ok(c, r) : missingRuleset(c);
        },
        updateFirewallRuleset: (c) => {
            const r = rulesetOf(c);
            if (!r) return missingRuleset(c);
            const body = c.request.body as Schemas["FirewallRulesetPatchRequest"];
            if (body.rules) r.rules = body.rules;
            if (body.name) r.name = body.name;
            return api.ok(c, r);
        },
        deleteFirewallRuleset: (c) => {
            const r = rulesetOf(c);
            if (!r) return missingRuleset(c);
            if (r.instance_ids.length > 0)
                return api.error(
                    c,
                    400,
                    "firewall-rulesets/firewall-ruleset-in-use",
                    "Firewall ruleset is in use by one or more instances.",
                    "Terminate all instances that are using the ruleset before deleting it.",
                );
            api.rulesets.delete(r.id);
            return api.ok(c, {});
        },
        // The account-wide list: served as documented so that a request to it is seen (and fails the test that forbids it).
        firewallRulesList: (c) => api.ok(c, []),
        firewallRulesSet: (c) => api.ok(c, (c.request.body as Schemas["FirewallRulesPutRequest"]).data),
    };
}

export async function startLambdaApi(options?: LambdaApiOptions): Promise<LambdaApi> {
    return new LambdaApi(options).start();
}

/** Limits a hundred times shorter than the documented ones for the server, and the client's pacing with its margin over them. */
export const FAST_LIMITS = { requestIntervalMs: 10, launchIntervalMs: 120 };
export const FAST = { requestIntervalMs: 50, launchIntervalMs: 250 };

export function machineOf(api: LambdaApi, rulesetId: string, over: Partial<MachineInputs> = {}): MachineInputs {
    return {
        apiUrl: api.url,
        apiKey: api.apiKey,
        pacing: FAST,
        name: "dev-gpu-0",
        hostname: "dev-gpu-0",
        tags: { "sophia-clusters:stack": "dev", "sophia-clusters:machine": "dev-gpu-0" },
        instanceType: "gpu_1x_a10",
        region: "us-east-1",
        sshKeyName: "sophia-dev",
        fileSystemNames: [],
        firewallRulesetIds: [rulesetId],
        bootTimeoutSeconds: 5,
        pollSeconds: 0.01,
        ...over,
    };
}

export function rulesetOf(api: LambdaApi, over: Partial<RulesetInputs> = {}): RulesetInputs {
    return {
        apiUrl: api.url,
        apiKey: api.apiKey,
        pacing: FAST,
        name: "sophia-dev-us-east-1",
        region: "us-east-1",
        initialRules: [{ protocol: "tcp", port_range: [22, 22], source_network: "203.0.113.0/24", description: "SSH from the admin ranges" }],
        releaseTimeoutSeconds: 5,
        pollSeconds: 0.01,
        ...over,
    };
}

/** What every test ends with: nothing the document forbids, and the account-wide firewall list untouched. */
export function expectContractKept(api: LambdaApi): void {
    expect(api.violations, "requests and answers outside the published document").to.deep.equal([]);
    expect([...api.seen("firewallRulesList"), ...api.seen("firewallRulesSet")], "the account-wide /firewall-rules list").to.deep.equal([]);
}
