// The checks of `npm run verify`: each asks the live stack one question and says pass, fail or
// skip with the reason. What they expect comes from expectations.ts, never from a list here.
import * as YAML from "yaml";
import { LAST_SUCCESS_METRIC } from "../../components/backup-jobs";
import { TARGET_LABELS } from "../../components/monitoring/metricsContract";
import type { Receiver, Route, RoutingConfig, StackExpectations } from "./expectations";
import { httpRequest, HttpAnswer, HttpOptions } from "./http";
import { greet, McpFailure, McpReach } from "./mcpClient";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
    readonly check: string;
    readonly status: CheckStatus;
    readonly detail: string;
}

export interface LiveStack {
    /** Bearer token of a client the public servers allow; never printed. */
    readonly token?: string;
    readonly prometheusUrl?: string;
    readonly alertmanagerUrl?: string;
    readonly connectTo?: HttpOptions["connectTo"];
    readonly ca?: string;
    readonly timeoutMs: number;
}

const result = (check: string, status: CheckStatus, detail: string): CheckResult => ({ check, status, detail });

/** An answer, or the reason there was none. */
async function ask(url: string, live: LiveStack, options: Partial<HttpOptions> = {}): Promise<HttpAnswer | Error> {
    return httpRequest(url, { timeoutMs: live.timeoutMs, ca: live.ca, ...options }).catch((error: Error) => error);
}

/** Every public server answers an MCP session through the edge with the service token: initialize, tools/list, DELETE. */
export async function checkEdgeHealth(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    if (expected.publicServers.length === 0) return [result("edge", "skip", `stack ${expected.stack} has no edge or no public server`)];
    return Promise.all(
        expected.publicServers.map(async (server) => {
            const check = `edge ${server.name}`;
            try {
                const greeting = await greet(server.url, reach(live, live.token));
                const tools = greeting.tools ? `, ${greeting.tools.length} tools` : "";
                return result(check, "pass", `initialize answered through ${server.url} (server ${greeting.serverName}${tools})`);
            } catch (error) {
                const failure = error as McpFailure;
                if (failure.status === 401) return result(check, "fail", `POST ${server.url}: 401, the edge refused the token in SOPHIA_VERIFY_TOKEN`);
                if (failure.status === 403)
                    return result(check, "fail", `POST ${server.url}: 403, the token's client may not use this server (allowed: ${server.clients.join(", ")})`);
                return result(check, "fail", `POST ${server.url}: ${failure.message}`);
            }
        }),
    );
}

/** A request without a token is refused with 401 (and points to the protected-resource metadata). */
export async function checkEdgeRefusesAnonymous(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    if (expected.publicServers.length === 0) return [];
    return Promise.all(
        expected.publicServers.map(async (server) => {
            const check = `edge ${server.name} without a token`;
            const failure = await greet(server.url, reach(live, undefined)).then(
                () => undefined,
                (error: McpFailure) => error,
            );
            if (failure?.status === 401) return result(check, "pass", "401 as it must");
            if (!failure) return result(check, "fail", `POST ${server.url} without a token opened an MCP session: the route is not protected`);
            if (failure.status !== undefined)
                return result(check, "fail", `POST ${server.url} without a token answered ${failure.status}, not 401: the route is not protected`);
            return result(check, "fail", `POST ${server.url}: ${failure.message}`);
        }),
    );
}

const reach = (live: LiveStack, token: string | undefined): McpReach => ({ token, connectTo: live.connectTo, ca: live.ca, timeoutMs: live.timeoutMs });

interface Sample {
    readonly metric: Record<string, string>;
    readonly value: [number, string];
}

