import { z } from "zod";

export const TIERS = ["critical", "high", "medium", "low"] as const;
export const tierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof tierSchema>;

/** Where a stack can deploy; also what a catalog entry may be limited to. */
export const TARGETS = ["swarm", "k3s", "kubernetes"] as const;
export type Target = (typeof TARGETS)[number];

export const CATEGORIES = ["core", "agent", "external", "additional"] as const;

/**
 * How a server speaks MCP: Streamable HTTP on its port, or over stdin/stdout, in which case the
 * platform runs it behind the stdio bridge (images/stdio-bridge), which serves the same contract.
 */
export const TRANSPORTS = ["streamable-http", "stdio"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Who can reach a server: `public` servers get a route at the edge, `internal` ones none. */
export const EXPOSURES = ["public", "internal"] as const;
export type Exposure = (typeof EXPOSURES)[number];

/** A client identity as the edge sees it: the `sub` claim of the client's access token. */
const clientIdentity = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@|:-]{0,127}$/, "expected a client identity (the token's sub claim) such as claude-desktop or abc123@clients");

/** Kubernetes-style quantities, the one notation used for sizes everywhere ("500m", "2", "512Mi"). */
export const cpuQuantity = z.string().regex(/^\d+(\.\d+)?m?$/, 'expected a CPU quantity such as "250m" or "2"');
export const memoryQuantity = z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/, 'expected a memory quantity such as "512Mi" or "2Gi"');

export const computeSchema = z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity });
export const resourcesSchema = z.strictObject({ requests: computeSchema, limits: computeSchema });
export type Resources = z.infer<typeof resourcesSchema>;

/** The Docker engine socket: mounting it is root on the node, so only `allowDockerSocket` permits it. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

const dnsLabel = z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a lowercase DNS label (a-z, 0-9, -), at most 63 characters");
const secretName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "expected an UPPER_SNAKE_CASE secret name such as OPENAI_API_KEY");
const hostname = z.string().regex(/^(\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)$/, 'expected a hostname, or "*" for any public host');
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, "expected an absolute HTTP path such as /health");
const version = z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected an image tag such as 1.4.2")
    .refine((tag) => tag !== "latest", '"latest" is not a pinned version: name the exact release');

/** A content digest of an image as registries report it; only the release pipeline writes one, never a person. */
export const imageDigest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected an image digest sha256:<64 lowercase hex digits>, as the registry reports it");

/** A stdio server needs the command that starts it; only a stdio server takes one. */
function transportIssues(entry: { transport: Transport; command?: readonly string[] }): { path: string[]; message: string }[] {
    if (entry.transport === "stdio" && entry.command === undefined)
        return [
            {
                path: ["transport"],
                message:
                    "a stdio server needs the command that starts it inside its image: add command: [program, args...], e.g. command: [node, /app/server.js]",
            },
        ];
    if (entry.transport !== "stdio" && entry.command !== undefined)
        return [
            {
                path: ["command"],
                message:
                    "command applies only to stdio servers (a Streamable HTTP server runs its image's own entrypoint): set transport: stdio or remove command",
            },
        ];
    return [];
}

/** One MCP server. The schema is the source of the catalog's TypeScript types. */
export const serverEntrySchema = z
    .strictObject({
        name: dnsLabel,
        port: z.number().int().min(1024, "ports below 1024 need privileges the servers must not have").max(65535),
        category: z.enum(CATEGORIES),
        purpose: z.string().min(1),
        tier: tierSchema,
        /** Pinned release of the image; the repository defaults to sophia-<name>. */
        version,
        repository: dnsLabel.optional(),
        /** Digest of the pushed release, written by the release pipeline; the image is then pulled by it (name:tag@sha256:…). */
        digest: imageDigest.optional(),
        secrets: z.array(secretName).default([]),
        healthPath: httpPath.default("/health"),
        metricsPath: httpPath.default("/metrics"),
        mcpPath: httpPath.default("/mcp"),
        /** Overrides the stack's tier sizes; set for servers known to need more. */
        resources: resourcesSchema.optional(),
        /** Replicas per environment name, overriding the stack's tier default. */
        replicas: z.record(z.string(), z.number().int().min(0)).default({}),
        /** Hosts the server may call; "*" for any public host. */
        outbound: z.array(hostname).default([]),
        /** Whether the server counts cache hits and misses (see the metrics contract). */
        cache: z.boolean().default(false),
        hostMounts: z.array(z.string().startsWith("/", "expected an absolute host path")).default([]),
        allowDockerSocket: z.boolean().default(false),
        /** Targets the server is deployed to; stacks on other targets leave it out (default: every target). */
        targets: z
            .array(z.enum(TARGETS))
            .min(1)
            .default([...TARGETS]),
        /** Opt-in exposure through the edge; internal servers have no route from outside. */
        expose: z.enum(EXPOSURES, { error: () => `expected ${EXPOSURES.join(" or ")}` }).default("internal"),
        /** Keep an MCP session on one replica (routing by the Mcp-Session-Id header). */
        sessionAffinity: z.boolean().default(false),
        /** Client identities allowed to call a public server; anyone else gets 403 at the edge. */
        clients: z.array(clientIdentity).default([]),
        /** How the server speaks MCP; a stdio server runs behind the stdio bridge. */
        transport: z.enum(TRANSPORTS, { error: () => `expected ${TRANSPORTS.join(" or ")}` }).default("streamable-http"),
        /** A stdio server's command inside its image (program and arguments), which the bridge starts per MCP session. */
        command: z.array(z.string().min(1, "expected a non-empty word")).min(1, "expected the program and its arguments").optional(),
    })
    .superRefine((entry, ctx) => {
        if (entry.hostMounts.includes(DOCKER_SOCKET) && !entry.allowDockerSocket) {
            ctx.addIssue({
                code: "custom",
                path: ["hostMounts"],
                message: `mounting ${DOCKER_SOCKET} needs "allowDockerSocket: true" on the entry (it gives root on the node)`,
            });
        }
        if (entry.hostMounts.includes(DOCKER_SOCKET) && entry.targets.some((t) => t !== "swarm")) {
            ctx.addIssue({
                code: "custom",
                path: ["targets"],
                message: `only Swarm nodes run the Docker engine that ${DOCKER_SOCKET} belongs to (Kubernetes and K3s nodes run containerd): set targets: [swarm]`,
            });
        }
        const others = entry.hostMounts.filter((p) => p !== DOCKER_SOCKET);
        if (others.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["hostMounts"],
                message: `only ${DOCKER_SOCKET} may be mounted from the host; remove ${others.join(", ")}`,
            });
        }
        if (entry.expose === "public" && entry.clients.length === 0) {
            ctx.addIssue({ code: "custom", path: ["clients"], message: "a public server needs the client identities allowed to call it (clients: [...])" });
        }
        if (entry.expose === "internal" && entry.clients.length > 0) {
            ctx.addIssue({ code: "custom", path: ["clients"], message: "clients only apply to public servers: set expose: public or remove clients" });
        }
    })
    .superRefine((entry, ctx) => {
        for (const issue of transportIssues(entry)) ctx.addIssue({ code: "custom", ...issue });
    });

export type ServerEntryInput = z.input<typeof serverEntrySchema>;
export type ServerEntry = z.output<typeof serverEntrySchema>;

export const catalogSchema = z.strictObject({ servers: z.array(serverEntrySchema).min(1) });
export type Catalog = z.output<typeof catalogSchema>;
