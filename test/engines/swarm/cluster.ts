import type { Dockerd, EngineApi } from "./engine";
import { FAKE_PROGRAM } from "./images";
import type { ProbeRequest } from "./fake/server";

/** The base image of the stand-ins; the test's own fixtures run it in their roles. */
export const FAKE_BASE_IMAGE = "sophia-engine-test/node:fake";

export interface TaskState {
    readonly id: string;
    readonly state: string;
    readonly desired: string;
    readonly error?: string;
    readonly containerId?: string;
    readonly image: string;
    readonly createdAt: string;
}

/** A service's tasks, newest first. */
export async function tasksOf(api: EngineApi, service: string): Promise<TaskState[]> {
    const filters = encodeURIComponent(JSON.stringify({ service: { [service]: true } }));
    const tasks = await api.expect<any[]>("GET", `/tasks?filters=${filters}`);
    return tasks
        .map((t) => ({
            id: t.ID,
            state: t.Status?.State,
            desired: t.DesiredState,
            error: t.Status?.Err,
            containerId: t.Status?.ContainerStatus?.ContainerID,
            image: t.Spec?.ContainerSpec?.Image,
            createdAt: t.CreatedAt,
        }))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** The health status Docker reports for a container ("healthy", "starting", "unhealthy"). */
export async function healthOf(api: EngineApi, containerId: string): Promise<{ status: string; lastOutput: string }> {
    const inspect = await api.expect<any>("GET", `/containers/${containerId}/json`);
    const log: { Output?: string }[] = inspect.State?.Health?.Log ?? [];
    return { status: inspect.State?.Health?.Status ?? "none", lastOutput: (log[log.length - 1]?.Output ?? "").trim() };
}

export interface ServiceConvergence {
    readonly service: string;
    readonly replicas: number;
    readonly healthy: number;
    readonly detail: string;
}

/** How many of a service's running tasks pass their health check, and why the others do not. */
export async function convergenceOf(api: EngineApi, service: string, replicas: number): Promise<ServiceConvergence> {
    const tasks = await tasksOf(api, service);
    const running = tasks.filter((t) => t.state === "running" && t.desired === "running" && t.containerId);
    const health = await Promise.all(running.map((t) => healthOf(api, t.containerId!)));
    const healthy = health.filter((h) => h.status === "healthy").length;
    const latest = tasks[0];
    const detail = latest
        ? `${latest.state}${latest.error ? ` (${latest.error})` : ""}; health: ${health.map((h) => `${h.status} ${h.lastOutput}`).join(", ") || "-"}`
        : "no task";
    return { service, replicas, healthy, detail };
}

/** The container of a service's running task. */
export async function containerOf(api: EngineApi, service: string): Promise<string> {
    const task = (await tasksOf(api, service)).find((t) => t.state === "running" && t.containerId);
    if (!task) throw new Error(`${service} has no running task`);
    return task.containerId!;
}

/** A fixture service of the test (not part of the plan), running the stand-in program in `role`. */
export function fixtureService(name: string, role: string, networks: readonly string[], env: Record<string, string> = {}): Record<string, unknown> {
    return {
        Name: name,
        Labels: { "sophia.ai/engine-test": "fixture" },
        TaskTemplate: {
            ContainerSpec: {
                Image: FAKE_BASE_IMAGE,
                Env: Object.entries({ SOPHIA_FAKE_ROLE: role, ...env }).map(([k, v]) => `${k}=${v}`),
                User: "10001",
                ReadOnly: true,
            },
            Networks: networks.map((Target) => ({ Target })),
        },
        Mode: { Replicated: { Replicas: 1 } },
        EndpointSpec: { Mode: "dnsrr" },
    };
}

export interface ProbeAnswer {
    readonly status?: number;
    readonly headers?: Record<string, string>;
    readonly body?: string;
    readonly error?: string;
}

/** One HTTP(S) request made from inside the overlay networks, by the probe fixture's container. */
export function probe(dockerd: Dockerd, probeContainer: string, request: ProbeRequest): ProbeAnswer {
    const run = dockerd.exec(probeContainer, ["node", FAKE_PROGRAM, "request", JSON.stringify(request)]);
    if (run.code !== 0) throw new Error(`probe of ${request.url} failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as ProbeAnswer;
}

/** Each service's task addresses on one network, from the tasks' network attachments. */
export async function taskAddresses(api: EngineApi, network: string): Promise<Map<string, string[]>> {
    const [services, tasks] = await Promise.all([
        api.expect<any[]>("GET", "/services"),
        api.expect<any[]>("GET", '/tasks?filters={"desired-state":{"running":true}}'),
    ]);
    const names = new Map(services.map((s) => [s.ID as string, s.Spec.Name as string]));
    const addresses = new Map<string, string[]>();
    for (const task of tasks) {
        const attachment = (task.NetworksAttachments ?? []).find((a: any) => a.Network?.Spec?.Name === network);
        const name = names.get(task.ServiceID)!;
        for (const cidr of (attachment?.Addresses ?? []) as string[]) addresses.set(name, [...(addresses.get(name) ?? []), cidr.split("/")[0]]);
    }
    return addresses;
}

/**
 * Paths of `sent` that `stored` does not hold with the same value. The engine reads JSON field
 * names case-insensitively and silently drops a name it does not know, so reading the spec back is
 * how a misspelt field shows.
 */
export function unkeptFields(sent: unknown, stored: unknown, at: string): string[] {
    const differs = [`${at}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
    if (sent === null || typeof sent !== "object") return sent === stored ? [] : differs;
    // The engine omits empty lists and objects when it answers.
    if (stored === undefined && Object.keys(sent).length === 0) return [];
    if (Array.isArray(sent)) return unkeptItems(sent, stored, at, differs);
    return stored !== null && typeof stored === "object" ? unkeptKeys(sent as Record<string, unknown>, stored as Record<string, unknown>, at) : differs;
}

function unkeptItems(sent: unknown[], stored: unknown, at: string, differs: string[]): string[] {
    return Array.isArray(stored) && stored.length === sent.length ? sent.flatMap((item, i) => unkeptFields(item, stored[i], `${at}[${i}]`)) : differs;
}

function unkeptKeys(sent: Record<string, unknown>, stored: Record<string, unknown>, at: string): string[] {
    const keys = new Map(Object.keys(stored).map((k) => [k.toLowerCase(), k]));
    return Object.entries(sent).flatMap(([key, value]) => {
        const storedKey = keys.get(key.toLowerCase());
        return unkeptFields(value, storedKey === undefined ? undefined : stored[storedKey], `${at}.${key}`);
    });
}
