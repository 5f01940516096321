import { createHash } from "crypto";

/**
 * Who may log in to Redis and what each user may do, as the lines of a Redis ACL file (the
 * `aclfile` directive). Pure: the passwords arrive as SHA-256 hashes, which is what Redis itself
 * keeps (`#<hex>`), so the file never holds a password; it is still delivered as a secret.
 */

/**
 * The platform's own users. Their names contain a dot, which no catalog name (a DNS label) can,
 * so no MCP server's user can take one of them.
 */
export const PLATFORM_USERS = {
    /** Every command and key: health checks and operators. */
    admin: "platform.admin",
    /** What redis_exporter reads (INFO, CONFIG GET, SLOWLOG, LATENCY…), no key. */
    exporter: "platform.exporter",
    /** Only what `redis-cli --rdb` needs to fetch a snapshot over the replication protocol. */
    backup: "platform.backup",
} as const;

export interface AclUser {
    readonly name: string;
    /** ACL rules after `on` and the password, e.g. `~key:*`, `+@read`, `-@dangerous`. */
    readonly rules: readonly string[];
}

/** The key (and pub/sub channel) prefix of an MCP server's cache user: `<server>:`. */
export const cacheKeyPrefix = (server: string): string => `${server}:`;

/**
 * An MCP server's user: reads, writes, transactions and pub/sub on its own prefix only. Nothing
 * dangerous (FLUSHALL, KEYS, CONFIG, DEBUG…), and no command that walks or samples the whole
 * keyspace (SCAN, RANDOMKEY), which would show other servers' key names.
 */
export function cacheServerUser(server: string): AclUser {
    const prefix = cacheKeyPrefix(server);
    return {
        name: server,
        rules: [
            `~${prefix}*`,
            `&${prefix}*`,
            "-@all",
            "+@connection",
            "+@read",
            "+@write",
            "+@keyspace",
            "+@transaction",
            "+@pubsub",
            "-@dangerous",
            "-scan",
            "-randomkey",
        ],
    };
}

/** The users every Redis of the platform has, before the MCP servers' own. */
export const PLATFORM_ACL_USERS: readonly AclUser[] = [
    { name: PLATFORM_USERS.admin, rules: ["~*", "&*", "+@all"] },
    {
        name: PLATFORM_USERS.exporter,
        // What redis_exporter runs for its metrics, without key access (no key checks are configured).
        rules: [
            "-@all",
            "+@connection",
            "-@dangerous",
            "+info",
            "+config|get",
            "+client|list",
            "+client|info",
            "+client|setname",
            "+slowlog",
            "+latency",
            "+memory",
            "+cluster|info",
            "+dbsize",
            "+select",
        ],
    },
    { name: PLATFORM_USERS.backup, rules: ["-@all", "+ping", "+replconf", "+sync", "+psync"] },
];

/** Every user of the platform's Redis: its own, then one per MCP server with `cache: true`. */
export function redisAclUsers(cacheServers: readonly string[]): readonly AclUser[] {
    return [...PLATFORM_ACL_USERS, ...cacheServers.map(cacheServerUser)];
}

/** The SHA-256 of a password, in hex: the form Redis stores (`#<hex>`). */
export function passwordHash(password: string): string {
    return createHash("sha256").update(password, "utf8").digest("hex");
}

/**
 * The ACL file: `default` disabled (no anonymous access, no password accepted), then each user
 * with exactly one password. Every problem with the users is reported at once.
 */
export function renderAclFile(users: readonly (AclUser & { readonly passwordSha256: string })[]): string {
    const problems: string[] = [];
    const seen = new Set<string>(["default"]);
    for (const user of users) {
        if (!/^[a-z0-9][a-z0-9.-]*$/.test(user.name)) problems.push(`user "${user.name}": a name is lower-case letters, digits, "." and "-"`);
        if (seen.has(user.name)) problems.push(`user "${user.name}" is listed twice (or is "default"): give each user its own name`);
        if (!/^[0-9a-f]{64}$/.test(user.passwordSha256)) problems.push(`user "${user.name}": the password hash must be 64 hex digits (SHA-256)`);
        seen.add(user.name);
    }
    if (problems.length > 0) throw new Error(`Redis ACL file:\n  ${problems.join("\n  ")}`);
    const lines = [
        "user default off resetpass resetkeys resetchannels -@all",
        ...users.map((u) => ["user", u.name, "reset", "on", `#${u.passwordSha256}`, ...u.rules].join(" ")),
    ];
    return `${lines.join("\n")}\n`;
}
