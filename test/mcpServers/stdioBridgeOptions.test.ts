// The stdio bridge's options and metrics in this process (images/stdio-bridge/src/options.ts,
// metrics.ts): what its command line and environment start it with, every problem with them, and
// the contract's metrics it serves. test/mcpServers/stdioBridge.process.ts runs the bridge whole.
import { expect } from "chai";
import { REQUEST_DURATION, REQUESTS, serverMetrics } from "../../components/monitoring/metricsContract";
import { bridgeMetrics } from "../../images/stdio-bridge/src/metrics";
import { bridgeOptions } from "../../images/stdio-bridge/src/options";

const COMMAND = ["node", "/app/server.js"];
const problemsOf = (argv: readonly string[], env: NodeJS.ProcessEnv) => {
    const { options, problems } = bridgeOptions(argv, env);
    expect(options, "no options once there is a problem").to.equal(undefined);
    return problems;
};

describe("the stdio bridge's options (images/stdio-bridge/src/options.ts)", () => {
    it("listens on every interface at PORT, with the contract's paths, and runs the command after -- with its own options untouched", () => {
        expect(bridgeOptions(["--", ...COMMAND, "--health-path", "x", "--port"], { PORT: "8080" })).to.deep.equal({
            options: {
                port: 8080,
                host: "0.0.0.0",
                mcpPath: "/mcp",
                healthPath: "/health",
                metricsPath: "/metrics",
                command: [...COMMAND, "--health-path", "x", "--port"],
            },
            problems: [],
        });
    });

    it("takes the host, the paths and MCP_PATH it is given", () => {
        const { options, problems } = bridgeOptions(
            ["--host", "127.0.0.1", "--health-path", "/_/live", "--metrics-path", "/v1.0/metrics~x", "--", ...COMMAND],
            {
                PORT: "1",
                MCP_PATH: "/mcp/v2",
            },
        );
        expect(problems).to.deep.equal([]);
        expect(options).to.deep.include({ port: 1, host: "127.0.0.1", mcpPath: "/mcp/v2", healthPath: "/_/live", metricsPath: "/v1.0/metrics~x" });
        expect(bridgeOptions(["--", ...COMMAND], { PORT: "65535" }).options?.port).to.equal(65535);
    });

    it("refuses a PORT that is missing, not a whole number, or outside 1-65535, quoting what it got", () => {
        for (const [port, got] of [
            [undefined, "null"],
            ["", '""'],
            ["0", '"0"'],
            ["65536", '"65536"'],
            ["80.5", '"80.5"'],
            ["-1", '"-1"'],
            ["http", '"http"'],
        ] as const)
            expect(problemsOf(["--", ...COMMAND], { PORT: port }), String(port)).to.deep.equal([`PORT: got ${got}; set it to the port to listen on (1-65535)`]);
    });

    it("refuses a path that is not an absolute HTTP path, naming where it came from", () => {
        for (const path of ["health", "health/x", "/a b", "/health?x", "/x\n/y", ""])
            expect(problemsOf(["--health-path", path, "--", ...COMMAND], { PORT: "80" }), JSON.stringify(path)).to.deep.equal([
                `--health-path: got ${JSON.stringify(path)}; expected an absolute HTTP path such as /health`,
            ]);
        expect(problemsOf(["--metrics-path", "metrics", "--", ...COMMAND], { PORT: "80" })).to.deep.equal([
            '--metrics-path: got "metrics"; expected an absolute HTTP path such as /health',
        ]);
        expect(problemsOf(["--", ...COMMAND], { PORT: "80", MCP_PATH: "mcp" })).to.deep.equal([
            'MCP_PATH: got "mcp"; expected an absolute HTTP path such as /health',
        ]);
    });

    it("refuses the MCP path serving as the health or metrics path too", () => {
        expect(problemsOf(["--", ...COMMAND], { PORT: "80", MCP_PATH: "/health" })).to.deep.equal([
            "MCP_PATH, --health-path and --metrics-path must differ: got /health, /health, /metrics",
        ]);
        expect(problemsOf(["--metrics-path", "/health", "--", ...COMMAND], { PORT: "80" })).to.deep.equal([
            "MCP_PATH, --health-path and --metrics-path must differ: got /mcp, /health, /health",
        ]);
    });

    it("refuses a missing command, an unknown option and an option without its value", () => {
        expect(problemsOf([], { PORT: "80" })).to.deep.equal([
            "no command: name the stdio server's program and its arguments after --, e.g. -- node /app/server.js",
        ]);
        expect(problemsOf(["--port", "80", "--", ...COMMAND], { PORT: "80" }))
            .to.have.length(1)
            .and.satisfy((p: string[]) => p[0].startsWith("Unknown option '--port'"));
        expect(problemsOf(["--host"], { PORT: "80" })).to.deep.equal(["Option '--host <value>' argument missing"]);
    });

    it("lists every problem at once", () => {
        expect(problemsOf(["--health-path", "health"], { PORT: "0", MCP_PATH: "/metrics" })).to.deep.equal([
            'PORT: got "0"; set it to the port to listen on (1-65535)',
            '--health-path: got "health"; expected an absolute HTTP path such as /health',
            "MCP_PATH, --health-path and --metrics-path must differ: got /metrics, health, /metrics",
            "no command: name the stdio server's program and its arguments after --, e.g. -- node /app/server.js",
        ]);
    });
});

describe("the stdio bridge's metrics (images/stdio-bridge/src/metrics.ts)", () => {
    it("serves the contract's request counter by status code and its duration histogram with the contract's buckets, and the process metrics", async () => {
        const metrics = bridgeMetrics();
        for (const code of [200, 200, 404]) metrics.begin()(code);
        const text = await metrics.registry.metrics();
        const families = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
        for (const metric of serverMetrics(false)) expect(families.get(metric.name), metric.name).to.equal(metric.type);
        for (const metric of [REQUESTS, REQUEST_DURATION]) expect(text).to.include(`# HELP ${metric.name} ${metric.help}\n`);
        expect(text).to.match(/^http_requests_total\{code="200"\} 2$/m);
        expect(text).to.match(/^http_requests_total\{code="404"\} 1$/m);
        const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
        expect(buckets.map((b) => b[1])).to.deep.equal([...REQUEST_DURATION.buckets.map(String), "+Inf"]);
        expect(buckets.at(-1)![2]).to.equal("3");
        expect(text).to.match(/^http_request_duration_seconds_count 3$/m);
    });

    it("counts on a registry of its own: two bridges in one process do not share their counts", async () => {
        const [first, second] = [bridgeMetrics(), bridgeMetrics()];
        first.begin()(200);
        expect(await second.registry.metrics()).to.not.match(/^http_requests_total\{/m);
    });
});
