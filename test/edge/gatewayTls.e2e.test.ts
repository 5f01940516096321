// The TLS the edge gateway offers where it terminates TLS (as on Swarm), as clients negotiate it: a
// real nginx on 127.0.0.1 runs the rendered config. nginx and OpenSSL take the protocol versions and
// the session cache of a port from its default server (the one that rejects unknown names), whatever
// the name-based server a client's SNI then selects sets, so these are checked per routed name.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { expect } from "chai";
import { GatewayModel } from "../../components/edge/gatewayConfig";
import { mcpRoutes, uiRoutes } from "../../components/edge/routes";
import { freePort, requireBinary } from "../support/tools";
import { CLIENT, gatewayModel, gatewaySuite, recordingServer, serverSpec } from "./gatewayNginx";

const DOMAIN = "tls.test.sophia.local";

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
    let ca = "";
    let model: GatewayModel;
    // nginx's OpenSSL reads PERMISSIVE_OPENSSL_CONF as the host's policy: `before` writes it into the suite's folder.
    const suite = gatewaySuite("sophia-edge-tls-", { env: (dir) => ({ ...process.env, OPENSSL_CONF: path.join(dir, "openssl.cnf") }), render: () => model });

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
        fs.writeFileSync(path.join(suite.dir, "openssl.cnf"), PERMISSIVE_OPENSSL_CONF);
        const cert = path.join(suite.dir, "cert.pem");
        const key = path.join(suite.dir, "key.pem");
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
        suite.closeAfter(auth.server, github.server, grafana.server);
        const [httpsPort, httpPort] = [await freePort(), await freePort()];
        model = gatewayModel(DOMAIN, {
            httpPort,
            tls: { port: httpsPort, certificate: cert, privateKey: key },
            runtimeDir: suite.dir,
            oauth2Proxy: { address: "127.0.0.1", port: auth.port },
            mcp: mcpRoutes([{ spec: serverSpec("github-agent", github.port), address: "127.0.0.1" }], DOMAIN),
            uis: uiRoutes([{ name: "grafana", upstream: { address: "127.0.0.1", port: grafana.port } }], DOMAIN),
        });
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
