// The release commands' MCP client: the official SDK's Client over its Streamable HTTP transport, so
// that verify speaks MCP as real clients do (SSE or JSON replies, sessions, DELETE at the end). Its
// requests go through undici with the same reach as http.ts: an address to connect to instead of the
// URL's host (SNI and Host kept), an extra CA, and a bound on the connection and every request.
import * as tls from "tls";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { Agent, buildConnector, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";

export interface McpReach {
    /** Bearer token sent in Authorization; none for an anonymous request. */
    readonly token?: string;
    /** host:port to connect to instead of resolving the URL's host. */
    readonly connectTo?: { readonly host: string; readonly port: number };
    /** PEM certificates trusted besides the system's. */
    readonly ca?: string;
    readonly timeoutMs: number;
}

/** What an MCP server told the client in its session. */
export interface McpGreeting {
    readonly serverName: string;
    readonly protocolVersion?: string;
    /** Names of its tools when it offers tools, else undefined. */
    readonly tools?: readonly string[];
}

/** An MCP exchange that failed: `status` is the HTTP status when the server or the edge answered one. */
export class McpFailure extends Error {
    constructor(
        message: string,
        readonly status?: number,
    ) {
        super(message);
    }
}

/** A fetch that connects where `reach` says and trusts its CA; the SDK's transport calls it for every request. */
function reachingFetch(reach: McpReach): { fetch: FetchLike; agent: Agent } {
    const connector = buildConnector({ timeout: reach.timeoutMs, ...(reach.ca ? { ca: [...tls.rootCertificates, reach.ca] } : {}) });
    const to = reach.connectTo;
    const agent = new Agent({
        connect: to
            ? (options, callback) =>
                  connector({ ...options, servername: options.servername ?? options.hostname, hostname: to.host, port: String(to.port) }, callback)
            : connector,
        headersTimeout: reach.timeoutMs,
    });
    // undici's own fetch, so that its Agent applies; its types are undici's, the transport's Node's.
    const fetch: FetchLike = (url, init) => undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: agent });
    return { fetch, agent };
}

/** Node's and undici's network error codes, as the reason a check reports. */
const NETWORK_REASONS: Record<string, (where: string, reach: McpReach) => string> = {
    ECONNREFUSED: (where) => `connection to ${where} refused`,
    ENOTFOUND: (where) => `${where} does not resolve`,
    EAI_AGAIN: (where) => `${where} does not resolve`,
    UND_ERR_CONNECT_TIMEOUT: (_where, reach) => `no answer within ${reach.timeoutMs / 1000} s`,
    UND_ERR_HEADERS_TIMEOUT: (_where, reach) => `no answer within ${reach.timeoutMs / 1000} s`,
};

/** A JSON-RPC error's message without the SDK's "MCP error <code>: " prefixes. */
const rpcMessage = (error: McpError): string => error.message.replace(/^(MCP error -?\d+: )+/, "");

/** The reason of a JSON-RPC error: the timeout the SDK's client gave up at, or what the server answered. */
function rpcFailure(error: McpError, reach: McpReach): McpFailure {
    if (error.code === (ErrorCode.RequestTimeout as number)) return new McpFailure(`no answer within ${reach.timeoutMs / 1000} s`);
    return new McpFailure(`the server answered with error ${error.code}: ${rpcMessage(error)}`);
}

/** The reason of a request that got no HTTP answer: the network failure by its code, else its message. */
function networkFailure(error: Error & { cause?: { code?: string; message?: string } }, reach: McpReach, host: string): McpFailure {
    const where = reach.connectTo ? `${reach.connectTo.host}:${reach.connectTo.port}` : host;
    const known = NETWORK_REASONS[error.cause?.code ?? ""];
    return new McpFailure(known ? known(where, reach) : (error.cause?.message ?? error.message));
}

/** The reason as one line (`host` is the URL's, named when the connection failed): the HTTP status and what the server said, the JSON-RPC error, or the network failure. */
export function failureOf(error: unknown, reach: McpReach, host: string): McpFailure {
    if (error instanceof McpFailure) return error;
    if (error instanceof StreamableHTTPError && (error.code ?? 0) > 0)
        return new McpFailure(`${error.code} ${error.message.replace(/^Streamable HTTP error: /, "").slice(0, 160)}`, error.code);
    if (error instanceof McpError) return rpcFailure(error, reach);
    return networkFailure(error as Error & { cause?: { code?: string; message?: string } }, reach, host);
}

/**
 * An SDK client and its transport to `url` with `reach`, not yet connected (given a `sessionId`, it
 * resumes that session instead of initializing); `close` ends both and the connections.
 */
export function mcpClient(
    url: string,
    reach: McpReach,
    sessionId?: string,
): { client: Client; transport: StreamableHTTPClientTransport; close: () => Promise<void> } {
    const { fetch, agent } = reachingFetch(reach);
    const transport = new StreamableHTTPClientTransport(new URL(url), {
        fetch,
        sessionId,
        requestInit: reach.token ? { headers: { authorization: `Bearer ${reach.token}` } } : undefined,
        // One attempt: a check reports what it saw rather than retrying a broken stream.
        reconnectionOptions: { maxReconnectionDelay: 1000, initialReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1, maxRetries: 0 },
    });
    const client = new Client({ name: "sophia-verify", version: "1.0.0" });
    const close = async (): Promise<void> => {
        await client.close().catch(() => undefined);
        await agent.destroy().catch(() => undefined);
    };
    return { client, transport, close };
}

/**
 * Opens an MCP session at `url`, initializes, lists the tools when the server offers them, and ends
 * the session (DELETE). Rejects with an McpFailure naming the reason.
 */
export async function greet(url: string, reach: McpReach): Promise<McpGreeting> {
    const { client, transport, close } = mcpClient(url, reach);
    const options = { timeout: reach.timeoutMs, maxTotalTimeout: reach.timeoutMs };
    try {
        await client.connect(transport, options);
        const server = client.getServerVersion();
        const tools = client.getServerCapabilities()?.tools ? (await client.listTools(undefined, options)).tools.map((t) => t.name) : undefined;
        await transport.terminateSession();
        return { serverName: server?.name ?? "?", protocolVersion: transport.protocolVersion, tools };
    } catch (error) {
        throw failureOf(error, reach, new URL(url).host);
    } finally {
        await close();
    }
}
