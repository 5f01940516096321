import { randomBytes } from "crypto";
import { CACHE_PASSWORD_KEY } from "../../../components/mcp-server/workload";
import { exporterPasswordFile, passwordHash, PLATFORM_USERS, redisAclUsers, REDIS_SECRET_KEYS, renderAclFile } from "../../../components/redis";
import type { PlanResource } from "./translate";

const SECRET_TYPE = "docker:index/secret:Secret";
const SERVICE_TYPE = "docker:index/service:Service";

const labelOf = (resource: PlanResource, label: string): string | undefined =>
    (resource.inputs.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === label)?.value;

const envOf = (service: PlanResource): Record<string, string> =>
    (service.inputs.taskSpec as { containerSpec: { env?: Record<string, string> } }).containerSpec.env ?? {};

/** The type of the component a resource belongs to, from its URN's type chain. */
const parentTypeOf = (resource: PlanResource): string => resource.urn.split("::")[2].split("$").slice(-2)[0];

/** The MCP server a cache password secret belongs to: McpServer `<name>` makes `<name>-cache-redis-password`. */
const CACHE_SECRET = /^(.+)-cache-redis-password$/;

/** The value of one Redis secret: by its key, or a cache server's or the backup jobs' password. */
function valueOf(secret: PlanResource, byKey: Record<string, string>, passwords: ReadonlyMap<string, string>): string | undefined {
    const key = labelOf(secret, "sophia.ai/secret") ?? "";
    if (byKey[key] !== undefined) return byKey[key];
    if (key !== CACHE_PASSWORD_KEY) return undefined;
    const owner = parentTypeOf(secret);
    if (owner === "sophia:platform:BackupJobs") return passwords.get(PLATFORM_USERS.backup);
    const server = CACHE_SECRET.exec(secret.name)?.[1];
    return owner === "sophia:platform:McpServer" && server ? passwords.get(server) : undefined;
}

/**
 * Values for a plan's Redis secrets that agree with each other, as the stack's generated passwords
 * would: the ACL file holds the hash of every user's password, the admin's and the exporter's files
 * hold theirs, each cache server's secret its own and the backup jobs' the backup user's. Keyed by
 * the secret resource's name; the users come from the plan itself (Redis' REDIS_ACL_USERS).
 */
export function redisSecretValues(resources: readonly PlanResource[]): { values: Map<string, string>; passwords: Map<string, string> } {
    const services = resources.filter((r) => r.type === SERVICE_TYPE);
    const redis = services.find((s) => envOf(s).REDIS_ACL_USERS !== undefined);
    if (!redis) throw new Error("the plan has no Redis service (no service sets REDIS_ACL_USERS)");
    const users = envOf(redis).REDIS_ACL_USERS.split(",");
    const platformUsers = new Set<string>(Object.values(PLATFORM_USERS));
    const aclUsers = redisAclUsers(users.filter((u) => !platformUsers.has(u)));
    const passwords = new Map(aclUsers.map((u) => [u.name, randomBytes(24).toString("hex")]));
    const exporter = services.find((s) => envOf(s).REDIS_USER === PLATFORM_USERS.exporter);
    if (!exporter) throw new Error(`the plan has no redis_exporter service (no service sets REDIS_USER=${PLATFORM_USERS.exporter})`);
    const byKey: Record<string, string> = {
        [REDIS_SECRET_KEYS.acl]: renderAclFile(aclUsers.map((u) => ({ ...u, passwordSha256: passwordHash(passwords.get(u.name)!) }))),
        [REDIS_SECRET_KEYS.adminPassword]: passwords.get(PLATFORM_USERS.admin)!,
        [REDIS_SECRET_KEYS.exporterPasswords]: exporterPasswordFile(envOf(exporter).REDIS_ADDR, passwords.get(PLATFORM_USERS.exporter)!),
    };
    const values = new Map<string, string>();
    for (const secret of resources.filter((r) => r.type === SECRET_TYPE)) {
        const value = valueOf(secret, byKey, passwords);
        if (value !== undefined) values.set(secret.name, value);
    }
    return { values, passwords };
}
