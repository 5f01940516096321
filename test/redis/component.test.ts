// The Redis component and the servers it serves, under the mocks: credentials only for the servers
// it was given, and no cache server without them.
import { expect } from "chai";
import { serverEntrySchema } from "../../catalog/schema";
import { McpServer } from "../../components/mcp-server";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import { PLATFORM_USERS, Redis } from "../../components/redis";
import { resolveServerSpec } from "../../stacks/specs";
import { loadStackSettings } from "../../stacks/settings";
import { recordedUnder, settled } from "../support/setup";

const settings = loadStackSettings(
    "dev",
    (key) =>
        ({
            target: "swarm",
            registry: "registry.example.com",
            dockerHost: "ssh://deploy@manager",
            nodeCapacity: JSON.stringify({ nodes: 1, cpu: "4", memory: "16Gi" }),
        })[key],
);
const spec = (name: string, cache: boolean) =>
    resolveServerSpec(serverEntrySchema.parse({ name, port: 9310, category: "additional", purpose: "a test", tier: "low", version: "1.0.0", cache }), settings);

describe("the Redis component", () => {
    it("gives credentials to the cache servers it was given, and names the fix for any other", async () => {
        const platform = new SwarmPlatform("rc-a", { host: "ssh://deploy@manager", prefix: "rc-a", registry: "registry.example.com" });
        const redis = new Redis("rc-a-redis", { platform, cacheServers: ["rc-a-one", "rc-a-two"], settings: { name: "rc-a-cache" } });
        const one = redis.cacheCredentials("rc-a-one");
        expect(one).to.deep.include({ address: "rc-a-cache", port: 6379, username: "rc-a-one", keyPrefix: "rc-a-one:" });
        expect(redis.backup).to.deep.include({ address: "rc-a-cache", port: 6379, username: PLATFORM_USERS.backup });
        expect(() => redis.cacheCredentials("rc-a-three")).to.throw(
            "Redis has no cache user for rc-a-three: pass it in cacheServers (the catalog entries with cache: true)",
        );
        await settled();
        const passwords = recordedUnder("rc-a-redis").filter((r) => r.type === "random:index/randomPassword:RandomPassword");
        expect(passwords.map((p) => p.name).sort()).to.deep.equal(
            [
                "rc-a-redis-platform-admin-password",
                "rc-a-redis-platform-backup-password",
                "rc-a-redis-platform-exporter-password",
                "rc-a-redis-server-rc-a-one-password",
                "rc-a-redis-server-rc-a-two-password",
            ].sort(),
        );
    });

    it("refuses a cache server without credentials, naming it", () => {
        const platform = new SwarmPlatform("rc-b", { host: "ssh://deploy@manager", prefix: "rc-b", registry: "registry.example.com" });
        expect(() => new McpServer("rc-b-server", { spec: spec("rc-b-server", true), platform, secretValues: new Map() })).to.throw(
            "rc-b-server: the entry says cache: true, but no Redis credentials were given",
        );
        expect(() => new McpServer("rc-b-plain", { spec: spec("rc-b-plain", false), platform, secretValues: new Map() })).to.not.throw();
    });
});
