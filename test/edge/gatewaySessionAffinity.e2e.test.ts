// What MCP clients see of the edge gateway in front of a server with session affinity: a real nginx on
// 127.0.0.1 runs the rendered config (plain port, as behind an ingress controller) and asks a DNS
// server of the test's own, standing in for Docker's, for the replicas. Stand-in replicas of a stateful
// server listen on one port at 127.0.0.1 and 127.0.0.2; the DNS also names 127.0.0.3, where nothing
// listens: a replica that died and is still listed until the orchestrator notices.
import { randomUUID } from "crypto";
import type { ServerResponse } from "http";
import { expect } from "chai";
import { GatewayModel, REPLICA_CONNECT_SECONDS, REPLICA_LOOKUP_SECONDS, REPLICA_LOOKUP_TIMEOUT_SECONDS } from "../../components/edge/gatewayConfig";
import { mcpRoutes } from "../../components/edge/routes";
import { startBlackhole } from "../support/blackhole";
import { freePort } from "../support/tools";
import { startTestDns, TestDns } from "./dnsServer";
import { CLIENT, gatewayModel, GatewaySuite, gatewaySuite, httpRequest, recordingServer, Reply, RequestOptions, Seen, serverSpec } from "./gatewayNginx";

const DOMAIN = "affinity.test.sophia.local";
const [FIRST, SECOND] = ["127.0.0.1", "127.0.0.2"];
/** Listed by the DNS, listened on by nobody. */
const DEAD = "127.0.0.3";

/** Each server's DNS name lists a different set of replicas, so no test waits for another's answer to leave nginx's cache. */
const SERVERS = {
    /** Both replicas run. */
    stateful: "stateful-agent",
    /** One replica runs, the other died. */
    crashed: "crashed-agent",
    /** Its only replica died. */
    gone: "gone-agent",
    /** No replica is left: the DNS answers NXDOMAIN, as Docker's does for tasks.<service> of a service without tasks. */
    vanished: "vanished-agent",
    /** Its replicas change while nginx runs. */
    scaled: "scaled-agent",
};
const replicasOf = (server: string): string => `tasks.${server}`;

const initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';
/** The gateway's stream timeout here: a replica that sends no answer within it is slow. */
const STREAM_TIMEOUT_SECONDS = 1;
/** A call the replicas answer only after the stream timeout (a long tool call), and how late. */
const SLOW_CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow"}}';
const SLOW_ANSWER_MS = 2500;
/** The MCP spec's answer for a session the server does not hold: the client then initializes again. */
const SESSION_NOT_FOUND = { jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null };
/** The headers every answer of an MCP endpoint carries: nothing may sniff, load or frame it. */
const MCP_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

/** A replica of a stateful MCP server: what reached it, and the sessions it opened. */
interface Replica {
    readonly seen: Seen[];
    readonly sessions: Set<string>;
}

/** The stand-in replicas of one suite, by address. */
interface Fleet {
    readonly replicas: Map<string, Replica>;
    /** Starts a replica on `address` (on `port`, or a free one) and returns its port. */
    readonly start: (address: string, port?: number) => Promise<number>;
}

/**
 * Replicas of a stateful MCP server for `suite`: a request without a session opens one on the replica
 * it reaches; a request naming one the replica holds gets its answer, naming any other gets the MCP
 * spec's 404. Each answer names the replica. A SLOW_CALL it works on is answered only after
 * SLOW_ANSWER_MS; a 404 is at once. Every replica forgets its requests and sessions before each test.
 */
function replicaFleet(suite: GatewaySuite): Fleet {
    const replicas = new Map<string, Replica>();
    beforeEach(() => {
        for (const replica of replicas.values()) {
            replica.seen.length = 0;
            replica.sessions.clear();
        }
    });
    const start = async (address: string, port?: number): Promise<number> => {
        const sessions = new Set<string>();
        /** A new session's request, or one naming a session this replica holds: the ones it works on. */
        const holds = (seen: Seen): boolean => {
            const session = seen.headers["mcp-session-id"];
            return session === undefined || (typeof session === "string" && sessions.has(session));
        };
        const answer = (seen: Seen, res: ServerResponse): void => {
            // A slow answer whose request the gateway gave up on has nowhere to go.
            if (res.destroyed) return;
            const session = seen.headers["mcp-session-id"];
            const headers = { "Content-Type": "application/json", "X-Replica": address };
            if (session === undefined) {
                const opened = `${address}-${randomUUID()}`;
                sessions.add(opened);
                res.writeHead(200, { ...headers, "Mcp-Session-Id": opened }).end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { replica: address } }));
            } else if (typeof session === "string" && sessions.has(session))
                res.writeHead(200, headers).end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { replica: address, method: seen.method, body: seen.body } }));
            else res.writeHead(404, headers).end(JSON.stringify(SESSION_NOT_FOUND));
        };
        const replica = await recordingServer(
            (seen, res) => (seen.body === SLOW_CALL && holds(seen) ? setTimeout(() => answer(seen, res), SLOW_ANSWER_MS) : answer(seen, res)),
            { address, port },
        );
        replicas.set(address, { seen: replica.seen, sessions });
        suite.closeAfter(replica.server);
        return replica.port;
    };
    return { replicas, start };
}

