// What the Lambda client says when the answer is not the API's: a proxy's HTML page, an error body
// without a message, no server at all. The message must name the call and what came back.
import { expect } from "chai";
import * as http from "http";
import type { AddressInfo } from "net";
import { LAMBDA_API_URL, lambdaRequest, MAX_ATTEMPTS, NOT_JSON, retryDelayMs } from "../../clusters/lambda/client";
import { machineProvider } from "../../clusters/lambda/provider";
import { rulesetProvider } from "../../clusters/lambda/rulesets";

const FAST = { requestIntervalMs: 1, launchIntervalMs: 1 };

interface Served {
    url: string;
    /** The path and arrival time of every request, in order. */
    seen: { path: string; at: number }[];
    close: () => Promise<void>;
}

/** A server on 127.0.0.1 whose `handle` answers the n-th request (from 1); resolves to its URL, what it saw and a closer. */
async function serving(handle: (res: http.ServerResponse, n: number) => void): Promise<Served> {
    const seen: Served["seen"] = [];
    const server = http.createServer((req, res) => {
        seen.push({ path: req.url ?? "", at: Date.now() });
        handle(res, seen.length);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    return {
        url,
        seen,
        close: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A server answering every request with `status` and `body`. */
const answering = (status: number, body: string, type = "text/html"): Promise<Served> =>
    serving((res) => res.writeHead(status, { "content-type": type }).end(body));

const LIST = JSON.stringify({ data: [] });
const conn = (url: string, pacing = FAST) => ({ apiUrl: url, apiKey: "secret_key_never_shown", pacing });

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

    it("retries a 5xx whose body is not the API's error object, then names its status and says there was no message", async () => {
        const server = await answering(500, JSON.stringify({ message: "Internal Server Error" }), "application/json");
        try {
            const error = (await lambdaRequest(conn(server.url), "GET", "/instances").catch((e: Error) => e)) as Error & { status: number; code: string };
            expect(error.message).to.equal("Lambda Cloud API GET /instances failed with 500 http-500: no message");
            expect({ status: error.status, code: error.code }).to.deep.equal({ status: 500, code: "http-500" });
            expect(server.seen, "every attempt").to.have.length(MAX_ATTEMPTS);
        } finally {
            await server.close();
        }
    });

    it("says there was no message when an error's body is empty", async () => {
        const server = await answering(502, "");
        try {
            const error = (await lambdaRequest(conn(server.url), "DELETE", "/ssh-keys/k1", undefined, { maxAttempts: 1 }).catch((e: Error) => e)) as Error & {
                code: string;
            };
            expect(error.message).to.equal("Lambda Cloud API DELETE /ssh-keys/k1 failed with 502 http-502: no message");
            expect(error.code).to.equal("http-502");
        } finally {
            await server.close();
        }
    });

    it("names the call, the start of the body and the URL setting when a successful answer is not JSON, and sends it once", async () => {
        const page = "<html><body>Welcome to the hotel network. Accept the terms to continue.</body></html>";
        const server = await answering(200, page);
        try {
            const error = (await lambdaRequest(conn(server.url), "GET", "/instances").catch((e: Error) => e)) as Error & { status: number; code: string };
            expect(error).to.be.instanceOf(Error);
            expect(error.message).to.equal(
                `Lambda Cloud API GET /instances answered 200 with a body that is not JSON (it starts "${page.slice(0, 80)}"): something other than the API answered. ` +
                    `Check that sophia-clusters:lambdaApiUrl is the published ${LAMBDA_API_URL} (or remove it to use that default).`,
            );
            expect({ status: error.status, code: error.code }).to.deep.equal({ status: 200, code: NOT_JSON });
            expect(server.seen, "a read the API may not have seen is not sent again").to.have.length(1);
        } finally {
            await server.close();
        }
    });

    it("takes an empty successful answer (204) as done", async () => {
        const server = await serving((res) => res.writeHead(204).end());
        try {
            expect(await lambdaRequest(conn(server.url), "DELETE", "/ssh-keys/k1")).to.deep.equal({});
        } finally {
            await server.close();
        }
    });

    it("reaches the API under a base URL written with a trailing slash", async () => {
        const server = await answering(200, LIST, "application/json");
        try {
            await lambdaRequest(conn(`${server.url}/`), "GET", "/instances");
            await lambdaRequest(conn(`${server.url}//`), "GET", "/instances");
            expect(server.seen.map((r) => r.path)).to.deep.equal(["/api/v1/instances", "/api/v1/instances"]);
        } finally {
            await server.close();
        }
    });

    it("does not take a 404 from something other than the API (a wrong base URL) for a machine or ruleset that is gone", async () => {
        // Every 404 of the document carries global/object-does-not-exist; a bare one must not make a
        // refresh or a destroy forget a machine that may still run (and bill).
        const server = await answering(404, "<html><body>Not Found</body></html>");
        try {
            const props = { apiUrl: server.url, apiKey: "secret_key_never_shown", pacing: FAST } as Parameters<typeof machineProvider.read>[1];
            expect(await machineProvider.read("i-1", props).catch((e: Error) => e.message)).to.match(
                /^Lambda Cloud API GET \/instances\/i-1 failed with 404 http-404/,
            );
            expect(await machineProvider.delete("i-1", props).catch((e: Error) => e.message)).to.match(
                /instance-operations\/terminate failed with 404 http-404/,
            );
            const ruleset = { ...props, name: "sophia-dev-us-east-1", region: "us-east-1", initialRules: [], releaseTimeoutSeconds: 1, pollSeconds: 0.01 };
            expect(await rulesetProvider.read("r-1", ruleset).catch((e: Error) => e.message)).to.match(/failed with 404 http-404/);
            expect(await rulesetProvider.delete("r-1", ruleset).catch((e: Error) => e.message)).to.match(/failed with 404 http-404/);
        } finally {
            await server.close();
        }
    });
});

describe("the Lambda client when the network fails, and its backoff", () => {
    it("sends a read again after a dropped connection", async () => {
        const server = await serving((res, n) => (n <= 2 ? res.destroy() : res.writeHead(200, { "content-type": "application/json" }).end(LIST)));
        try {
            expect(await lambdaRequest(conn(server.url), "GET", "/instances")).to.deep.equal({ data: [] });
            expect(server.seen).to.have.length(3);
        } finally {
            await server.close();
        }
    });

    it("names the call and the reason when no server answers, with status 0, and never the key", async () => {
        const server = await answering(200, LIST, "application/json");
        await server.close();
        const error = (await lambdaRequest(conn(server.url), "GET", "/instances").catch((e: Error) => e)) as Error & { status: number; code: string };
        expect(error.message).to.equal("Lambda Cloud API GET /instances could not be reached (ECONNREFUSED)");
        expect({ status: error.status, code: error.code }).to.deep.equal({ status: 0, code: "network/ECONNREFUSED" });
        expect(error.message).to.not.include("secret_key_never_shown");
    });

    it("abandons an answer slower than the timeout, once when one attempt is asked for", async () => {
        const server = await serving((res) => setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(LIST), 3000));
        try {
            const started = Date.now();
            const message = await lambdaRequest(conn(server.url), "GET", "/instance-types", undefined, { timeoutMs: 200, maxAttempts: 1 }).catch(
                (e: Error) => e.message,
            );
            expect(message).to.equal("Lambda Cloud API GET /instance-types could not be reached (TimeoutError)");
            expect(Date.now() - started).to.be.below(2000);
            expect(server.seen).to.have.length(1);
        } finally {
            await server.close();
        }
    });

    it("sends nothing of a throttled kind before the Retry-After the API gives", async () => {
        const server = await serving((res, n) =>
            n === 1
                ? res
                      .writeHead(429, { "content-type": "application/json", "retry-after": "1" })
                      .end(JSON.stringify({ error: { code: "global/too-many-requests", message: "Slow down." } }))
                : res.writeHead(200, { "content-type": "application/json" }).end(LIST),
        );
        try {
            await lambdaRequest(conn(server.url), "GET", "/instances");
            expect(server.seen).to.have.length(2);
            expect(server.seen[1].at - server.seen[0].at).to.be.at.least(1000);
        } finally {
            await server.close();
        }
    });

    it("waits longer after each failed attempt: the interval, then twice, then four times", async () => {
        const server = await serving((res, n) =>
            n <= 3
                ? res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "global/internal-error", message: "Down." } }))
                : res.writeHead(200, { "content-type": "application/json" }).end(LIST),
        );
        try {
            await lambdaRequest(conn(server.url, { requestIntervalMs: 40, launchIntervalMs: 40 }), "GET", "/instances");
            const gaps = server.seen.slice(1).map((r, i) => r.at - server.seen[i].at);
            expect(gaps).to.have.length(3);
            [40, 80, 160].forEach((least, i) => expect(gaps[i], `gap ${i + 1}`).to.be.at.least(least - 2));
        } finally {
            await server.close();
        }
        // Doubling from the interval, capped at a minute; a Retry-After counts only when it is a number of seconds.
        expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(null, n, 1000))).to.deep.equal([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
        expect(retryDelayMs("120", 1, 1000)).to.equal(60000);
        expect(retryDelayMs("soon", 2, 1000)).to.equal(2000);
    });
});
