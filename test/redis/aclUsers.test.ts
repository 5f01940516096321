// What each user of the program's ACL file may do, judged by a real redis-server on 127.0.0.1 and the
// real clients: an MCP server's cache user within its own keys and channels and nowhere else, the
// exporter with what redis_exporter sends and no key, the backup user with what `redis-cli --rdb`
// sends and nothing else, the admin with everything. The ACL file is rendered and Redis started before each test, not once:
// a mutation run gives a mutant only to the tests that ran its code (test/mutation, "Do the work
// inside the test"), and a `before` hook runs it outside every test.
import { expect } from "chai";
import { randomBytes } from "crypto";
import * as fs from "fs";
import type Redis from "ioredis";
import * as path from "path";
import { loadCatalog } from "../../catalog";
import { cacheKeyPrefix, passwordHash, PLATFORM_USERS, redisAclUsers, renderAclFile } from "../../components/redis";
import { snapshotRedis } from "../../images/backup/src/redis";
import { RedisTestServer, refusal, scrapeRedisExporter } from "../support/redis";

/** One command of the running Redis, a subcommand by its full name (`client|kill`), from COMMAND. */
interface RedisCommand {
    readonly name: string;
    readonly arity: number;
    readonly flags: readonly string[];
    readonly categories: readonly string[];
    /** It names keys (first key position or key specs): the ACL checks them against the user's patterns. */
    readonly keyed: boolean;
}

/** Every command the server runs, containers replaced by their subcommands. */
async function commandTable(admin: Redis): Promise<RedisCommand[]> {
    const entries = (await admin.call("COMMAND")) as unknown[][];
    const parse = (e: unknown[]): RedisCommand[] => {
        const subcommands = (e[9] as unknown[][] | undefined) ?? [];
        if (subcommands.length > 0) return subcommands.flatMap(parse);
        return [
            {
                name: String(e[0]).toLowerCase(),
                arity: Number(e[1]),
                flags: (e[2] as string[]).map(String),
                categories: (e[6] as string[]).map(String),
                keyed: Number(e[3]) > 0 || ((e[8] as unknown[] | undefined) ?? []).length > 0,
            },
        ];
    };
    return entries.flatMap(parse);
}

/** `command`'s words, then `arg` as often as its arity asks at least: `client kill x`. */
function commandLine(command: RedisCommand, arg: string): string[] {
    const words = command.name.split("|");
    return [...words, ...Array<string>(Math.max(0, Math.abs(command.arity) - words.length)).fill(arg)];
}

/**
 * `ACL DRYRUN`: whether `user` may run `command` with every argument `arg` (as many as its arity
 * asks), without running it. "OK", or Redis's reason ("… has no permissions to …").
 */
async function dryRun(admin: Redis, user: string, command: RedisCommand, arg: string): Promise<string> {
    return String(await admin.call("ACL", "DRYRUN", user, ...commandLine(command, arg)));
}

/** The commands of `commands` whose dry run as `user` (every argument `arg`) does not answer as `allowed` says. */
async function misjudged(admin: Redis, user: string, commands: readonly RedisCommand[], arg: string, allowed: boolean): Promise<string[]> {
    const answers = await Promise.all(commands.map((c) => dryRun(admin, user, c, arg)));
    const judged = (answer: string) => (allowed ? answer === "OK" : /no permissions/.test(answer));
    return commands.flatMap((c, i) => (judged(answers[i]) ? [] : [`${c.name}: ${answers[i]}`]));
}

/**
 * The commands of `commands` whose arguments (every one `arg`, as in `dryRun`) name a key, by COMMAND
 * GETKEYS. Not all do: `ZUNION x x` has no valid key count, `PFMERGE x` (its destination only) fails
 * Redis's key specs; Redis then checks no key at all.
 */
async function namingKeys(admin: Redis, commands: readonly RedisCommand[], arg: string): Promise<RedisCommand[]> {
    const keys = await Promise.all(commands.map((c) => (admin.call("COMMAND", "GETKEYS", ...commandLine(c, arg)) as Promise<string[]>).catch(() => [])));
    return commands.filter((_, i) => keys[i].length > 0);
}

