import * as path from "path";
import { requiredSetting, setting } from "./environment";
import { run } from "./run";

/**
 * An RDB snapshot fetched from a running Redis over its replication protocol (`redis-cli --rdb`):
 * the server forks and streams a point-in-time copy, so nothing needs the server's volume.
 */
export async function snapshotRedis(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
    const file = path.join(dir, "dump.rdb");
    const password = setting("REDIS_PASSWORD", env);
    // The user goes apart from the URL: redis-cli reads redis://name@host as a password, not a user.
    const user = setting("REDIS_USERNAME", env);
    await run("redis-cli", ["-u", requiredSetting("REDIS_URL", env), ...(user ? ["--user", user] : []), "--no-auth-warning", "--rdb", file], {
        ...env,
        REDISCLI_AUTH: password,
    });
    return file;
}
