/**
 * An MCP server that speaks only stdio, as many published servers do, written with the official
 * TypeScript SDK (`McpServer`, `StdioServerTransport`). The platform runs such a server behind the
 * stdio bridge (images/stdio-bridge), which starts it once per MCP session; in an image built FROM
 * the bridge's, its catalog entry says `transport: stdio` and `command: [node, /app/server.js]`.
 *
 * Tools: `echo` (returns its text), `whoami` (the process answering: one per session),
 * `count` (a progress notification every `intervalMs` for `steps` steps, then the total).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

function stdioServer(name: string): McpServer {
    const server = new McpServer({ name, version: "1.0.0" });
    server.registerTool("echo", { description: "Returns its text", inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: "text", text }],
    }));
    server.registerTool("whoami", { description: "The process that answers: the bridge starts one per session" }, () => ({
        content: [{ type: "text", text: JSON.stringify({ sdk: "typescript", transport: "stdio", pid: process.pid }) }],
    }));
    server.registerTool(
        "count",
        {
            description: "Sends a progress notification every intervalMs for steps steps, then answers",
            inputSchema: { steps: z.number().int().min(1).max(60), intervalMs: z.number().int().min(10).max(5000).default(1000) },
        },
        async ({ steps, intervalMs }, extra) => {
            for (let step = 1; step <= steps; step++) {
                await new Promise((resolve) => setTimeout(resolve, intervalMs));
                const progressToken = extra._meta?.progressToken;
                if (progressToken !== undefined)
                    await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: step, total: steps } });
            }
            return { content: [{ type: "text", text: `counted ${steps} steps` }] };
        },
    );
    return server;
}

if (require.main === module) {
    // stdout carries the protocol; the SDK's transport owns it. The server ends when stdin closes.
    stdioServer(process.env.OTEL_SERVICE_NAME ?? "stdio-sdk-server")
        .connect(new StdioServerTransport())
        .catch((error: Error) => {
            process.stderr.write(`cannot start: ${error.message}\n`);
            process.exit(1);
        });
}