const has = (command: RedisCommand, ...categories: string[]) => categories.some((c) => command.categories.includes(c));
/** AUTH and HELLO: every client may send them, to log in; no ACL rule applies. */
const loginCommand = (command: RedisCommand) => command.flags.includes("no_auth");

describe("Redis ACL users, each doing its job on a real redis-server", function () {
    this.timeout(60_000);
    let passwords: Map<string, string>;
    let cacheServers: string[];
    let redis: RedisTestServer | undefined;
    const passwordOf = (user: string) => {
        if (!passwords.has(user)) passwords.set(user, randomBytes(24).toString("hex"));
        return passwords.get(user)!;
    };
    const loggedIn = (user: string) => redis!.loggedIn(user, passwordOf(user));

    before(() => {
        passwords = new Map();
    });

    beforeEach(async () => {
        cacheServers = loadCatalog()
            .servers.filter((s) => s.cache)
            .map((s) => s.name);
        const acl = renderAclFile(redisAclUsers(cacheServers).map((u) => ({ ...u, passwordSha256: passwordHash(passwordOf(u.name)) })));
        redis = await RedisTestServer.start(acl, PLATFORM_USERS.admin, passwordOf(PLATFORM_USERS.admin));
    });

    afterEach(() => {
        redis?.stop();
        redis = undefined;
    });

    it("lets each cache server's user work on its own keys and channels: reads, writes, expiry, transactions, pub/sub, connection commands", async () => {
        expect(cacheServers, "the catalog's cache servers").to.not.be.empty;
        for (const server of cacheServers) {
            const prefix = cacheKeyPrefix(server);
            const c = await loggedIn(server);
            // The connection's own commands.
            expect(await c.ping(), `${server} PING`).to.equal("PONG");
            expect(await c.echo("hi"), `${server} ECHO`).to.equal("hi");
            expect(await c.call("CLIENT", "SETNAME", `${server}-cache`)).to.equal("OK");
            expect(await c.call("CLIENT", "GETNAME")).to.equal(`${server}-cache`);
            // Reads and writes on every type, expiry, and the key commands that stay within the prefix.
            expect(await c.set(`${prefix}s`, "v")).to.equal("OK");
            expect(await c.get(`${prefix}s`)).to.equal("v");
            expect(await c.hset(`${prefix}h`, "f", "1")).to.equal(1);
            expect(await c.hgetall(`${prefix}h`)).to.deep.equal({ f: "1" });
            expect(await c.rpush(`${prefix}l`, "a", "b")).to.equal(2);
            expect(await c.lrange(`${prefix}l`, 0, -1)).to.deep.equal(["a", "b"]);
            expect(await c.zadd(`${prefix}z`, 1, "m")).to.equal(1);
            expect(await c.zrange(`${prefix}z`, "0", "-1")).to.deep.equal(["m"]);
            expect(await c.expire(`${prefix}s`, 60)).to.equal(1);
            expect(await c.ttl(`${prefix}s`)).to.be.within(1, 60);
            expect(await c.exists(`${prefix}s`, `${prefix}h`)).to.equal(2);
            expect(await c.type(`${prefix}l`)).to.equal("list");
            expect(await c.rename(`${prefix}l`, `${prefix}l2`)).to.equal("OK");
            expect(await c.del(`${prefix}l2`, `${prefix}z`)).to.equal(2);
            // A transaction, with WATCH.
            expect(await c.watch(`${prefix}n`)).to.equal("OK");
            expect(await c.multi().incr(`${prefix}n`).expire(`${prefix}n`, 60).exec()).to.deep.equal([
                [null, 1],
                [null, 1],
            ]);
            // Pub/sub on its own channels: a subscriber gets what the server publishes.
            const subscriber = await loggedIn(server);
            const received = new Promise<string[]>((resolve) => {
                const messages: string[] = [];
                const got = (message: string) => messages.push(message) === 2 && resolve(messages.sort());
                subscriber.on("message", (channel: string, message: string) => got(`${channel} ${message}`));
                subscriber.on("pmessage", (_pattern: string, channel: string, message: string) => got(`pattern ${channel} ${message}`));
            });
            await subscriber.subscribe(`${prefix}events`);
            await subscriber.psubscribe(`${prefix}*`);
            expect(await c.publish(`${prefix}events`, "hello")).to.equal(2);
            expect(await received).to.deep.equal([`${prefix}events hello`, `pattern ${prefix}events hello`].sort());
            subscriber.disconnect();
            c.disconnect();
        }
    });

    it("refuses each cache server's user every other server's keys and channels, and any key or channel outside its prefix", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        for (const server of cacheServers) {
            const c = await loggedIn(server);
            const others = [...cacheServers.filter((s) => s !== server).map(cacheKeyPrefix), `${server}-other:`, "shared:"];
            for (const other of others) {
                expect(await admin.set(`${other}k`, "theirs")).to.equal("OK");
                expect(await refusal(c.get(`${other}k`)), `${server} GET ${other}k`).to.match(/^NOPERM/);
                expect(await refusal(c.set(`${other}k`, "x")), `${server} SET ${other}k`).to.match(/^NOPERM/);
                expect(await refusal(c.del(`${other}k`)), `${server} DEL ${other}k`).to.match(/^NOPERM/);
                // Copying or renaming out of its prefix is no way around it.
                expect(await refusal(c.call("COPY", `${other}k`, `${cacheKeyPrefix(server)}stolen`)), `${server} COPY`).to.match(/^NOPERM/);
                expect(await refusal(c.publish(`${other}events`, "x")), `${server} PUBLISH ${other}events`).to.match(/^NOPERM/);
                const subscriber = await loggedIn(server);
                expect(await refusal(subscriber.subscribe(`${other}events`)), `${server} SUBSCRIBE ${other}events`).to.match(/NOPERM/);
                subscriber.disconnect();
            }
            const listener = await loggedIn(server);
            expect(await refusal(listener.psubscribe("*")), `${server} PSUBSCRIBE *`).to.match(/NOPERM/);
            listener.disconnect();
            expect(await admin.get(`${cacheKeyPrefix(server)}stolen`)).to.equal(null);
            c.disconnect();
        }
    });

    it("refuses each cache server's user what walks the keyspace or reaches the whole server: SCAN, RANDOMKEY, every @dangerous command", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        const commands = await commandTable(admin);
        const dangerous = commands.filter((c) => has(c, "@dangerous"));
        expect(dangerous.map((c) => c.name)).to.include.members(["keys", "flushall", "flushdb", "config|set", "debug", "shutdown", "client|kill", "monitor"]);
        for (const server of cacheServers) {
            const c = await loggedIn(server);
            // Run for real, after the admin wrote a key the command would show or delete.
            expect(await admin.set(`${cacheKeyPrefix(server)}kept`, "1")).to.equal("OK");
            const refused = [
                ["KEYS", "*"],
                ["SCAN", "0"],
                ["RANDOMKEY"],
                ["FLUSHALL"],
                ["FLUSHDB"],
                ["SWAPDB", "0", "1"],
                ["CONFIG", "GET", "*"],
                ["CLIENT", "LIST"],
                ["CLIENT", "KILL", "ID", "999999"],
            ];
            for (const [command, ...args] of refused) {
                expect(await refusal(c.call(command, ...args)), `${server}: ${[command, ...args].join(" ")}`).to.match(/^NOPERM/);
            }
            expect(await admin.get(`${cacheKeyPrefix(server)}kept`)).to.equal("1");
            // Every other @dangerous command, and SCAN and RANDOMKEY, even on its own keys.
            const walkers = commands.filter((cmd) => ["scan", "randomkey"].includes(cmd.name));
            expect(walkers).to.have.length(2);
            expect(await misjudged(admin, server, [...dangerous, ...walkers], `${cacheKeyPrefix(server)}*`, false), server).to.deep.equal([]);
            c.disconnect();
        }
    });

    it("refuses each cache server's user what reaches other servers' data without naming a key: tracking, PUBSUB listings, FUNCTION libraries, PFMERGE, DBSIZE", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        // Another user's channels in use, a library of functions loaded, keys written: what the commands would show or change.
        const listener = await loggedIn(PLATFORM_USERS.admin);
        await listener.subscribe("elsewhere:events");
        await listener.ssubscribe("elsewhere:shard");
        const library = "#!lua name=platformlib\nredis.register_function('platform_one', function() return 1 end)";
        expect(await admin.call("FUNCTION", "LOAD", library)).to.equal("platformlib");
        const dump = (await admin.callBuffer("FUNCTION", "DUMP")) as Buffer;
        for (const server of cacheServers) {
            const prefix = cacheKeyPrefix(server);
            const c = await loggedIn(server);
            expect(await admin.set("elsewhere:k", "theirs")).to.equal("OK");
            // CLIENT TRACKING would send it the invalidations of other servers' keys (BCAST PREFIX <other>:).
            expect(await refusal(c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "elsewhere:")), `${server} CLIENT TRACKING BCAST`).to.match(/^NOPERM/);
            expect(await refusal(c.call("CLIENT", "TRACKING", "ON")), `${server} CLIENT TRACKING`).to.match(/^NOPERM/);
            // PUBSUB lists channels without checking them against the user's patterns.
            for (const args of [
                ["CHANNELS"],
                ["CHANNELS", "*"],
                ["NUMSUB", "elsewhere:events"],
                ["NUMPAT"],
                ["SHARDCHANNELS"],
                ["SHARDNUMSUB", "elsewhere:shard"],
            ]) {
                expect(await refusal(c.call("PUBSUB", ...args)), `${server} PUBSUB ${args.join(" ")}`).to.match(/^NOPERM/);
            }
            // FUNCTION LOAD, DELETE, FLUSH and RESTORE are @write and name no key: every library of the server.
            const functionCommands = [
                ["FLUSH"],
                ["DELETE", "platformlib"],
                ["LOAD", "REPLACE", library.replace("return 1", "return 2")],
                ["RESTORE", dump, "REPLACE"],
            ];
            for (const args of functionCommands) {
                expect(await refusal(c.call("FUNCTION", ...args)), `${server} FUNCTION ${String(args[0])}`).to.match(/^NOPERM/);
            }
            expect(await admin.call("FCALL", "platform_one", "0")).to.equal(1);
            // PFMERGE with its destination only checks no key: it would create one anywhere.
            expect(await refusal(c.call("PFMERGE", "elsewhere:hll")), `${server} PFMERGE elsewhere:hll`).to.match(/^NOPERM/);
            expect(await refusal(c.call("PFMERGE", `${prefix}hll`)), `${server} PFMERGE ${prefix}hll`).to.match(/^NOPERM/);
            expect(await admin.exists("elsewhere:hll", `${prefix}hll`)).to.equal(0);
            // Its own HyperLogLogs still work.
            expect(await c.pfadd(`${prefix}hll`, "a", "b")).to.equal(1);
            expect(await c.pfcount(`${prefix}hll`)).to.equal(2);
            // DBSIZE counts every server's keys.
            expect(await refusal(c.call("DBSIZE")), `${server} DBSIZE`).to.match(/^NOPERM/);
            c.disconnect();
        }
        // Every subcommand of PUBSUB and FUNCTION, every script, and CLIENT TRACKING, whatever the arguments.
        const commands = await commandTable(admin);
        const swept = commands.filter(
            (c) => has(c, "@scripting") || /^(pubsub|function)\|/.test(c.name) || ["client|tracking", "pfmerge", "dbsize"].includes(c.name),
        );
        expect(swept.map((c) => c.name)).to.include.members([
            "function|load",
            "function|delete",
            "function|flush",
            "function|restore",
            "pubsub|channels",
            "pubsub|shardnumsub",
            "eval",
            "fcall",
        ]);
        for (const server of cacheServers) {
            expect(await misjudged(admin, server, swept, `${cacheKeyPrefix(server)}*`, false), server).to.deep.equal([]);
        }
        listener.disconnect();
    });

    it("gives each cache server's user every command of its categories on its own keys, and none outside them", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        const commands = await commandTable(admin);
        const given = ["@read", "@write", "@transaction", "@pubsub", "@connection"];
        // Taken back from those categories: what walks or counts the keyspace, scripts and functions,
        // what lists channels or tracks keys without a pattern check, PFMERGE (no key checked with its destination only).
        const takenBack = ["scan", "randomkey", "dbsize", "pfmerge", "client|tracking"];
        const refused = (c: RedisCommand) =>
            has(c, "@dangerous", "@scripting") || takenBack.includes(c.name) || c.name.startsWith("pubsub|") || (!has(c, ...given) && !loginCommand(c));
        // What it may do: every keyed command of those categories (on its own keys), every transaction
        // and connection command but tracking.
        const allowed = commands.filter((c) => !refused(c) && (c.keyed || has(c, "@transaction", "@connection")));
        const outside = commands.filter(refused);
        expect(allowed.map((c) => c.name)).to.include.members(["get", "set", "hset", "xadd", "expire", "multi", "exec", "watch", "ping", "client|setname"]);
        expect(outside.map((c) => c.name)).to.include.members([
            "eval",
            "fcall",
            "function|flush",
            "pubsub|channels",
            "client|tracking",
            "pfmerge",
            "dbsize",
            "object|help",
            "acl|list",
            "info",
            "keys",
            "scan",
        ]);
        for (const server of cacheServers) {
            const own = `${cacheKeyPrefix(server)}*`;
            expect(await misjudged(admin, server, allowed, own, true), `${server} may`).to.deep.equal([]);
            expect(await misjudged(admin, server, outside, own, false), `${server} may not`).to.deep.equal([]);
            // On another prefix every keyed command is refused (when its arguments name a key at all).
            const elsewhere = `${server}-other:*`;
            const naming = await namingKeys(admin, allowed, elsewhere);
            expect(await misjudged(admin, server, naming, elsewhere, false), `${server} elsewhere`).to.deep.equal([]);
        }
    });

    it("lets the exporter user run what redis_exporter sends, and nothing that writes, reads a key or manages the server", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        // Every command counts as slow: the slow log has entries, which SLOWLOG RESET must not clear.
        expect(await admin.call("CONFIG", "SET", "slowlog-log-slower-than", "0")).to.equal("OK");
        const exporter = await loggedIn(PLATFORM_USERS.exporter);
        // redis_exporter v1.62.0 (exporter/exporter.go scrapeRedisHost, slowlog.go, latency.go, clients.go):
        // on every scrape CLIENT SETNAME, CONFIG GET *, INFO ALL, LATENCY LATEST and HISTOGRAM, SLOWLOG LEN
        // and GET 1; PING with --ping-on-connect, CLIENT LIST with --export-client-list.
        expect(await exporter.ping()).to.equal("PONG");
        expect(await exporter.call("CLIENT", "SETNAME", "redis_exporter")).to.equal("OK");
        expect(await exporter.call("CONFIG", "GET", "*")).to.include("maxmemory");
        expect(await exporter.call("INFO", "ALL")).to.match(/^# Server/);
        expect(await exporter.call("LATENCY", "LATEST")).to.be.an("array");
        expect(await exporter.call("LATENCY", "HISTOGRAM")).to.be.an("array");
        expect(await exporter.call("SLOWLOG", "LEN")).to.be.a("number");
        expect(await exporter.call("SLOWLOG", "GET", "1")).to.be.an("array");
        expect(await exporter.call("CLIENT", "LIST")).to.match(/name=redis_exporter /);
        // CLUSTER INFO when INFO says cluster_enabled:1: this Redis answers it itself (no cluster), not the ACL.
        expect(await refusal(exporter.call("CLUSTER", "INFO"))).to.match(/cluster support disabled/);

        const key = `${cacheKeyPrefix(cacheServers[0])}k`;
        expect(await admin.set(key, "1")).to.equal("OK");
        const refused = [
            ["GET", key],
            ["SET", key, "x"],
            ["MEMORY", "USAGE", key],
            // Nothing that resets or changes what it reads, and nothing redis_exporter does not send.
            ["MEMORY", "PURGE"],
            ["MEMORY", "STATS"],
            ["SLOWLOG", "RESET"],
            ["LATENCY", "RESET"],
            ["LATENCY", "DOCTOR"],
            ["DBSIZE"],
            ["KEYS", "*"],
            ["SCAN", "0"],
            ["FLUSHALL"],
            ["CONFIG", "SET", "maxmemory", "1"],
            ["CLIENT", "KILL", "ID", "999999"],
            ["CLIENT", "PAUSE", "1"],
            ["CLIENT", "NO-EVICT", "on"],
            ["CLIENT", "UNBLOCK", "999999"],
            ["ACL", "LIST"],
            ["SHUTDOWN"],
            // The key groups' Lua script (--check-key-groups) is not for this user.
            ["EVAL", "return 1", "0"],
            ["PUBLISH", `${cacheKeyPrefix(cacheServers[0])}events`, "x"],
        ];
        for (const [command, ...args] of refused) {
            expect(await refusal(exporter.call(command, ...args)), [command, ...args].join(" ")).to.match(/^NOPERM/);
        }
        expect(await admin.get(key)).to.equal("1");
        expect(await admin.call("CONFIG", "GET", "maxmemory")).to.not.deep.equal(["maxmemory", "1"]);
        expect(await admin.call("SLOWLOG", "LEN")).to.be.greaterThan(0);

        // Swept: exactly the connection's own commands (none @dangerous) and what redis_exporter sends;
        // every other command refused, whatever its arguments.
        const commands = await commandTable(admin);
        const sends = ["info", "config|get", "client|list", "cluster|info", "slowlog|get", "slowlog|len", "latency|latest", "latency|histogram"];
        const allowed = commands.filter((c) => sends.includes(c.name) || (has(c, "@connection") && !has(c, "@dangerous") && !loginCommand(c)));
        expect(allowed.map((c) => c.name)).to.include.members([...sends, "ping", "client|setname", "client|info", "select"]);
        const outside = commands.filter((c) => !loginCommand(c) && !allowed.includes(c));
        expect(outside.map((c) => c.name)).to.include.members([
            "memory|purge",
            "memory|usage",
            "slowlog|reset",
            "latency|reset",
            "dbsize",
            "get",
            "eval",
            "publish",
        ]);
        expect(await misjudged(admin, PLATFORM_USERS.exporter, allowed, key, true)).to.deep.equal([]);
        expect(await misjudged(admin, PLATFORM_USERS.exporter, outside, key, false)).to.deep.equal([]);
    });

    it("gives redis_exporter its metrics, the client list and the slow log among them, with no refusal in its log", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        // Every command counts as slow: the slow log has entries for the exporter to report.
        expect(await admin.call("CONFIG", "SET", "slowlog-log-slower-than", "0")).to.equal("OK");
        // The workload's environment, with the exporter's optional PING and client list turned on.
        const { metrics, log } = await scrapeRedisExporter(redis!.port, redis!.dir, passwordOf(PLATFORM_USERS.exporter), {
            REDIS_EXPORTER_PING_ON_CONNECT: "true",
            REDIS_EXPORTER_EXPORT_CLIENT_LIST: "true",
        });
        expect(metrics, log).to.match(/^redis_up 1$/m);
        expect(metrics).to.match(/^redis_exporter_last_scrape_ping_time_seconds \S+$/m);
        expect(Number(/^redis_config_maxmemory (\S+)$/m.exec(metrics)?.[1]), "redis_config_maxmemory").to.be.greaterThan(0);
        expect(Number(/^redis_slowlog_length (\S+)$/m.exec(metrics)?.[1]), "redis_slowlog_length").to.be.greaterThan(0);
        expect(metrics).to.match(/^redis_slowlog_last_id \d+$/m);
        expect(metrics).to.match(/^redis_connected_clients_details\{[^}]*name="redis_exporter"[^}]*\} 1$/m);
        expect(metrics).to.match(/^redis_exporter_last_scrape_error\{err=""\} 0$/m);
        expect(log, log).to.not.match(/NOPERM|WRONGPASS|NOAUTH|err: /);
    });

    it("lets the backup user fetch a snapshot with the backup program, streamed (the server writes nothing to its disk), and nothing else", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        const key = `${cacheKeyPrefix(cacheServers[0])}in-the-backup`;
        expect(await admin.set(key, "1")).to.equal("OK");
        const saves = async () => Number(/^rdb_saves:(\d+)/m.exec(String(await admin.call("INFO", "persistence")))?.[1]);
        const savesBefore = await saves();
        expect(savesBefore).to.be.a("number").and.not.NaN;

        const backupDir = fs.mkdtempSync(path.join(redis!.dir, "backup-"));
        const passwordFile = path.join(redis!.dir, "backup-password");
        fs.writeFileSync(passwordFile, passwordOf(PLATFORM_USERS.backup), { mode: 0o600 });
        // The backup job's environment (components/backup-jobs): REDIS_URL, REDIS_USERNAME, REDIS_PASSWORD_FILE.
        const file = await snapshotRedis(backupDir, {
            PATH: process.env.PATH,
            REDIS_URL: `redis://127.0.0.1:${redis!.port}`,
            REDIS_USERNAME: PLATFORM_USERS.backup,
            REDIS_PASSWORD_FILE: passwordFile,
        });
        const rdb = fs.readFileSync(file);
        expect(rdb.subarray(0, 5).toString()).to.equal("REDIS");
        expect(rdb.includes(Buffer.from(key)), "the snapshot holds the key").to.equal(true);
        // REPLCONF capa eof and rdb-only accepted: the server streamed the snapshot from a fork instead of
        // first saving it to its own volume, as it does for a client that may not send them.
        expect(await saves(), "RDB saves on the server's disk").to.equal(savesBefore);

        const backup = await loggedIn(PLATFORM_USERS.backup);
        // Enough to check its login and that Redis answers.
        expect(await backup.ping()).to.equal("PONG");
        // PSYNC is not what redis-cli --rdb sends (REPLCONF capa eof, REPLCONF rdb-only 1, SYNC).
        for (const [command, ...args] of [["PSYNC", "?", "-1"], ["GET", key], ["KEYS", "*"], ["INFO"], ["CONFIG", "GET", "*"], ["FLUSHALL"], ["MONITOR"]]) {
            expect(await refusal(backup.call(command, ...args)), [command, ...args].join(" ")).to.match(/^NOPERM/);
        }
        const commands = await commandTable(admin);
        const replication = ["ping", "replconf", "sync"];
        const outside = commands.filter((c) => !loginCommand(c) && !replication.includes(c.name));
        expect(await misjudged(admin, PLATFORM_USERS.backup, outside, key, false)).to.deep.equal([]);
    });

    it("lets the admin user run every command on any key and channel: an operator can watch every server's channels", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        const commands = await commandTable(admin);
        expect(await misjudged(admin, PLATFORM_USERS.admin, commands, `${cacheKeyPrefix(cacheServers[0])}k`, true)).to.deep.equal([]);
        expect(await misjudged(admin, PLATFORM_USERS.admin, commands, "anything", true)).to.deep.equal([]);

        const watcher = await loggedIn(PLATFORM_USERS.admin);
        const received: string[] = [];
        const all = new Promise<void>((resolve) =>
            watcher.on("pmessage", (_pattern: string, channel: string) => {
                received.push(channel);
                if (received.length === cacheServers.length) resolve();
            }),
        );
        await watcher.psubscribe("*");
        for (const server of cacheServers) {
            const c = await loggedIn(server);
            expect(await c.publish(`${cacheKeyPrefix(server)}events`, "x")).to.equal(1);
            expect(await c.set(`${cacheKeyPrefix(server)}k`, server)).to.equal("OK");
            expect(await admin.get(`${cacheKeyPrefix(server)}k`)).to.equal(server);
            c.disconnect();
        }
        await all;
        expect(received).to.deep.equal(cacheServers.map((s) => `${cacheKeyPrefix(s)}events`));
        expect(await admin.publish("any-channel", "x")).to.equal(1);
        watcher.disconnect();
    });
});
