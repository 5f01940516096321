// What the gateway's renderer refuses to render (components/edge/gatewayConfig.ts), in process: a
// model it cannot route, named problem by problem in one error, and values nginx would read as
// something else than the text they are.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GatewayModel, renderGatewayConfig } from "../../components/edge/gatewayConfig";
import { McpRoute, mcpRoutes } from "../../components/edge/routes";
import type { ServerSpec } from "../../stacks/specs";
import { GatewayNginx } from "./gatewayNginx";

const DOMAIN = "model.test.sophia.local";
const CLIENT = "claude-desktop";

const spec = (name: string, sessionAffinity: boolean, clients: string[] = [CLIENT]): ServerSpec =>
    ({ name, port: 8080, mcpPath: "/mcp", expose: "public", clients, sessionAffinity }) as unknown as ServerSpec;

function model(mcp: readonly McpRoute[], changes: Partial<GatewayModel> = {}): GatewayModel {
    return {
        httpPort: 8080,
        trustForwardedFor: true,
        runtimeDir: "/tmp",
        oauth2Proxy: { address: "127.0.0.1", port: 4180 },
        issuer: `https://id.${DOMAIN}/realms/sophia`,
        mcp,
        uis: [],
        rateLimit: { requestsPerSecond: 10, burst: 20 },
        maxRequestBodySize: "1m",
        streamTimeoutSeconds: 3600,
        ...changes,
    };
}

const sticky = (name: string, replicas?: string): McpRoute => mcpRoutes([{ spec: spec(name, true), address: name, replicas }], DOMAIN)[0];
const plain = (name: string, clients?: string[]): McpRoute => mcpRoutes([{ spec: spec(name, false, clients), address: "127.0.0.1" }], DOMAIN)[0];

/** The renderer's error message, or undefined when it renders. */
function refusal(m: GatewayModel): string | undefined {
    try {
        renderGatewayConfig(m);
        return undefined;
    } catch (error) {
        return (error as Error).message;
    }
}

describe("the gateway renderer's refusals", () => {
    it("names every problem of the model at once, one a line, under one heading", () => {
        const message = refusal(model([sticky("first"), plain("plain"), sticky("second", "tasks.second;evil")]));
        expect(message).to.equal(
            [
                "cannot render the edge's nginx.conf:",
                "  - mcp route first: sessionAffinity needs `replicas`, the DNS name that lists each replica (e.g. tasks.first)",
                '  - mcp route second: replicas "tasks.second;evil" is not a DNS name',
                "  - resolver: first, second keep sessions on their replicas and need the DNS server that lists them (e.g. 127.0.0.11 on Swarm)",
            ].join("\n"),
        );
    });

    it("refuses a resolver that is not an address or DNS name, with or without a server that needs one", () => {
        const expected = `cannot render the edge's nginx.conf:\n  - resolver "127.0.0.11 ipv6=on" is not an address or DNS name (e.g. 127.0.0.11 or 127.0.0.1:5353)`;
        expect(refusal(model([sticky("first", "tasks.first")], { resolver: "127.0.0.11 ipv6=on" }))).to.equal(expected);
        expect(refusal(model([plain("plain")], { resolver: "127.0.0.11 ipv6=on" }))).to.equal(expected);
    });

    it("renders a model whose servers with session affinity have their replicas' name and a resolver, and nginx accepts it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-edge-model-"));
        try {
            const m = model([sticky("first", "tasks.first"), sticky("second", "tasks.second"), plain("plain")], { resolver: "127.0.0.11", runtimeDir: dir });
            expect(refusal(m)).to.equal(undefined);
            const check = GatewayNginx.check(renderGatewayConfig(m), dir);
            expect(check.status, check.output).to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("needs no resolver when no server has session affinity", () => {
        expect(refusal(model([plain("plain")]))).to.equal(undefined);
    });

    describe("names of replicas and resolvers: a DNS name or IPv4 address, with an optional port", () => {
        const accepted = ["r", "7", "tasks.first", "first-replicas.sophia-mcp.svc.cluster.local", "127.0.0.11", "127.0.0.1:5353", "dns:5", "x:65535"];
        const refused = ["", "Tasks.first", "-tasks", "tasks-", "tasks.first.", "tasks_first", "127.0.0.1:", "127.0.0.1:123456", "tasks first", "tasks;first"];
        for (const name of accepted) {
            it(`accepts ${JSON.stringify(name)}`, () => {
                expect(refusal(model([sticky("first", name)], { resolver: name }))).to.equal(undefined);
            });
        }
        for (const name of refused) {
            it(`refuses ${JSON.stringify(name)}`, () => {
                const message = refusal(model([sticky("first", name || undefined)], { resolver: name || undefined }));
                // An empty name is a missing one: named as such, with the example that fixes it.
                expect(message).to.contain(name ? `replicas ${JSON.stringify(name)} is not a DNS name` : "needs `replicas`");
                expect(message).to.contain(name ? `resolver ${JSON.stringify(name)} is not an address or DNS name` : "need the DNS server that lists them");
            });
        }
    });

    describe("values nginx would not read as the text they are (a quote, a backslash, a variable)", () => {
        for (const character of ["'", "\\", "$"]) {
            it(`refuses a client name with ${JSON.stringify(character)}, naming the value`, () => {
                const client = `evil${character}client`;
                expect(refusal(model([plain("plain", [CLIENT, client])]))).to.equal(`cannot render ${JSON.stringify(`plain:${client}`)} into nginx.conf`);
            });

            it(`refuses an issuer with ${JSON.stringify(character)}, naming it`, () => {
                const issuer = `https://id.${DOMAIN}/realms/${character}sophia`;
                const message = refusal(model([plain("plain")], { issuer }));
                expect(message).to.match(/^cannot render ".*" into nginx\.conf$/);
                // Named as the metadata document it would have gone into, itself quoted in the message.
                expect(message).to.contain(JSON.stringify(JSON.stringify(issuer)).slice(1, -1));
            });
        }
    });
});
