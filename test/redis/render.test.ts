// The ACL file's renderer refuses what Redis would misread, naming every problem at once. (What the
// rules it writes allow is judged by a real redis-server in acl.test.ts, not here.)
import { expect } from "chai";
import { passwordHash, PLATFORM_ACL_USERS, PLATFORM_USERS, redisAclUsers, renderAclFile } from "../../components/redis";
import { loadCatalog } from "../../catalog";

const hash = passwordHash("a password");

describe("rendering the Redis ACL file", () => {
    it("disables default first, then writes one line per user with its password's SHA-256 and never the password", () => {
        const servers = loadCatalog()
            .servers.filter((s) => s.cache)
            .map((s) => s.name);
        const users = redisAclUsers(servers);
        expect(users.map((u) => u.name)).to.deep.equal([...PLATFORM_ACL_USERS.map((u) => u.name), ...servers]);
        const lines = renderAclFile(users.map((u) => ({ ...u, passwordSha256: passwordHash(`password of ${u.name}`) })))
            .trimEnd()
            .split("\n");
        expect(lines).to.have.length(users.length + 1);
        expect(lines[0]).to.equal("user default off resetpass resetkeys resetchannels -@all");
        for (const [i, user] of users.entries()) {
            expect(lines[i + 1].startsWith(`user ${user.name} reset on #${passwordHash(`password of ${user.name}`)} `), user.name).to.equal(true);
            expect(lines[i + 1]).to.not.include(`password of ${user.name}`);
        }
    });

    it("keeps the platform's user names out of any catalog name's reach: a DNS label has no dot", () => {
        for (const name of Object.values(PLATFORM_USERS)) expect(name).to.include(".");
        for (const server of loadCatalog().servers) expect(server.name).to.not.include(".");
    });

    it("refuses bad names, a second default, duplicates and malformed hashes, listing every problem", () => {
        const user = (name: string, passwordSha256 = hash) => ({ name, rules: ["-@all"], passwordSha256 });
        expect(() => renderAclFile([user("ok"), user("Bad Name"), user("default"), user("ok"), user("short", "abc")])).to.throw(
            [
                "Redis ACL file:",
                '  user "Bad Name": a name is lower-case letters, digits, "." and "-"',
                '  user "default" is listed twice (or is "default"): give each user its own name',
                '  user "ok" is listed twice (or is "default"): give each user its own name',
                '  user "short": the password hash must be 64 hex digits (SHA-256)',
            ].join("\n"),
        );
    });
});
