// The bounds the catalog schema enforces on one entry, at their edges.
import { expect } from "chai";
import { serverEntrySchema, ServerEntryInput } from "../catalog/schema";

const entry: ServerEntryInput = { name: "search-server", port: 9042, category: "additional", purpose: "web search", tier: "medium", version: "1.0.0" };

function messages(change: Partial<Record<keyof ServerEntryInput, unknown>>): string[] {
    const result = serverEntrySchema.safeParse({ ...entry, ...change });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("catalog entry schema", () => {
    it("accepts a minimal entry and fills the documented defaults", () => {
        expect(serverEntrySchema.parse(entry)).to.deep.include({
            secrets: [],
            healthPath: "/health",
            metricsPath: "/metrics",
            mcpPath: "/mcp",
            replicas: {},
            outbound: [],
            cache: false,
            hostMounts: [],
            allowDockerSocket: false,
            expose: "internal",
            sessionAffinity: false,
            clients: [],
        });
    });

    it("takes ports from 1024 to 65535 only: a lower one needs privileges the servers must not have", () => {
        expect(messages({ port: 1024 })).to.deep.equal([]);
        expect(messages({ port: 65535 })).to.deep.equal([]);
        expect(messages({ port: 1023 })).to.deep.equal(["port: ports below 1024 need privileges the servers must not have"]);
        expect(messages({ port: 80 })).to.have.length(1);
        expect(messages({ port: 65536 })).to.have.length(1);
        expect(messages({ port: 9042.5 })).to.have.length(1);
    });

    it("refuses the latest tag and an empty version", () => {
        expect(messages({ version: "latest" })).to.deep.equal(['version: "latest" is not a pinned version: name the exact release']);
        expect(messages({ version: "" })).to.not.be.empty;
        expect(messages({ version: "1.4.2-rc.1" })).to.deep.equal([]);
    });

    it("refuses host mounts other than the Docker socket, and the socket without allowDockerSocket", () => {
        expect(messages({ hostMounts: ["/var/run/docker.sock"] })).to.deep.equal([
            'hostMounts: mounting /var/run/docker.sock needs "allowDockerSocket: true" on the entry (it gives root on the node)',
        ]);
        expect(messages({ hostMounts: ["/var/run/docker.sock"], allowDockerSocket: true })).to.deep.equal([]);
        expect(messages({ hostMounts: ["/etc", "/var/run/docker.sock"], allowDockerSocket: true })).to.deep.equal([
            "hostMounts: only /var/run/docker.sock may be mounted from the host; remove /etc",
        ]);
    });

    it("ties client identities to public exposure", () => {
        expect(messages({ expose: "public" })).to.deep.equal(["clients: a public server needs the client identities allowed to call it (clients: [...])"]);
        expect(messages({ clients: ["claude-desktop"] })).to.deep.equal([
            "clients: clients only apply to public servers: set expose: public or remove clients",
        ]);
        expect(messages({ expose: "public", clients: ["claude-desktop"] })).to.deep.equal([]);
    });
});
