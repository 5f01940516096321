// The engine test's values for the dev plan's Redis secrets agree with each other as the stack's
// generated passwords do: judged by a real redis-server started with the ACL file value.
import { expect } from "chai";
import type { PlanFile } from "../../../commands/plan/planFile";
import { PLATFORM_USERS, REDIS_SECRET_KEYS } from "../../../components/redis";
import { planOf } from "../../support/plan";
import { RedisTestServer } from "../../support/redis";
import { redisSecretValues } from "./cacheSecrets";

describe("the engine test's values for the Redis secrets", function () {
    this.timeout(120_000);
    const resources = () => planOf("dev").plan!.resources;
    const key = (name: string) =>
        (resources().find((r) => r.name === name)!.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "sophia.ai/secret")!.value;
    let redis: RedisTestServer | undefined;
    after(() => redis?.stop());

    it("give every Redis secret of the plan a value, and every user the password its ACL line was made from", async () => {
        const { values, passwords } = redisSecretValues(resources());
        const byKey = (k: string) => [...values].filter(([name]) => key(name) === k).map(([, value]) => value);
        const redisSecrets = resources().filter((r) => r.type === "docker:index/secret:Secret" && /^(redis-|.+-cache-redis-password$)/.test(r.name));
        expect([...values.keys()].sort()).to.deep.equal(redisSecrets.map((r) => r.name).sort());
        const [acl] = byKey(REDIS_SECRET_KEYS.acl);
        redis = await RedisTestServer.start(acl, PLATFORM_USERS.admin, byKey(REDIS_SECRET_KEYS.adminPassword)[0]);
        const cacheSecrets = [...values].filter(([name]) => name.endsWith("-cache-redis-password"));
        expect(cacheSecrets).to.not.be.empty;
        for (const [name, password] of cacheSecrets) {
            const server = name.replace(/-cache-redis-password$/, "");
            const c = await redis.loggedIn(server, password);
            expect(await c.set(`${server}:engine`, "1"), server).to.equal("OK");
        }
        const [exporterFile] = byKey(REDIS_SECRET_KEYS.exporterPasswords);
        const envOf = (r: PlanFile["resources"][number]) => (r.inputs as any).taskSpec.containerSpec.env as Record<string, string> | undefined;
        const exporter = resources().find((r) => r.type === "docker:index/service:Service" && envOf(r)?.REDIS_USER === PLATFORM_USERS.exporter)!;
        expect(JSON.parse(exporterFile)).to.deep.equal({ [envOf(exporter)!.REDIS_ADDR]: passwords.get(PLATFORM_USERS.exporter) });
        expect(await (await redis.loggedIn(PLATFORM_USERS.exporter, passwords.get(PLATFORM_USERS.exporter)!)).ping()).to.equal("PONG");
    });
});