/**
 * A gateway in `suite` that routes each of `servers` to the replicas `dns` lists for it, on `port`; a
 * stand-in oauth2-proxy lets CLIENT in.
 */
async function affinityGateway(
    suite: GatewaySuite,
    dns: TestDns,
    servers: readonly string[],
    port: number,
    streamTimeoutSeconds: number,
): Promise<GatewayModel> {
    const auth = await recordingServer((seen, res) => {
        const client = /^Bearer valid:(.+)$/.exec(seen.headers.authorization ?? "")?.[1];
        if (client) res.writeHead(202, { "X-Auth-Request-User": client, "Content-Length": "0" }).end();
        else res.writeHead(401, { "Content-Length": "0" }).end();
    });
    suite.closeAfter(auth.server);
    return gatewayModel(DOMAIN, {
        httpPort: await freePort(),
        runtimeDir: suite.dir,
        oauth2Proxy: { address: "127.0.0.1", port: auth.port },
        resolver: `127.0.0.1:${dns.port}`,
        streamTimeoutSeconds,
        mcp: mcpRoutes(
            // The service address (on Swarm a virtual IP in front of every replica) is the first replica's here:
            // a request sent there instead of to the listed replicas would reach that one only.
            servers.map((name) => ({ spec: serverSpec(name, port, { sessionAffinity: true }), address: FIRST, replicas: replicasOf(name) })),
            DOMAIN,
        ),
    });
}

type CallOptions = RequestOptions & { session?: string };

/** A request of CLIENT to `server`'s MCP endpoint, naming `session` when given (by default an initialize). */
function callServer(model: GatewayModel, server: string, options: CallOptions = {}): Promise<Reply> {
    const route = model.mcp.find((r) => r.server === server)!;
    const { session, ...rest } = options;
    return httpRequest(model.httpPort, route.host, route.mcpPath, {
        method: "POST",
        body: initialize,
        ...rest,
        headers: { Authorization: `Bearer valid:${CLIENT}`, "Content-Type": "application/json", ...(session ? { "Mcp-Session-Id": session } : {}) },
    });
}

interface OpenSession {
    readonly session: string;
    /** The replica that holds it. */
    readonly home: string;
}

/** Opens a session through the gateway. */
async function openSession(model: GatewayModel, server: string): Promise<OpenSession> {
    const reply = await callServer(model, server);
    expect(reply.status, reply.body).to.equal(200);
    return { session: String(reply.headers["mcp-session-id"]), home: String(reply.headers["x-replica"]) };
}

