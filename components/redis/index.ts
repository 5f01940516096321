export { Redis, type RedisArgs } from "./redis";
export { DEFAULT_REDIS, maxMemoryBytes, REDIS_PORT, redisExporterWorkload, redisWorkload, type RedisSettings } from "./workload";
