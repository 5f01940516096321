// The ACL file the program renders, judged by a real redis-server on 127.0.0.1: each cache server's
// user within its own prefix and nowhere else, no anonymous access, and the platform's own users
// (admin for the health check, exporter, backup) doing their jobs with real clients.
import { spawnSync } from "child_process";
import { expect } from "chai";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadCatalog } from "../../catalog";
import {
    cacheKeyPrefix,
    DEFAULT_REDIS,
    maxMemoryBytes,
    passwordHash,
    PLATFORM_USERS,
    redisAclUsers,
    redisHealthCommand,
    renderAclFile,
} from "../../components/redis";
import { snapshotRedis } from "../../images/backup/src/redis";
import { RedisTestServer, refusal, scrapeRedisExporter } from "../support/redis";

const cacheServers = loadCatalog()
    .servers.filter((s) => s.cache)
    .map((s) => s.name);
const users = redisAclUsers(cacheServers);
const passwords = new Map(users.map((u) => [u.name, randomBytes(24).toString("hex")]));
const passwordOf = (user: string) => passwords.get(user)!;

let redis: RedisTestServer;
/** A connected client logged in as `user` with its password. */
const loggedIn = (user: string) => redis.loggedIn(user, passwordOf(user));
/** A client that has not logged in. */
const client = () => redis.client();

