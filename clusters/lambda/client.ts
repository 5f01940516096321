// One call to the Lambda Cloud API (clusters/lambda/openapi-1.8.3.json): Bearer authentication,
// JSON both ways, the documented rate limits kept before each request, bounded backoff on 429,
// and redirects refused so that the key never reaches another host. Pulumi serializes the dynamic
// providers' code into the state and runs it in the engine's process: nothing here imports at run
// time or keeps state in the module; the pacing schedule lives on globalThis so every resource of
// one engine process shares it.
import type { components } from "./api";

export type Schemas = components["schemas"];

/** The published base URL (the document's production server plus /api/v1). */
export const LAMBDA_API_URL = "https://cloud.lambda.ai/api/v1";

export interface Pacing {
    /** Least time between two requests of any kind: the documented limit is about one a second. */
    readonly requestIntervalMs: number;
    /** Least time between two launches: the documented limit is one per 12 seconds (five a minute). */
    readonly launchIntervalMs: number;
}

/** The documented limits and a margin over them, so that two requests never arrive closer than the limit allows. */
export const DOCUMENTED_LIMITS: Pacing = { requestIntervalMs: 1000, launchIntervalMs: 12_000 };
export const DOCUMENTED_PACING: Pacing = { requestIntervalMs: 1100, launchIntervalMs: 12_500 };

export interface LambdaConnection {
    /** Base URL, e.g. https://cloud.lambda.ai/api/v1. */
    readonly apiUrl: string;
    readonly apiKey: string;
    /** The rate limits to keep; the documented ones when absent. */
    readonly pacing?: Pacing;
}

export type LambdaError = Error & { status: number; code: string };

export const INSUFFICIENT_CAPACITY = "instance-operations/launch/insufficient-capacity";
export const NOT_FOUND = "global/object-does-not-exist";
export const INVALID_PARAMETERS = "global/invalid-parameters";
export const RULESET_IN_USE = "firewall-rulesets/firewall-ruleset-in-use";
export const REDIRECT_REFUSED = "client/redirect-refused";
export const NOT_JSON = "client/answer-not-json";
/** Upstream outages and quota: the document says to retry these with backoff. */
export const isProviderError = (error: unknown): boolean => String((error as LambdaError).code ?? "").startsWith("provider/");
/** The API's own "does not exist" (every 404 of the document carries it); a bare 404 (a wrong base URL, a proxy) says nothing about the object. */
export const isNotFound = (error: unknown): boolean => (error as LambdaError).code === NOT_FOUND;

/** Attempts per call, the first included. */
export const MAX_ATTEMPTS = 6;
const MAX_DELAY_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** When each bucket (general, launch) of each API URL may send next; shared by every resource of the process. */
function schedule(): Map<string, number> {
    const slot = Symbol.for("sophia.lambda.pacing");
    const holder = globalThis as unknown as Record<symbol, Map<string, number> | undefined>;
    return (holder[slot] ??= new Map<string, number>());
}

/** A rate limit: calls of one kind to one API URL, at least intervalMs apart. */
interface Bucket {
    readonly key: string;
    readonly intervalMs: number;
}

/** Waits for a time every bucket allows and books it in all of them at once (a launch counts as a request too). */
async function takeSlot(buckets: readonly Bucket[]): Promise<void> {
    const slots = schedule();
    const now = Date.now();
    const at = Math.max(now, ...buckets.map((b) => slots.get(b.key) ?? 0));
    for (const b of buckets) slots.set(b.key, at + b.intervalMs);
    if (at > now) await sleep(at - now);
}

/** After a 429 nothing of that bucket is sent before the delay is over. */
function holdBucket(key: string, delayMs: number): void {
    const slots = schedule();
    slots.set(key, Math.max(slots.get(key) ?? 0, Date.now() + delayMs));
}

/** Retry-After when given, else exponential from the bucket's own interval: a launch never retries sooner than 12 s. */
export function retryDelayMs(retryAfter: string | null, attempt: number, intervalMs: number): number {
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    const backoff = intervalMs * 2 ** (attempt - 1);
    const told = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
    return Math.min(Math.max(told, backoff, intervalMs), MAX_DELAY_MS);
}

function lambdaError(method: string, path: string, status: number, text: string): LambdaError {
    let doc: { error?: Partial<Schemas["ApiErrorInternal"]> & { code?: string } } = {};
    try {
        doc = JSON.parse(text) as typeof doc;
    } catch {
        // A proxy's HTML page, say: its start is the best message there is (an empty body has none).
        doc = { error: { message: text.slice(0, 200).trim() || undefined } };
    }
    const code = doc.error?.code ?? `http-${status}`;
    const suggestion = doc.error?.suggestion ? ` (${doc.error.suggestion})` : "";
    const error = new Error(`Lambda Cloud API ${method} ${path} failed with ${status} ${code}: ${doc.error?.message || "no message"}${suggestion}`);
    return Object.assign(error, { status, code });
}

