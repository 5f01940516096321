import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../platform/types";
import { DEFAULT_REDIS, REDIS_PORT, RedisSettings, redisExporterWorkload, redisWorkload } from "./workload";

export interface RedisArgs {
    readonly platform: Platform;
    readonly settings?: Partial<RedisSettings>;
}

/** The MCP servers' cache with its exporter. */
export class Redis extends pulumi.ComponentResource {
    /** The workload's name, which backup jobs label themselves with (`sophia.ai/backup-of`). */
    readonly workloadName: string;
    readonly address: string;
    readonly port = REDIS_PORT;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:Redis", name, {}, opts);
        const s: RedisSettings = { ...DEFAULT_REDIS, ...args.settings };
        const server = args.platform.workload(redisWorkload(s), this);
        args.platform.workload(redisExporterWorkload(s, server.address), this);
        this.workloadName = s.name;
        this.address = server.address;
        this.registerOutputs({ address: this.address });
    }
}