describe("Redis ACL on a real redis-server", function () {
    this.timeout(60_000);
    let dir: string;
    let port: number;

    before(async () => {
        const acl = renderAclFile(users.map((u) => ({ ...u, passwordSha256: passwordHash(passwordOf(u.name)) })));
        redis = await RedisTestServer.start(acl, PLATFORM_USERS.admin, passwordOf(PLATFORM_USERS.admin));
        ({ dir, port } = redis);
    });

    after(() => redis?.stop());

    it("has one user per cache server of the catalog besides the platform's own, and default disabled", async () => {
        expect(cacheServers, "the catalog's cache servers").to.not.be.empty;
        const admin = await loggedIn(PLATFORM_USERS.admin);
        const listed = (await admin.call("ACL", "USERS")) as string[];
        expect([...listed].sort()).to.deep.equal(["default", ...Object.values(PLATFORM_USERS), ...cacheServers].sort());
        const rules = (await admin.call("ACL", "GETUSER", "default")) as unknown[];
        const flags = rules[rules.indexOf("flags") + 1] as string[];
        expect(flags).to.include("off");
    });

    it("refuses an anonymous client and the default user, whatever password it tries", async () => {
        const anonymous = client();
        await anonymous.connect();
        expect(await refusal(anonymous.get(`${cacheKeyPrefix(cacheServers[0])}k`))).to.match(/^NOAUTH/);
        expect(await refusal(anonymous.ping())).to.match(/^NOAUTH/);
        expect(await refusal(anonymous.call("AUTH", "anything"))).to.match(/^WRONGPASS/);
        expect(await refusal(anonymous.call("AUTH", "default", passwordOf(PLATFORM_USERS.admin)))).to.match(/^WRONGPASS/);
    });

    it("refuses a cache server's user with another user's password", async () => {
        const [first] = cacheServers;
        const c = client();
        await c.connect();
        expect(await refusal(c.call("AUTH", first, passwordOf(PLATFORM_USERS.admin)))).to.match(/^WRONGPASS/);
        expect(await c.call("AUTH", first, passwordOf(first))).to.equal("OK");
    });

    it("lets each cache server's user SET and GET within its own prefix, and nowhere else", async () => {
        for (const server of cacheServers) {
            const c = await loggedIn(server);
            const own = `${cacheKeyPrefix(server)}greeting`;
            expect(await c.set(own, `hello from ${server}`)).to.equal("OK");
            expect(await c.get(own)).to.equal(`hello from ${server}`);
            expect(
                await c
                    .multi()
                    .incr(`${cacheKeyPrefix(server)}count`)
                    .expire(`${cacheKeyPrefix(server)}count`, 60)
                    .exec(),
            ).to.deep.equal([
                [null, 1],
                [null, 1],
            ]);
            expect(await c.publish(`${cacheKeyPrefix(server)}events`, "x")).to.equal(0);
            // Outside any prefix, on the bare name, and on every other cache server's prefix.
            for (const key of ["shared:key", server, `${server}-other:key`]) {
                expect(await refusal(c.set(key, "x")), `${server} SET ${key}`).to.match(/^NOPERM/);
            }
            for (const other of cacheServers.filter((s) => s !== server)) {
                const theirs = `${cacheKeyPrefix(other)}greeting`;
                expect(await refusal(c.get(theirs)), `${server} GET ${theirs}`).to.match(/^NOPERM/);
                expect(await refusal(c.set(theirs, "x")), `${server} SET ${theirs}`).to.match(/^NOPERM/);
                expect(await refusal(c.del(theirs)), `${server} DEL ${theirs}`).to.match(/^NOPERM/);
                expect(await refusal(c.publish(`${cacheKeyPrefix(other)}events`, "x")), `${server} PUBLISH`).to.match(/^NOPERM/);
            }
        }
    });

    it("refuses cache servers what reaches beyond their keys: the keyspace, the server, the other users", async () => {
        for (const server of cacheServers) {
            const c = await loggedIn(server);
            const refused = [
                ["KEYS", "*"],
                ["SCAN", "0"],
                ["RANDOMKEY"],
                ["FLUSHALL"],
                ["FLUSHDB"],
                ["CONFIG", "GET", "*"],
                ["ACL", "LIST"],
                ["SYNC"],
                ["CLIENT", "KILL", "ID", "999999"],
                ["MONITOR"],
                ["SHUTDOWN"],
                ["EVAL", "return 1", "0"],
            ];
            for (const [command, ...args] of refused) {
                expect(await refusal(c.call(command, ...args)), `${server}: ${command}`).to.match(/^NOPERM/);
            }
        }
    });

    it("lets the admin user do anything, and the health check pass only with the admin's password file", () => {
        const run = (password: string) => {
            const file = path.join(dir, `admin-password-${randomBytes(4).toString("hex")}`);
            fs.writeFileSync(file, password, { mode: 0o600 });
            const [command, ...args] = redisHealthCommand(port);
            return spawnSync(command, args, { encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH, REDIS_ADMIN_PASSWORD_FILE: file } });
        };
        const healthy = run(passwordOf(PLATFORM_USERS.admin));
        expect(healthy.status, healthy.stderr).to.equal(0);
        expect(run("not-the-password").status).to.not.equal(0);
    });

    it("lets the exporter user give redis_exporter its metrics, and nothing more", async () => {
        const admin = await loggedIn(PLATFORM_USERS.admin);
        expect(await admin.set(`${cacheKeyPrefix(cacheServers[0])}seen-by-admin`, "1")).to.equal("OK");
        const exporter = await loggedIn(PLATFORM_USERS.exporter);
        expect(await refusal(exporter.get(`${cacheKeyPrefix(cacheServers[0])}seen-by-admin`))).to.match(/^NOPERM/);
        expect(await refusal(exporter.call("FLUSHALL"))).to.match(/^NOPERM/);

        // The workload's environment: REDIS_ADDR, REDIS_USER and the password file REDIS_PASSWORD_FILE names.
        const { metrics, log: exporterLog } = await scrapeRedisExporter(port, dir, passwordOf(PLATFORM_USERS.exporter));
        expect(metrics, exporterLog).to.match(/^redis_up 1$/m);
        expect(metrics).to.match(/^redis_connected_clients \d+$/m);
        // INFO, CONFIG GET and LATENCY answered: the exporter's reads are all allowed.
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1]);
        expect(value("redis_config_maxmemory")).to.equal(maxMemoryBytes(DEFAULT_REDIS.resources));
        expect(metrics).to.match(/^redis_latency_percentiles_usec\{cmd="auth",quantile="50"\} /m);
        expect(metrics).to.match(/^redis_exporter_last_scrape_error\{err=""\} 0$/m);
        expect(exporterLog).to.not.match(/NOPERM|WRONGPASS|NOAUTH/);
    });

    it("lets the backup user fetch an RDB snapshot with the backup program, which a cache server's user cannot", async () => {
        const backupDir = fs.mkdtempSync(path.join(dir, "backup-"));
        const passwordFile = path.join(dir, "backup-password");
        fs.writeFileSync(passwordFile, passwordOf(PLATFORM_USERS.backup), { mode: 0o600 });
        // The backup job's environment (components/backup-jobs): REDIS_URL, REDIS_USERNAME, REDIS_PASSWORD_FILE.
        const env = {
            PATH: process.env.PATH,
            REDIS_URL: `redis://127.0.0.1:${port}`,
            REDIS_USERNAME: PLATFORM_USERS.backup,
            REDIS_PASSWORD_FILE: passwordFile,
        };
        const file = await snapshotRedis(backupDir, env);
        expect(fs.readFileSync(file).subarray(0, 5).toString()).to.equal("REDIS");

        const backup = await loggedIn(PLATFORM_USERS.backup);
        expect(await refusal(backup.get(`${cacheKeyPrefix(cacheServers[0])}greeting`))).to.match(/^NOPERM/);
        const server = cacheServers[0];
        fs.writeFileSync(passwordFile, passwordOf(server));
        const asServer = { ...env, REDIS_USERNAME: server };
        let message = "";
        await snapshotRedis(fs.mkdtempSync(path.join(dir, "backup-")), asServer).catch((error: Error) => (message = error.message));
        expect(message).to.match(/NOPERM|no permissions/i);
    });
});