/** A successful status whose body is not JSON: something other than the API answered (a portal, a web page at a wrong URL). */
function notJsonError(method: string, path: string, status: number, text: string): LambdaError {
    const error = new Error(
        `Lambda Cloud API ${method} ${path} answered ${status} with a body that is not JSON (it starts "${text.slice(0, 80).trim()}"): ` +
            `something other than the API answered. Check that sophia-clusters:lambdaApiUrl is the published ${LAMBDA_API_URL} (or remove it to use that default).`,
    );
    return Object.assign(error, { status, code: NOT_JSON });
}

function parsedAnswer<T>(method: string, path: string, status: number, text: string): T {
    if (!text) return {} as T;
    try {
        return JSON.parse(text) as T;
    } catch {
        throw notJsonError(method, path, status, text);
    }
}

function redirectError(method: string, path: string, status: number, location: string | null): LambdaError {
    const error = new Error(
        `Lambda Cloud API ${method} ${path} answered ${status} redirecting to ${location ?? "(no location)"}; redirects are refused so the API key ` +
            `never reaches another host. Set sophia-clusters:lambdaApiUrl to the published ${LAMBDA_API_URL} (or remove it to use that default) and run again.`,
    );
    return Object.assign(error, { status, code: REDIRECT_REFUSED });
}

function networkError(method: string, path: string, cause: unknown): LambdaError {
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name ?? "error";
    const error = new Error(`Lambda Cloud API ${method} ${path} could not be reached (${reason})`, { cause });
    return Object.assign(error, { status: 0, code: `network/${reason}` });
}

export interface RequestOptions {
    /** False for a launch: only answers given before the API acted (429) are retried. */
    readonly idempotent?: boolean;
    /** Abandon a request that takes longer (a plan's price lookup must not hang). */
    readonly timeoutMs?: number;
    /** Attempts, the first included (MAX_ATTEMPTS when absent). */
    readonly maxAttempts?: number;
}

/** Whether a failed attempt may be sent again. */
function retryable(error: LambdaError, idempotent: boolean): boolean {
    if (error.status === 429) return true;
    if (!idempotent) return false;
    return error.status >= 500 || error.status === 0 || isProviderError(error);
}

async function attempt(conn: LambdaConnection, method: string, path: string, body: unknown, timeoutMs: number | undefined): Promise<Response> {
    const json: Record<string, string> = body === undefined ? {} : { "Content-Type": "application/json" };
    try {
        return await fetch(`${conn.apiUrl.replace(/\/+$/, "")}${path}`, {
            method,
            headers: { Authorization: `Bearer ${conn.apiKey}`, Accept: "application/json", ...json },
            body: body === undefined ? undefined : JSON.stringify(body),
            redirect: "manual",
            signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
        });
    } catch (cause) {
        throw networkError(method, path, cause);
    }
}

/** One attempt: the parsed answer, or the error it ended with (a 429 holds the bucket back first). */
async function sendOnce<T>(
    conn: LambdaConnection,
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
    hold: (retryAfter: string | null) => void,
): Promise<{ value: T } | { error: LambdaError }> {
    try {
        const response = await attempt(conn, method, path, body, options.timeoutMs);
        if (response.status >= 300 && response.status < 400) throw redirectError(method, path, response.status, response.headers.get("location"));
        const text = await response.text();
        if (response.ok) return { value: parsedAnswer<T>(method, path, response.status, text) };
        if (response.status === 429) hold(response.headers.get("retry-after"));
        return { error: lambdaError(method, path, response.status, text) };
    } catch (thrown) {
        if ((thrown as LambdaError).code === REDIRECT_REFUSED || (thrown as LambdaError).status === undefined) throw thrown;
        return { error: thrown as LambdaError };
    }
}

/** The limits a call keeps: every call the general one; a launch its own as well. */
function bucketsOf(conn: LambdaConnection, path: string): { general: Bucket; own: Bucket } {
    const pacing = conn.pacing ?? DOCUMENTED_PACING;
    const general = { key: `${conn.apiUrl} request`, intervalMs: pacing.requestIntervalMs };
    if (path !== "/instance-operations/launch") return { general, own: general };
    return { general, own: { key: `${conn.apiUrl} launch`, intervalMs: pacing.launchIntervalMs } };
}

/** One API call, paced and retried as the document asks; returns the parsed JSON answer. */
export async function lambdaRequest<T>(conn: LambdaConnection, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const { general, own } = bucketsOf(conn, path);
    const attempts = options.maxAttempts ?? MAX_ATTEMPTS;
    for (let n = 1; ; n++) {
        await takeSlot(own === general ? [general] : [general, own]);
        const result = await sendOnce<T>(conn, method, path, body, options, (retryAfter) => holdBucket(own.key, retryDelayMs(retryAfter, n, own.intervalMs)));
        if ("value" in result) return result.value;
        if (!retryable(result.error, options.idempotent ?? true) || n >= attempts) throw result.error;
        if (result.error.status !== 429) await sleep(retryDelayMs(null, n, own.intervalMs));
    }
}
