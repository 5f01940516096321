export { cacheKeyPrefix, cacheServerUser, passwordHash, PLATFORM_ACL_USERS, PLATFORM_USERS, redisAclUsers, renderAclFile, type AclUser } from "./acl";
export { Redis, type CacheCredentials, type RedisArgs, type RedisCredentials } from "./redis";
export {
    DEFAULT_REDIS,
    exporterPasswordFile,
    maxMemoryBytes,
    REDIS_PORT,
    REDIS_SECRET_KEYS,
    redisExporterAddress,
    redisExporterWorkload,
    redisHealthCommand,
    redisWorkload,
    type RedisSettings,
} from "./workload";
