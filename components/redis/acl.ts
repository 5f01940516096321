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
    /** What redis_exporter reads (INFO, CONFIG GET, SLOWLOG GET/LEN, LATENCY LATEST/HISTOGRAM…), no key. */
    exporter: "platform.exporter",
    /** Only what `redis-cli --rdb` needs to fetch a snapshot over the replication protocol. */
    backup: "platform.backup",
} as const;

export interface AclUser {
    readonly name: string;
    /**
     * ACL rules after `on` and the password, e.g. `~key:*`, `+@read`, `-@dangerous`. The file writes
     * `reset` before them: they start from no command, no key and no channel.
     */
    readonly rules: readonly string[];
}

/** The key (and pub/sub channel) prefix of an MCP server's cache user: `<server>:`. */
export const cacheKeyPrefix = (server: string): string => `${server}:`;

/**
 * An MCP server's user, starting from `reset` (no command, key or channel): reads, writes,
 * transactions and pub/sub on its own prefix only. Nothing dangerous (FLUSHALL, KEYS, CONFIG,
 * DEBUG…), and nothing that shows or changes other servers' data without naming one of their keys
 * or channels, which Redis would check against the prefix:
 * - SCAN, RANDOMKEY (walk or sample the keyspace) and DBSIZE (counts every server's keys);
 * - CLIENT TRACKING (`BCAST PREFIX <other>:` sends the invalidations of other servers' keys);
 * - PUBSUB CHANNELS/NUMSUB/SHARDCHANNELS… (list every channel; SUBSCRIBE and PUBLISH stay);
 * - scripts and functions: FUNCTION LOAD/DELETE/FLUSH/RESTORE come with @write, and act on every
 *   library of the server;
 * - PFMERGE, which with its destination only names no key Redis checks (it would create any key).
 */
export function cacheServerUser(server: string): AclUser {
    const prefix = cacheKeyPrefix(server);
    return {
        name: server,
        rules: [
            `~${prefix}*`,
            `&${prefix}*`,
            "+@connection",
            "+@read",
            "+@write",
            "+@transaction",
            "+@pubsub",
            "-@dangerous",
            "-@scripting",
            "-scan",
            "-randomkey",
            "-dbsize",
            "-client|tracking",
            "-pubsub",
            "-pfmerge",
        ],
    };
}

/** The users every Redis of the platform has, before the MCP servers' own. */
export const PLATFORM_ACL_USERS: readonly AclUser[] = [
    { name: PLATFORM_USERS.admin, rules: ["~*", "&*", "+@all"] },
    {
        name: PLATFORM_USERS.exporter,
        // From `reset`: the connection's own commands, and exactly the reads redis_exporter sends for its
        // metrics (INFO, CONFIG GET *, SLOWLOG LEN and GET, LATENCY LATEST and HISTOGRAM, CLIENT LIST,
        // CLUSTER INFO); none of the resets (SLOWLOG RESET, LATENCY RESET, MEMORY PURGE) and no key.
        rules: [
            "+@connection",
            "-@dangerous",
            "+info",
            "+config|get",
            "+client|list",
            "+cluster|info",
            "+slowlog|get",
            "+slowlog|len",
            "+latency|latest",
            "+latency|histogram",
        ],
    },
    // From `reset`: what `redis-cli --rdb` sends (REPLCONF capa eof, REPLCONF rdb-only 1, SYNC), and PING.
    { name: PLATFORM_USERS.backup, rules: ["+ping", "+replconf", "+sync"] },
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