/** A Prometheus instant query's samples, or the reason there are none. */
async function query(live: LiveStack, promql: string): Promise<Sample[] | string> {
    const url = `${live.prometheusUrl!.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const answer = await ask(url, live);
    if (answer instanceof Error) return `Prometheus at ${live.prometheusUrl}: ${answer.message}`;
    const data = parseJson(answer.body) as { status?: string; data?: { result?: Sample[] }; error?: string } | undefined;
    if (answer.status !== 200 || data?.status !== "success")
        return `Prometheus answered ${answer.status} to ${promql}: ${data?.error ?? answer.body.slice(0, 120)}`;
    return data.data?.result ?? [];
}

/** Every MCP server of the catalog is a target Prometheus scrapes and finds up. */
export async function checkTargets(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    const check = "prometheus targets";
    const samples = await query(live, `up{${TARGET_LABELS.group}="mcp"}`);
    if (typeof samples === "string") return [result(check, "fail", samples)];
    const up = new Map<string, boolean>();
    for (const s of samples) {
        const service = s.metric[TARGET_LABELS.service];
        up.set(service, (up.get(service) ?? false) || s.value[1] === "1");
    }
    const missing = expected.servers.filter((s) => !up.has(s));
    const down = expected.servers.filter((s) => up.get(s) === false);
    if (missing.length === 0 && down.length === 0) return [result(check, "pass", `all ${expected.servers.length} MCP servers are up targets`)];
    const problems = [...(down.length ? [`down: ${down.join(", ")}`] : []), ...(missing.length ? [`not scraped at all: ${missing.join(", ")}`] : [])];
    return [result(check, "fail", `${down.length + missing.length} of ${expected.servers.length} MCP servers are not up targets (${problems.join("; ")})`)];
}

/** Alertmanager runs our routing: the same receivers, each with the same integrations, and the same routes. */
export async function checkAlertmanager(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    const check = "alertmanager config";
    const answer = await ask(`${live.alertmanagerUrl!.replace(/\/$/, "")}/api/v2/status`, live);
    if (answer instanceof Error) return [result(check, "fail", `Alertmanager at ${live.alertmanagerUrl}: ${answer.message}`)];
    const status = parseJson(answer.body) as { config?: { original?: string } } | undefined;
    if (answer.status !== 200 || typeof status?.config?.original !== "string")
        return [result(check, "fail", `Alertmanager answered ${answer.status} to /api/v2/status without its configuration`)];
    const differences = configDifferences(expected.alertmanager, YAML.parse(status.config.original) as RoutingConfig);
    return [
        differences.length === 0
            ? result(check, "pass", `loaded the rendered routing: receivers ${receiverNames(expected.alertmanager).join(", ")}`)
            : result(check, "fail", `the loaded configuration is not the rendered one: ${differences.join("; ")}`),
    ];
}

const receiverNames = (config: RoutingConfig): string[] => (config.receivers ?? []).map((r) => r.name);
/** A receiver as routing sees it: its integrations and, for Slack, the channels. */
const receiverShape = (receiver: Receiver): string =>
    Object.keys(receiver)
        .filter((k) => k.endsWith("_configs"))
        .sort()
        .map((k) => {
            const configs = receiver[k] as readonly { channel?: string }[];
            return k === "slack_configs" ? `${k}(${configs.map((c) => c.channel).join(",")})` : `${k}x${configs.length}`;
        })
        .join(" ");
const routeShape = (route: Route): string =>
    `${route.receiver}[${(route.matchers ?? []).join(",")}]${route.continue ? "+continue" : ""}${route.routes ? `{${route.routes.map(routeShape).join(" ")}}` : ""}`;

function receiverDifferences(ours: RoutingConfig, loaded: RoutingConfig): string[] {
    const theirs = new Map((loaded.receivers ?? []).map((r) => [r.name, r]));
    const differences = (ours.receivers ?? []).flatMap((receiver) => {
        const found = theirs.get(receiver.name);
        if (!found) return [`receiver ${receiver.name} is missing`];
        const [got, want] = [receiverShape(found), receiverShape(receiver)];
        return got === want ? [] : [`receiver ${receiver.name} has ${got || "no integration"}, expected ${want}`];
    });
    const extra = [...theirs.keys()].filter((name) => !receiverNames(ours).includes(name));
    return [...differences, ...extra.map((name) => `receiver ${name} is not in the rendered configuration`)];
}

/** What differs between the rendered and the loaded configuration, in the terms routing cares about. */
export function configDifferences(ours: RoutingConfig, loaded: RoutingConfig): string[] {
    const [want, got] = [routeShape(ours.route ?? {}), routeShape(loaded.route ?? {})];
    return [...receiverDifferences(ours, loaded), ...(want === got ? [] : [`the route tree differs (loaded ${got})`])];
}

/** Each backed-up target's newest success is within the RPO; a stack without backups skips. */
export async function checkBackups(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    if (!expected.backups) return [result("backups", "skip", `stack ${expected.stack} has no backups (sophia:backup is not set)`)];
    const { targets, rpoSeconds } = expected.backups;
    const samples = await query(live, `max by (target) (${LAST_SUCCESS_METRIC})`);
    if (typeof samples === "string") return targets.map((t) => result(`backup ${t}`, "fail", samples));
    return targets.map((target) => {
        const check = `backup ${target}`;
        const sample = samples.find((s) => s.metric.target === target);
        // A new stack fails too: a stack is verified once it has a backup to restore.
        if (!sample)
            return result(
                check,
                "fail",
                `no successful ${target} backup reported (${LAST_SUCCESS_METRIC}): run its backup job once, see docs/05-operations/deploy-verification.md`,
            );
        const age = Math.round(sample.value[0] - Number(sample.value[1]));
        return age <= rpoSeconds
            ? result(check, "pass", `newest success ${minutes(age)} ago, within the ${minutes(rpoSeconds)} RPO`)
            : result(check, "fail", `newest success ${minutes(age)} ago, older than the ${minutes(rpoSeconds)} RPO`);
    });
}

const minutes = (seconds: number): string => `${Math.round(seconds / 60)} min`;

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

/** Every check, run together; the order of the report is the order here. */
export async function verifyStack(expected: StackExpectations, live: LiveStack): Promise<CheckResult[]> {
    const groups = await Promise.all([
        checkEdgeHealth(expected, live),
        checkEdgeRefusesAnonymous(expected, live),
        checkTargets(expected, live),
        checkAlertmanager(expected, live),
        checkBackups(expected, live),
    ]);
    return groups.flat();
}