describe("the edge gateway in front of a server with session affinity (real nginx, replicas listed by DNS)", function () {
    this.timeout(30_000);
    let model: GatewayModel;
    let dns: TestDns;
    const suite = gatewaySuite("sophia-edge-affinity-", { render: () => model });
    const { replicas, start: startReplica } = replicaFleet(suite);

    before(async () => {
        // One port for every replica, as in a service: each replica has an address of its own.
        const port = await startReplica(FIRST);
        await startReplica(SECOND, port);
        dns = await startTestDns();
        suite.onEnd(() => dns.close());
        dns.answer(replicasOf(SERVERS.stateful), [FIRST, SECOND]);
        dns.answer(replicasOf(SERVERS.crashed), [FIRST, DEAD]);
        dns.answer(replicasOf(SERVERS.gone), [DEAD]);
        model = await affinityGateway(suite, dns, Object.values(SERVERS), port, STREAM_TIMEOUT_SECONDS);
    });

    const call = (server: string, options: CallOptions = {}): Promise<Reply> => callServer(model, server, options);
    const open = (server: string): Promise<OpenSession> => openSession(model, server);
    const asked = (address: string, method: string, session: string): number =>
        replicas.get(address)!.seen.filter((s) => s.method === method && s.headers["mcp-session-id"] === session).length;

    it("offers a request naming a session to the replicas in turn, a POST too, and answers with the one that holds it", async () => {
        const { session, home } = await open(SERVERS.stateful);
        const other = home === FIRST ? SECOND : FIRST;
        // The gateway asks the replicas from a random one on: enough requests that the other replica was asked first, by each method.
        for (let i = 0; i < 40 && (asked(other, "GET", session) === 0 || asked(other, "POST", session) === 0); i++) {
            for (const method of ["GET", "POST"]) {
                const body = method === "POST" ? `{"jsonrpc":"2.0","id":${i + 2},"method":"tools/list"}` : "";
                const reply = await call(SERVERS.stateful, { method, body, session });
                expect(reply.status, `${method} #${i + 1}: ${reply.body}`).to.equal(200);
                // The session's own answer, with the body the client sent though another replica was offered it first.
                expect(JSON.parse(reply.body), `${method} #${i + 1}`).to.deep.equal({ jsonrpc: "2.0", id: 1, result: { replica: home, method, body } });
                expect(reply.headers["mcp-session-id"], "a request naming a session opens none").to.equal(undefined);
            }
        }
        expect(asked(other, "GET", session), "GETs the other replica answered 404 first").to.be.above(0);
        expect(asked(other, "POST", session), "POSTs the other replica answered 404 first").to.be.above(0);
        expect(replicas.get(other)!.sessions.size, "the other replica opened no session").to.equal(0);
    });

    it("opens new sessions on every listed replica", async () => {
        const homes = new Set<string>();
        for (let i = 0; i < 40 && homes.size < 2; i++) homes.add((await open(SERVERS.stateful)).home);
        expect([...homes].sort()).to.deep.equal([FIRST, SECOND]);
    });

    it("answers a session whose replica cannot be reached with the MCP spec's 404 as JSON, with the MCP endpoints' headers", async () => {
        // gone: the DNS still names the replica that died; vanished: it names no replica at all.
        for (const server of [SERVERS.gone, SERVERS.vanished]) {
            for (const method of ["GET", "POST"]) {
                const reply = await call(server, { method, body: method === "POST" ? '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' : "", session: "lost" });
                const what = `${server}, ${method}`;
                expect(reply.status, what).to.equal(404);
                expect(reply.headers["content-type"], what).to.equal("application/json");
                expect(JSON.parse(reply.body), what).to.deep.equal(SESSION_NOT_FOUND);
                expect(reply.headers, what).to.include(MCP_HEADERS);
                expect(reply.headers["x-replica"], `${what}: no replica answered`).to.equal(undefined);
            }
        }
        // The running replicas, which these servers' DNS names do not list, saw none of it.
        expect([...replicas.values()].flatMap((r) => r.seen)).to.deep.equal([]);
    });

    it("answers a request without a session with 502 when no listed replica can be reached", async () => {
        for (const server of [SERVERS.gone, SERVERS.vanished]) {
            for (const method of ["GET", "POST"]) {
                const reply = await call(server, { method, body: method === "POST" ? initialize : "" });
                expect(reply.status, `${server}, ${method}`).to.equal(502);
                expect(reply.body, `${server}, ${method}: not the answer for a lost session`).to.not.contain("Session not found");
                expect(reply.headers, `${server}, ${method}`).to.include(MCP_HEADERS);
            }
        }
    });

    it("answers a session whose replica died with 404 whichever replica it asks last, and opens new sessions on the one left", async () => {
        let fromGateway = 0;
        let fromReplica = 0;
        // Until both orders came up: the dead replica asked last (the gateway's own 404) and the running one (that replica's 404).
        for (let i = 0; i < 40 && (fromGateway === 0 || fromReplica === 0); i++) {
            const reply = await call(SERVERS.crashed, { method: "POST", body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}', session: `${DEAD}-lost` });
            expect(reply.status, `#${i + 1}: ${reply.body}`).to.equal(404);
            expect(reply.headers["content-type"], `#${i + 1}`).to.equal("application/json");
            expect(JSON.parse(reply.body), `#${i + 1}`).to.deep.equal(SESSION_NOT_FOUND);
            if (reply.headers["x-replica"] === undefined) fromGateway++;
            else fromReplica++;
        }
        expect(fromGateway, "404s the gateway made when the dead replica was asked last").to.be.above(0);
        expect(fromReplica, "404s of the running replica, asked last").to.be.above(0);
        // A new session skips the dead replica, whichever the gateway tries first.
        for (let i = 0; i < 8; i++) expect(await open(SERVERS.crashed), `session #${i + 1}`).to.include({ home: FIRST });
    });

    it("answers 504 when the session's replica is slower than the stream timeout, and never offers the call to another replica", async () => {
        const { session, home } = await open(SERVERS.stateful);
        const other = home === FIRST ? SECOND : FIRST;
        const slowCalls = (address: string): number =>
            replicas.get(address)!.seen.filter((s) => s.body === SLOW_CALL && s.headers["mcp-session-id"] === session).length;
        for (let i = 1; i <= 3; i++) {
            const reply = await call(SERVERS.stateful, { body: SLOW_CALL, session });
            // The call may still be running on its replica: the session is not lost, and the call ran once.
            expect(reply.status, `#${i}: ${reply.body}`).to.equal(504);
            expect(reply.body, `#${i}`).to.not.contain("Session not found");
            expect(slowCalls(home), `#${i}: calls the session's replica got`).to.equal(i);
            // The other replica may be asked first (it answers 404 at once), never after the slow one.
            expect(slowCalls(other), `#${i}: calls the other replica got`).to.be.at.most(i);
        }
        // The session is still there: a quick call reaches it.
        const quick = await call(SERVERS.stateful, { body: '{"jsonrpc":"2.0","id":4,"method":"tools/list"}', session });
        expect(quick.status, quick.body).to.equal(200);
        expect(quick.headers["x-replica"]).to.equal(home);
    });

    it("sends a slow initialize to one replica only, so it opens one session, and answers 504", async () => {
        const reply = await call(SERVERS.stateful, { body: SLOW_CALL });
        expect(reply.status, reply.body).to.equal(504);
        const got = [...replicas.entries()].filter(([, r]) => r.seen.some((s) => s.body === SLOW_CALL)).map(([address]) => address);
        expect(got, "the replicas the call reached").to.have.length(1);
    });

    it(`reaches a replica the DNS names after nginx started once the ${REPLICA_LOOKUP_SECONDS} s it keeps an answer have passed, without a restart`, async () => {
        const name = replicasOf(SERVERS.scaled);
        dns.answer(name, [FIRST]);
        expect((await open(SERVERS.scaled)).home).to.equal(FIRST);
        const pid = suite.gateway.process!.pid;
        // A rolling update: the new replica replaces the old one in the DNS answer.
        dns.answer(name, [SECOND]);
        const changed = Date.now();
        let home = FIRST;
        // The answer nginx holds may be up to REPLICA_LOOKUP_SECONDS old; the rest is slack for a busy machine.
        while (home !== SECOND && Date.now() - changed < (REPLICA_LOOKUP_SECONDS + 2) * 1000) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            home = (await open(SERVERS.scaled)).home;
        }
        expect(home, `a new session ${Date.now() - changed} ms after the DNS changed`).to.equal(SECOND);
        expect(suite.gateway.process!.pid, "the same nginx").to.equal(pid);
        expect(dns.asked(name), "the gateway asked the DNS again").to.be.at.least(2);
    });
});

