// Checks of an MCP server's Streamable HTTP behaviour that every test server passes the same way,
// whatever stands in front of it (an SDK's own transport, the stdio bridge, the edge).
import { expect } from "chai";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { mcpClient, McpReach } from "../../commands/release/mcpClient";

const text = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;

/** The `count` tool's four progress notifications, a second apart, arrive as sent: the first long before the tool ends. */
export async function expectProgressAsSent(url: string, reach: McpReach): Promise<void> {
    const { client, transport, close } = mcpClient(url, reach);
    try {
        await client.connect(transport);
        const started = Date.now();
        const arrivals: { progress: number; at: number }[] = [];
        const steps = 4;
        const result = await client.callTool({ name: "count", arguments: { steps, intervalMs: 1000 } }, undefined, {
            onprogress: (p) => arrivals.push({ progress: p.progress, at: Date.now() - started }),
        });
        const ended = Date.now() - started;
        expect(text(result)).to.equal(`counted ${steps} steps`);
        expect(arrivals.map((a) => a.progress)).to.deep.equal([1, 2, 3, 4]);
        // Buffered anywhere on the way (bridge, gateway, edge), all four would arrive together at the end.
        expect(arrivals[0].at, `first at ${arrivals[0].at} ms, the tool ended at ${ended} ms`).to.be.below(ended - 2000);
        // Sent a second apart, they arrive spread over the tool's run (a loaded machine may bunch two of them).
        expect(arrivals[3].at - arrivals[0].at, "spread over the run").to.be.above(1500);
    } finally {
        await close();
    }
}

/** A session ended with DELETE is unknown afterwards: its id gets the spec's 404. */
export async function expectDeletedSessionUnknown(url: string, reach: McpReach): Promise<void> {
    const first = mcpClient(url, reach);
    let sessionId: string | undefined;
    try {
        await first.client.connect(first.transport);
        sessionId = first.transport.sessionId;
        await first.transport.terminateSession();
    } finally {
        await first.close();
    }
    const resumed = mcpClient(url, reach, sessionId);
    try {
        await resumed.client.connect(resumed.transport);
        const failure = await resumed.client.listTools().then(
            () => undefined,
            (error: unknown) => error,
        );
        expect(failure).to.be.instanceOf(StreamableHTTPError);
        expect((failure as StreamableHTTPError).code).to.equal(404);
    } finally {
        await resumed.close();
    }
}
