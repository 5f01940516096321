// The TLS the edge gateway offers where it terminates TLS (as on Swarm), as clients negotiate it: a
// real nginx on 127.0.0.1 runs the rendered config. nginx and OpenSSL take the protocol versions and
// the session cache of a port from its default server (the one that rejects unknown names), whatever
// the name-based server a client's SNI then selects sets, so these are checked per routed name.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { expect } from "chai";
import { GatewayModel } from "../../components/edge/gatewayConfig";
import { mcpRoutes, uiRoutes } from "../../components/edge/routes";
import type { ServerSpec } from "../../stacks/specs";
import { freePort, requireBinary } from "../support/tools";
import { GatewayNginx, recordingServer } from "./gatewayNginx";

const DOMAIN = "tls.test.sophia.local";
const CLIENT = "claude-desktop";

const spec = (name: string, port: number): ServerSpec =>
    ({ name, port, mcpPath: "/mcp", expose: "public", clients: [CLIENT], sessionAffinity: false }) as unknown as ServerSpec;

/**
 * An OpenSSL configuration as permissive as a host's may be: every protocol version from TLS 1.0 and
 * every cipher (security level 0). Under it only the gateway's own config keeps old versions out.
 */
const PERMISSIVE_OPENSSL_CONF = [
    "openssl_conf = openssl_init",
    "[openssl_init]",
    "ssl_conf = ssl_module",
    "[ssl_module]",
    "system_default = permissive",
    "[permissive]",
    "MinProtocol = TLSv1",
    "CipherString = DEFAULT@SECLEVEL=0",
    "",
].join("\n");

/** What a handshake with the gateway came to. */
interface Handshake {
    readonly protocol?: string;
    readonly reused?: boolean;
    readonly session?: Buffer;
    readonly error?: string;
}

describe("the edge gateway's TLS as clients negotiate it (real nginx, TLS at the gateway)", function () {
    this.timeout(30_000);
    // Made in `before`, not when the file loads: a mutation run runs the suites again in one process, after `after` removed them.
    let dir = "";
    let gateway: GatewayNginx;
    const closers: (() => void)[] = [];
    let ca = "";
    let model: GatewayModel;

    /** Every name the gateway routes: the MCP servers' hosts and the UIs'. */
    const routedNames = (): string[] => [...model.mcp.map((r) => r.host), ...model.uis.map((u) => u.host)];

    /** A handshake with the gateway for `servername`; the connection is closed once it is done. */
    const handshake = (servername: string, options: tls.ConnectionOptions = {}): Promise<Handshake> =>
        new Promise((resolve) => {
            const socket = tls.connect({ host: "127.0.0.1", port: model.tls!.port, servername, ca, ...options }, () => {
                resolve({ protocol: socket.getProtocol() ?? undefined, reused: socket.isSessionReused(), session: socket.getSession() });
                socket.end();
            });
            socket.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
            socket.setTimeout(5000, () => (socket.destroy(), resolve({ error: "no handshake within 5 s" })));
        });

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-edge-tls-"));
        const opensslConf = path.join(dir, "openssl.cnf");
        fs.writeFileSync(opensslConf, PERMISSIVE_OPENSSL_CONF);
        gateway = new GatewayNginx(dir, { ...process.env, OPENSSL_CONF: opensslConf });
        const cert = path.join(dir, "cert.pem");
        const key = path.join(dir, "key.pem");
        const made = spawnSync(
            requireBinary("openssl"),
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=edge tls test"].concat([
                "-addext",
                `subjectAltName=DNS:*.mcp.${DOMAIN},DNS:*.${DOMAIN}`,
            ]),
            { encoding: "utf8" },
        );
        if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
        ca = fs.readFileSync(cert, "utf8");
        const auth = await recordingServer((_seen, res) => res.writeHead(202, { "X-Auth-Request-User": CLIENT }).end());
        const github = await recordingServer();
        const grafana = await recordingServer((_seen, res) => res.end("grafana"));
        closers.push(
            () => auth.server.close(),
            () => github.server.close(),
            () => grafana.server.close(),
        );
        const [httpsPort, httpPort] = [await freePort(), await freePort()];
        model = {
            httpPort,
            tls: { port: httpsPort, certificate: cert, privateKey: key },
            trustForwardedFor: false,
            runtimeDir: dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            issuer: `https://id.${DOMAIN}/realms/sophia`,
            mcp: mcpRoutes([{ spec: spec("github-agent", github.port), address: "127.0.0.1" }], DOMAIN),
            uis: uiRoutes([{ name: "grafana", upstream: { address: "127.0.0.1", port: grafana.port } }], DOMAIN),
            rateLimit: { requestsPerSecond: 1000, burst: 1000 },
            maxRequestBodySize: "1m",
            streamTimeoutSeconds: 60,
        };
    });

    // Rendered before each test (not once): per-test coverage then counts each test as reaching the renderer.
    beforeEach(async () => {
        await gateway.ensure(model);
    });

    after(async () => {
        await gateway?.stop();
        for (const close of closers.splice(0)) close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("negotiates TLS 1.3 on every name it routes, and TLS 1.2 with a client that goes no higher", async () => {
        for (const name of routedNames()) {
            expect(await handshake(name), name).to.deep.include({ protocol: "TLSv1.3" });
            expect(await handshake(name, { maxVersion: "TLSv1.2" }), `${name}, client capped at TLS 1.2`).to.deep.include({ protocol: "TLSv1.2" });
        }
    });

    it("refuses TLS 1.0 and 1.1 on every name it routes, even where the host's OpenSSL policy allows them", async () => {
        for (const name of routedNames()) {
            for (const version of ["TLSv1", "TLSv1.1"] as const) {
                // A client that offers only the old version, with the ciphers it needs. The gateway answers with the
                // protocol_version alert: refused for its version, not for a cipher the host's policy lacks.
                const outcome = await handshake(name, { minVersion: version, maxVersion: version, ciphers: "DEFAULT@SECLEVEL=0" });
                expect(outcome.protocol, `${name}: the version negotiated over ${version}`).to.equal(undefined);
                expect(outcome.error, `${name} over ${version}`).to.equal("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
            }
        }
    });

    it("resumes a TLS 1.2 session from its cache for a client without session tickets", async () => {
        const noTickets = { maxVersion: "TLSv1.2" as const, secureOptions: crypto.constants.SSL_OP_NO_TICKET };
        for (const name of routedNames()) {
            const first = await handshake(name, noTickets);
            expect(first, name).to.deep.include({ protocol: "TLSv1.2", reused: false });
            const again = await handshake(name, { ...noTickets, session: first.session });
            expect(again, `${name}, reconnecting with the first session`).to.deep.include({ protocol: "TLSv1.2", reused: true });
        }
    });
});
