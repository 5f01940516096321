// The bounds the catalog schema enforces on one entry, at their edges.
import { expect } from "chai";
import { catalogSchema, serverEntrySchema, ServerEntryInput } from "../catalog/schema";

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
            transport: "streamable-http",
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
        expect(messages({ hostMounts: ["/var/run/docker.sock"], targets: ["swarm"] })).to.deep.equal([
            'hostMounts: mounting /var/run/docker.sock needs "allowDockerSocket: true" on the entry (it gives root on the node)',
        ]);
        expect(messages({ hostMounts: ["/var/run/docker.sock"], allowDockerSocket: true, targets: ["swarm"] })).to.deep.equal([]);
        expect(messages({ hostMounts: ["/var/run/docker.sock"], allowDockerSocket: true })).to.deep.equal([
            "targets: only Swarm nodes run the Docker engine that /var/run/docker.sock belongs to (Kubernetes and K3s nodes run containerd): set targets: [swarm]",
        ]);
        expect(messages({ hostMounts: ["/etc", "/var/run/docker.sock"], allowDockerSocket: true, targets: ["swarm"] })).to.deep.equal([
            "hostMounts: only /var/run/docker.sock may be mounted from the host; remove /etc",
        ]);
        expect(messages({ hostMounts: ["/etc", "/home"] })).to.deep.equal([
            "hostMounts: only /var/run/docker.sock may be mounted from the host; remove /etc, /home",
        ]);
    });

    /** Per field: values accepted, values refused, and the message a refused one gets. */
    const FIELDS: readonly { field: string; valid: unknown[]; invalid: unknown[]; message: string; wrap?: (v: unknown) => Record<string, unknown> }[] = [
        {
            field: "name",
            valid: ["a", "search-server", "a1", `a${"b".repeat(62)}`],
            invalid: ["Search", "-a", "a-", "1abc", "a_b", `a${"b".repeat(63)}`, " a"],
            message: "expected a lowercase DNS label (a-z, 0-9, -), at most 63 characters",
        },
        {
            field: "secrets",
            valid: ["OPENAI_API_KEY", "K", "KEY2"],
            invalid: ["openai_key", "1KEY", "_KEY", "KEY-2", "KEY "],
            message: "expected an UPPER_SNAKE_CASE secret name such as OPENAI_API_KEY",
            wrap: (v) => ({ secrets: [v] }),
        },
        {
            field: "outbound",
            valid: ["*", "api.search.example", "a.b", "x-1.example.com"],
            invalid: ["localhost", "API.search.example", "-a.example", "a-.example", "https://a.example", "*.example.com", "a.example."],
            message: 'expected a hostname, or "*" for any public host',
            wrap: (v) => ({ outbound: [v] }),
        },
        {
            field: "healthPath",
            valid: ["/", "/health", "/a/b-c_d.e~"],
            invalid: ["health", "/a b", "//x?y", "", "x/health"],
            message: "expected an absolute HTTP path such as /health",
        },
        {
            field: "version",
            valid: ["1.4.2", "_x", "v1", `1${"a".repeat(127)}`],
            invalid: [".x", "-x", "1.4 2", `1${"a".repeat(128)}`],
            message: "expected an image tag such as 1.4.2",
        },
        {
            field: "clients",
            valid: ["claude-desktop", "abc123@clients", "a|b:c.d_e", `a${"b".repeat(127)}`],
            invalid: ["-x", "a b", `a${"b".repeat(128)}`, ""],
            message: "expected a client identity (the token's sub claim) such as claude-desktop or abc123@clients",
            wrap: (v) => ({ expose: "public", clients: [v] }),
        },
        {
            field: "resources",
            valid: ["250m", "2", "0.5", "1.25", "0.125m"],
            invalid: ["250Mi", "m", "1.m", "2 ", "-1", "x2"],
            message: 'expected a CPU quantity such as "250m" or "2"',
            wrap: (v) => ({ resources: { requests: { cpu: v, memory: "64Mi" }, limits: { cpu: "1", memory: "1Gi" } } }),
        },
        {
            field: "resources",
            valid: ["512Mi", "2Gi", "1.5Gi", "1.25Gi", "64Ki", "1Ti"],
            invalid: ["512M", "512", "Mi", "1.Gi", "2GI", "x512Mi", "512Mix"],
            message: 'expected a memory quantity such as "512Mi" or "2Gi"',
            wrap: (v) => ({ resources: { requests: { cpu: "1", memory: v }, limits: { cpu: "1", memory: "1Gi" } } }),
        },
        {
            field: "hostMounts",
            valid: ["/var/run/docker.sock"],
            invalid: ["var/run/docker.sock"],
            message: "expected an absolute host path",
            wrap: (v) => ({ hostMounts: [v], allowDockerSocket: true, targets: ["swarm"] }),
        },
        { field: "expose", valid: ["public"], invalid: ["private"], message: "expected public or internal", wrap: (v) => ({ expose: v, clients: ["c"] }) },
    ];

    for (const { field, valid, invalid, message, wrap } of FIELDS) {
        it(`checks ${field}: ${message}`, () => {
            const change = wrap ?? ((v: unknown) => ({ [field]: v }));
            for (const value of valid) expect(messages(change(value)), JSON.stringify(value)).to.deep.equal([]);
            for (const value of invalid) {
                const matching = messages(change(value)).filter((m) => m.includes(message));
                expect(matching, JSON.stringify(value)).to.have.length(1);
                expect(matching[0], JSON.stringify(value)).to.match(new RegExp(`^${field}\\b`));
            }
        });
    }

    it("refuses an empty purpose, an unknown category or tier, negative replicas and unknown fields", () => {
        expect(messages({ purpose: "" })).to.have.length(1);
        expect(messages({ category: "misc" })).to.have.length(1);
        expect(messages({ tier: "urgent" })).to.have.length(1);
        expect(messages({ replicas: { prod: -1 } })).to.have.length(1);
        expect(messages({ replicas: { prod: 0 } })).to.deep.equal([]);
        expect(messages({ replica: 2 } as never)).to.have.length(1);
    });

    it("needs at least one server in a catalog", () => {
        expect(catalogSchema.safeParse({ servers: [] }).success).to.equal(false);
        expect(catalogSchema.safeParse({ servers: [entry] }).success).to.equal(true);
    });

    it("ties client identities to public exposure", () => {
        expect(messages({ expose: "public" })).to.deep.equal(["clients: a public server needs the client identities allowed to call it (clients: [...])"]);
        expect(messages({ clients: ["claude-desktop"] })).to.deep.equal([
            "clients: clients only apply to public servers: set expose: public or remove clients",
        ]);
        expect(messages({ expose: "public", clients: ["claude-desktop"] })).to.deep.equal([]);
    });

    it("ties a command to the stdio transport: a stdio server needs one, a Streamable HTTP server takes none", () => {
        expect(messages({ transport: "stdio", command: ["node", "/app/server.js"] })).to.deep.equal([]);
        expect(messages({ transport: "stdio" })).to.deep.equal([
            "transport: a stdio server needs the command that starts it inside its image: add command: [program, args...], e.g. command: [node, /app/server.js]",
        ]);
        expect(messages({ command: ["node", "/app/server.js"] })).to.deep.equal([
            "command: command applies only to stdio servers (a Streamable HTTP server runs its image's own entrypoint): set transport: stdio or remove command",
        ]);
        expect(messages({ transport: "sse" })).to.deep.equal(["transport: expected streamable-http or stdio"]);
        expect(messages({ transport: "stdio", command: [] })).to.deep.equal(["command: expected the program and its arguments"]);
        expect(messages({ transport: "stdio", command: ["node", ""] })).to.deep.equal(["command.1: expected a non-empty word"]);
    });
});
