// What the Lambda client says when the answer is not the API's: a proxy's HTML page, an error body
// without a message, no server at all. The message must name the call and what came back.
import { expect } from "chai";
import * as http from "http";
import type { AddressInfo } from "net";
import { lambdaRequest } from "../../clusters/lambda/client";

const FAST = { requestIntervalMs: 1, launchIntervalMs: 1 };

/** A server on 127.0.0.1 answering every request with `status` and `body`; resolves to its URL and a closer. */
async function answering(status: number, body: string, type = "text/html"): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((_req, res) => res.writeHead(status, { "content-type": type }).end(body));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the Lambda client's errors for answers that are not the API's", () => {
    it("quotes the start of a proxy's HTML page, with the status as its code", async () => {
        const page = `<html><body>${"Forbidden by the corporate proxy. ".repeat(20)}</body></html>`;
        const server = await answering(403, page);
        try {
            const error = await lambdaRequest({ apiUrl: server.url, apiKey: "k", pacing: FAST }, "GET", "/instances").catch(
                (e: Error & { status: number; code: string }) => e,
            );
            expect(error).to.be.instanceOf(Error);
            const { message, status, code } = error as Error & { status: number; code: string };
            expect({ status, code }).to.deep.equal({ status: 403, code: "http-403" });
            expect(message).to.equal(`Lambda Cloud API GET /instances failed with 403 http-403: ${page.slice(0, 200)}`);
        } finally {
            await server.close();
        }
    });

    it("says there was no message when a JSON error has none, and adds the suggestion when there is one", async () => {
        const bare = await answering(400, JSON.stringify({ error: { code: "global/invalid-parameters" } }), "application/json");
        const advised = await answering(
            400,
            JSON.stringify({ error: { code: "global/invalid-parameters", message: "Bad name.", suggestion: "Use letters." } }),
            "application/json",
        );
        try {
            const conn = (url: string) => ({ apiUrl: url, apiKey: "k", pacing: FAST });
            expect(await lambdaRequest(conn(bare.url), "GET", "/ssh-keys").catch((e: Error) => e.message)).to.equal(
                "Lambda Cloud API GET /ssh-keys failed with 400 global/invalid-parameters: no message",
            );
            expect(await lambdaRequest(conn(advised.url), "GET", "/ssh-keys").catch((e: Error) => e.message)).to.equal(
                "Lambda Cloud API GET /ssh-keys failed with 400 global/invalid-parameters: Bad name. (Use letters.)",
            );
        } finally {
            await bare.close();
            await advised.close();
        }
    });
});
