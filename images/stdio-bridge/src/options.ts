import { parseArgs } from "util";

export const USAGE =
    "usage: sophia-stdio-bridge [--health-path /health] [--metrics-path /metrics] [--host 0.0.0.0] -- <command> [arguments...]  (PORT and MCP_PATH from the environment)";

export interface BridgeOptions {
    /** The one port the platform opens: MCP, health and metrics. */
    readonly port: number;
    /** The address to listen on: every interface in a container. */
    readonly host: string;
    readonly mcpPath: string;
    readonly healthPath: string;
    readonly metricsPath: string;
    /** The stdio server: its program and arguments, started once per MCP session. */
    readonly command: readonly string[];
}

const HTTP_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/** The bridge's options from its arguments and environment, or every problem with them (each with its fix). */
export function bridgeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): { options?: BridgeOptions; problems: string[] } {
    const problems: string[] = [];
    let parsed: ReturnType<typeof parse>;
    try {
        parsed = parse(argv);
    } catch (error) {
        return { problems: [(error as Error).message] };
    }
    const { values, positionals } = parsed;
    const port = Number(env.PORT);
    const paths = { MCP_PATH: env.MCP_PATH ?? "/mcp", "--health-path": values["health-path"], "--metrics-path": values["metrics-path"] };
    problems.push(...portProblems(env.PORT, port), ...pathProblems(paths));
    if (positionals.length === 0) problems.push("no command: name the stdio server's program and its arguments after --, e.g. -- node /app/server.js");
    if (problems.length > 0) return { problems };
    return {
        options: {
            port,
            host: values.host,
            mcpPath: paths.MCP_PATH,
            healthPath: paths["--health-path"],
            metricsPath: paths["--metrics-path"],
            command: positionals,
        },
        problems,
    };
}

function portProblems(text: string | undefined, port: number): string[] {
    return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [`PORT: got ${JSON.stringify(text ?? null)}; set it to the port to listen on (1-65535)`];
}

function pathProblems(paths: Record<string, string>): string[] {
    const problems = Object.entries(paths)
        .filter(([, value]) => !HTTP_PATH.test(value))
        .map(([name, value]) => `${name}: got ${JSON.stringify(value)}; expected an absolute HTTP path such as /health`);
    const values = Object.values(paths);
    if (new Set(values).size < values.length) problems.push(`MCP_PATH, --health-path and --metrics-path must differ: got ${values.join(", ")}`);
    return problems;
}

function parse(argv: readonly string[]) {
    return parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
            "health-path": { type: "string", default: "/health" },
            "metrics-path": { type: "string", default: "/metrics" },
            host: { type: "string", default: "0.0.0.0" },
        },
    });
}
