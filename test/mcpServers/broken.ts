// Broken MCP servers for the checks that must fail: one built with the official SDK whose initialize
// answers a JSON-RPC error, and one that accepts a request and never answers.
import { randomUUID } from "crypto";
import * as http from "http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ErrorCode, InitializeRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";

export interface Listening {
    readonly port: number;
    close(): Promise<void>;
}

function listening(server: http.Server, port: number, stop: () => Promise<void> = () => Promise.resolve()): Promise<Listening> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () =>
            resolve({
                port: (server.address() as { port: number }).port,
                close: async () => {
                    await stop();
                    server.closeAllConnections();
                    await new Promise((done) => server.close(done));
                },
            }),
        );
    });
}

/** The SDK's server and transport, with an initialize handler that refuses every client with `message`. */
export function startRefusingServer(port: number, message: string): Promise<Listening> {
    const transports: StreamableHTTPServerTransport[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
            const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
            transports.push(transport);
            const mcp = new Server({ name: "refusing", version: "1.0.0" }, { capabilities: {} });
            mcp.setRequestHandler(InitializeRequestSchema, () => {
                throw new McpError(ErrorCode.InvalidRequest, message);
            });
            void mcp.connect(transport).then(() => transport.handleRequest(req, res, body ? (JSON.parse(body) as unknown) : undefined));
        });
    });
    return listening(server, port, async () => void (await Promise.all(transports.map((t) => t.close()))));
}

/** Reads every request and never answers it: the check must give up at its timeout. */
export function startSilentServer(port: number): Promise<Listening> {
    return listening(
        http.createServer((req) => req.resume()),
        port,
    );
}