describe("the edge gateway when a listed replica takes no connections (real nginx; the replica's address drops them, as a dead container's does on an overlay network)", function () {
    this.timeout(120_000);
    /** Drops every connection, refuses none. */
    const HUNG = "127.0.0.4";
    const SERVERS = {
        /** Its only replica takes no connections. */
        hung: "hung-agent",
        /** One replica runs, the other takes no connections. */
        flaky: "flaky-agent",
        /** The DNS never answers for its replicas (down, or cut off from the gateway). */
        unlisted: "unlisted-agent",
    };
    /** Long enough for a connect timeout to pass over a replica (a read timeout takes all of it). */
    const STREAM_TIMEOUT_SECONDS = REPLICA_CONNECT_SECONDS * 2;
    const CONNECT_TIMEOUT_MS = REPLICA_CONNECT_SECONDS * 1000;
    let model: GatewayModel;
    const suite = gatewaySuite("sophia-edge-blackhole-", { render: () => model });
    const { replicas, start: startReplica } = replicaFleet(suite);

    before(async () => {
        const port = await startReplica(FIRST);
        const blackhole = await startBlackhole(HUNG, port);
        suite.onEnd(() => blackhole.close());
        const dns = await startTestDns();
        suite.onEnd(() => dns.close());
        dns.answer(replicasOf(SERVERS.hung), [HUNG]);
        dns.answer(replicasOf(SERVERS.flaky), [FIRST, HUNG]);
        dns.silence(replicasOf(SERVERS.unlisted));
        model = await affinityGateway(suite, dns, Object.values(SERVERS), port, STREAM_TIMEOUT_SECONDS);
    });

    /** The reply, and how long it took. */
    const timedCall = async (server: string, options: CallOptions = {}): Promise<{ reply: Reply; ms: number }> => {
        const started = Date.now();
        // Waits out a connect timeout; nothing waits for the stream timeout.
        const reply = await callServer(model, server, { timeoutMs: STREAM_TIMEOUT_SECONDS * 1000, ...options });
        return { reply, ms: Date.now() - started };
    };
    const toolsList = '{"jsonrpc":"2.0","id":2,"method":"tools/list"}';

    /** Requests sent at once: each waits out the connect timeout or not, so a batch takes one connect timeout. */
    const BATCH = 6;

    it("answers a session it cannot reach in time (its only replica takes no connections, or the DNS does not answer) with the MCP spec's 404, and a request without a session with 502", async () => {
        const waits = [
            { server: SERVERS.hung, ms: CONNECT_TIMEOUT_MS, what: "the connect timeout" },
            { server: SERVERS.unlisted, ms: REPLICA_LOOKUP_TIMEOUT_SECONDS * 1000, what: "the DNS lookup timeout" },
        ];
        const replies = await Promise.all(
            waits.map(async (wait) => {
                const [lost, fresh] = await Promise.all([timedCall(wait.server, { body: toolsList, session: `${HUNG}-lost` }), timedCall(wait.server)]);
                return { ...wait, lost, fresh };
            }),
        );
        for (const { server, ms, what, lost, fresh } of replies) {
            expect(lost.reply.status, `${server}: ${lost.reply.body}`).to.equal(404);
            expect(lost.reply.headers["content-type"], server).to.equal("application/json");
            expect(JSON.parse(lost.reply.body), server).to.deep.equal(SESSION_NOT_FOUND);
            expect(lost.reply.headers, server).to.include(MCP_HEADERS);
            for (const { ms: took } of [lost, fresh])
                expect(took, `${server}: the gateway waited for ${what}, not for the stream timeout`).to.be.within(
                    ms - 100,
                    STREAM_TIMEOUT_SECONDS * 1000 - 100,
                );
            expect(fresh.reply.status, `${server}: ${fresh.reply.body}`).to.equal(502);
            expect(fresh.reply.body, `${server}: not the answer for a lost session`).to.not.contain("Session not found");
        }
    });

    it("passes over a listed replica that takes no connections: sessions open, and calls reach, the running replica whichever is asked first", async () => {
        const running = replicas.get(FIRST)!;
        let passedOver = 0;
        for (let round = 1; round <= 4 && passedOver === 0; round++) {
            const opened = await Promise.all(Array.from({ length: BATCH }, () => timedCall(SERVERS.flaky)));
            for (const [i, o] of opened.entries()) {
                expect(o.reply.status, `round ${round}, initialize #${i + 1}: ${o.reply.body}`).to.equal(200);
                expect(o.reply.headers["x-replica"], `round ${round}, initialize #${i + 1}`).to.equal(FIRST);
            }
            expect(running.sessions.size, "one session per initialize").to.equal(round * BATCH);
            const called = await Promise.all(
                opened.map((o) => timedCall(SERVERS.flaky, { body: toolsList, session: String(o.reply.headers["mcp-session-id"]) })),
            );
            for (const [i, c] of called.entries()) {
                expect(c.reply.status, `round ${round}, call #${i + 1}: ${c.reply.body}`).to.equal(200);
                expect(JSON.parse(c.reply.body), `round ${round}, call #${i + 1}`).to.deep.include({
                    result: { replica: FIRST, method: "POST", body: toolsList },
                });
            }
            passedOver += [...opened, ...called].filter((c) => c.ms >= CONNECT_TIMEOUT_MS - 100).length;
        }
        expect(passedOver, "requests that waited out the replica that takes no connections, then reached the running one").to.be.above(0);
    });

    it("answers a session whose replica takes no connections with 404 whichever replica it asks last", async () => {
        let fromGateway = 0;
        let fromReplica = 0;
        // The running replica asked last answers its own 404; the hung one asked last times out, which is the gateway's 404.
        for (let round = 1; round <= 4 && (fromGateway === 0 || fromReplica === 0); round++) {
            const replies = await Promise.all(Array.from({ length: BATCH }, () => timedCall(SERVERS.flaky, { body: toolsList, session: `${HUNG}-lost` })));
            for (const [i, { reply }] of replies.entries()) {
                expect(reply.status, `round ${round}, #${i + 1}: ${reply.body}`).to.equal(404);
                expect(JSON.parse(reply.body), `round ${round}, #${i + 1}`).to.deep.equal(SESSION_NOT_FOUND);
                if (reply.headers["x-replica"] === undefined) fromGateway++;
                else fromReplica++;
            }
        }
        expect(fromGateway, "404s the gateway made when the hung replica was asked last").to.be.above(0);
        expect(fromReplica, "404s of the running replica, asked last").to.be.above(0);
    });
});
