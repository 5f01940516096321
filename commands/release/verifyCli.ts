// npm run verify -- --stack <name> [--prometheus-url <url>] [--alertmanager-url <url>] [--edge-address <host:port>] [--ca-file <pem>] [--timeout <s>]
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { PROJECT_DIR } from "../plan/plan";
import { chooseStack } from "../plan/stackChoice";
import { stackExpectations, StackExpectations } from "./expectations";
import { addressOption, pemFileOption, secondsOption, urlOption } from "./options";
import { LiveStack, verifyStack } from "./verify";
import { formatVerifyReport, verifyExitCode } from "./verifyReport";

export const TOKEN_VARIABLE = "SOPHIA_VERIFY_TOKEN";
const RUNBOOK = "docs/05-operations/deploy-verification.md";

export const VERIFY_COMMAND: CommandSpec = {
    name: "npm run verify",
    usage: "-- --stack <name> [--prometheus-url <url>] [--alertmanager-url <url>] [--edge-address <host:port>] [--ca-file <pem>] [--timeout <s>]",
    description: [
        "Checks a live stack after a deployment: every public MCP server answers through the edge with the",
        "service token and refuses a request without one, every MCP server is an up target in Prometheus,",
        "Alertmanager runs the rendered routing, and the newest backups are within the RPO.",
        "Prometheus and Alertmanager sit behind the edge's login: reach them through a tunnel",
        `(${RUNBOOK}).`,
    ].join("\n"),
    options: {
        stack: { type: "string", short: "s", value: "<name>", description: "the stack to verify (a Pulumi.<name>.yaml); default $PULUMI_STACK" },
        "prometheus-url": { type: "string", value: "<url>", description: "Prometheus' base URL, e.g. http://127.0.0.1:9090; default $SOPHIA_PROMETHEUS_URL" },
        "alertmanager-url": { type: "string", value: "<url>", description: "Alertmanager's base URL; default $SOPHIA_ALERTMANAGER_URL" },
        "edge-address": { type: "string", value: "<host:port>", description: "connect to the edge here instead of resolving its names (SNI and Host kept)" },
        "ca-file": { type: "string", value: "<pem>", description: "trust this CA for the edge's certificate too (or set NODE_EXTRA_CA_CERTS)" },
        timeout: { type: "string", value: "<s>", description: "seconds each request may take (default 10, at most 120)" },
    },
    examples: [
        "SOPHIA_VERIFY_TOKEN=... npm run verify -- --stack prod --prometheus-url http://127.0.0.1:19090 --alertmanager-url http://127.0.0.1:19093",
        "npm run verify -- --stack dev --edge-address 203.0.113.7:443    # before DNS points at the new edge",
    ],
    exitCodes: [
        [0, "every check passed (skipped checks do not apply to the stack)"],
        [1, "a check failed; the report names it and why"],
        [2, "usage or configuration error (flag, stack, token, URL); nothing was checked"],
        [3, "unexpected failure of the command itself"],
    ],
    environment: [
        [TOKEN_VARIABLE, "the service token the edge accepts (Bearer); read only from here, never printed"],
        ["SOPHIA_PROMETHEUS_URL", "Prometheus' base URL when --prometheus-url is not given"],
        ["SOPHIA_ALERTMANAGER_URL", "Alertmanager's base URL when --alertmanager-url is not given"],
        ["PULUMI_STACK", "the stack when --stack is not given"],
        ["NODE_EXTRA_CA_CERTS", "extra CA certificates Node trusts (standard)"],
    ],
};

/** The value `read` gives, or undefined with its usage error added to `problems`: every problem is reported at once. */
function gathered<T>(problems: string[], read: () => T): T | undefined {
    try {
        return read();
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        problems.push(error.message);
        return undefined;
    }
}

const required = (message: string): never => {
    throw new UsageError(message);
};

/** The live stack's addresses and credentials; every problem with them is listed in one usage error. */
export function liveStackOf(values: CommandValues, expected: StackExpectations, environment: NodeJS.ProcessEnv): LiveStack {
    const problems: string[] = [];
    const tunnel = `open the tunnels first (${RUNBOOK})`;
    const prometheusUrl = gathered(
        problems,
        () =>
            urlOption("prometheus-url", "SOPHIA_PROMETHEUS_URL", values["prometheus-url"] as string | undefined, environment) ??
            required(`no Prometheus URL: pass --prometheus-url or set SOPHIA_PROMETHEUS_URL; ${tunnel}`),
    );
    const alertmanagerUrl = gathered(
        problems,
        () =>
            urlOption("alertmanager-url", "SOPHIA_ALERTMANAGER_URL", values["alertmanager-url"] as string | undefined, environment) ??
            required(`no Alertmanager URL: pass --alertmanager-url or set SOPHIA_ALERTMANAGER_URL; ${tunnel}`),
    );
    const token = environment[TOKEN_VARIABLE];
    if (expected.publicServers.length > 0 && !token)
        problems.push(`${TOKEN_VARIABLE} is not set: export the edge service token of a client the public servers allow (never pass it as a flag)`);
    const connectTo = gathered(problems, () => addressOption("edge-address", values["edge-address"] as string | undefined));
    const ca = gathered(problems, () => pemFileOption("ca-file", values["ca-file"] as string | undefined));
    const timeout = gathered(problems, () => secondsOption("timeout", values.timeout as string | undefined, 10, 120));
    if (problems.length === 1) throw new UsageError(problems[0]);
    if (problems.length > 1) throw new UsageError(`${problems.length} problems:\n  - ${problems.join("\n  - ")}`);
    return { token, prometheusUrl: prometheusUrl!, alertmanagerUrl: alertmanagerUrl!, connectTo, ca, timeoutMs: timeout! * 1000 };
}

async function verify(values: CommandValues): Promise<number> {
    const { stack, source } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, PROJECT_DIR);
    const expected = stackExpectations(stack, PROJECT_DIR);
    const live = liveStackOf(values, expected, process.env);
    const started = Date.now();
    const results = await verifyStack(expected, live);
    process.stdout.write(formatVerifyReport(stack, source, results, Date.now() - started));
    return verifyExitCode(results);
}

/** What `sophia verify` runs (commands/sophia.js). */
export const command: Command = { spec: VERIFY_COMMAND, main: verify };

if (require.main === module) runCommand(VERIFY_COMMAND, verify);
