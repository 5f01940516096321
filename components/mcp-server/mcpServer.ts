import * as pulumi from "@pulumi/pulumi";
import type { ServerSpec } from "../../stacks/specs";
import type { Platform } from "../platform/types";
import type { CacheCredentials } from "../redis";
import { CACHE_PASSWORD_KEY, CacheAccess, mcpServerWorkload, Observability } from "./workload";

export interface McpServerArgs {
    readonly spec: ServerSpec;
    readonly platform: Platform;
    /** Secret values by name; the server receives only the ones its entry declares. */
    readonly secretValues: ReadonlyMap<string, pulumi.Input<string>>;
    readonly observability?: Observability;
    /** What must be ready before the server starts, e.g. a failover's restore of its data. */
    readonly after?: readonly pulumi.Resource[];
    /** The server's own Redis user, when its entry says `cache: true`. */
    readonly cache?: CacheCredentials;
}

/** One MCP server: its secrets and its workload on the stack's platform. */
export class McpServer extends pulumi.ComponentResource {
    readonly address: string;
    readonly spec: ServerSpec;

    constructor(name: string, args: McpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:McpServer", name, {}, opts);
        const { spec, platform } = args;
        const secretData = Object.fromEntries(spec.secrets.map((key) => [key, requireValue(args.secretValues, key, spec.name)]));
        const secrets = spec.secrets.length > 0 ? platform.secret(`${name}-secrets`, "mcp", secretData, this) : undefined;
        if (spec.cache && !args.cache) throw new Error(`${spec.name}: the entry says cache: true, but no Redis credentials were given`);
        const cache: CacheAccess | undefined =
            spec.cache && args.cache
                ? { credentials: args.cache, secret: platform.secret(`${name}-cache`, "mcp", { [CACHE_PASSWORD_KEY]: args.cache.password }, this) }
                : undefined;
        const workload = platform.workload({ ...mcpServerWorkload(spec, secrets, args.observability, cache), after: args.after }, this);
        this.spec = spec;
        this.address = workload.address;
        this.registerOutputs({ address: this.address, image: spec.image, tier: spec.tier });
    }
}

function requireValue(values: ReadonlyMap<string, pulumi.Input<string>>, key: string, server: string): pulumi.Input<string> {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${server}: no value for secret ${key}`);
    return value;
}
