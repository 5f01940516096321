// A fake Lambda Cloud API on 127.0.0.1 following the documented shapes: `{ data: … }` answers,
// `{ error: { code, message, suggestion } }` failures, Bearer/Basic authentication.
import * as http from "http";
import type { AddressInfo } from "net";

export interface FakeInstance {
    id: string;
    name: string | null;
    ip: string | null;
    private_ip: string | null;
    hostname: string | null;
    status: string;
    ssh_key_names: string[];
    file_system_names: string[];
    region: { name: string; description: string };
    instance_type: { name: string; description: string };
}

export interface FakeLambda {
    readonly url: string;
    readonly apiKey: string;
    readonly instances: Map<string, FakeInstance>;
    readonly sshKeys: { id: string; name: string; public_key: string }[];
    firewallRules: unknown[];
    /** Region → instance types with capacity there; launches elsewhere fail with insufficient capacity. */
    readonly capacity: Record<string, string[]>;
    /** Requests seen, as "METHOD /path". */
    readonly requests: string[];
    /** The next N requests are answered with this status (429 or 5xx) and Retry-After (none when null), or this body. */
    failNext(status: number, count: number, retryAfter?: string | null, body?: string): void;
    /** Polls of a launched instance answered "booting" before it becomes active. */
    bootPolls: number;
    close(): Promise<void>;
}

const TYPES: Record<string, { price: number; vcpus: number; memory: number; gpus: number }> = {
    gpu_1x_a10: { price: 75, vcpus: 30, memory: 200, gpus: 1 },
    gpu_1x_gh200: { price: 149, vcpus: 64, memory: 432, gpus: 1 },
};

function error(res: http.ServerResponse, status: number, code: string, message: string, suggestion?: string): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code, message, ...(suggestion ? { suggestion } : {}) } }));
}

function ok(res: http.ServerResponse, data: unknown): void {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ data }));
}

async function body(req: http.IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? JSON.parse(text) : {};
}

export async function startFakeLambda(): Promise<FakeLambda> {
    const apiKey = "secret_fake-lambda-key_0123456789";
    let nextId = 1;
    const polls = new Map<string, number>();
    const failures: { status: number; retryAfter: string | null; body?: string }[] = [];
    const fake = {
        url: "",
        apiKey,
        instances: new Map<string, FakeInstance>(),
        sshKeys: [] as FakeLambda["sshKeys"],
        firewallRules: [{ protocol: "tcp", port_range: [22, 22], source_network: "0.0.0.0/0", description: "another team: SSH" }] as unknown[],
        capacity: { "us-east-1": ["gpu_1x_a10"], "us-east-3": ["gpu_1x_gh200"], "us-west-1": ["gpu_1x_a10", "gpu_1x_gh200"] } as Record<string, string[]>,
        requests: [] as string[],
        bootPolls: 0,
        failNext(status: number, count: number, retryAfter: string | null = "0", body?: string) {
            for (let i = 0; i < count; i++) failures.push({ status, retryAfter, body });
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };

    const routes: [string, RegExp, (req: http.IncomingMessage, res: http.ServerResponse, m: RegExpMatchArray) => Promise<void> | void][] = [
        [
            "GET",
            /^\/instance-types$/,
            (_q, res) =>
                ok(
                    res,
                    Object.fromEntries(
                        Object.entries(TYPES).map(([name, t]) => [
                            name,
                            {
                                instance_type: {
                                    name,
                                    description: name,
                                    gpu_description: name,
                                    price_cents_per_hour: t.price,
                                    specs: { vcpus: t.vcpus, memory_gib: t.memory, storage_gib: 512, gpus: t.gpus },
                                },
                                regions_with_capacity_available: Object.entries(fake.capacity)
                                    .filter(([, types]) => types.includes(name))
                                    .map(([region]) => ({ name: region, description: region })),
                            },
                        ]),
                    ),
                ),
        ],
        [
            "POST",
            /^\/instance-operations\/launch$/,
            async (req, res) => {
                const b = await body(req);
                if (!b.region_name || !b.instance_type_name || !Array.isArray(b.ssh_key_names) || b.ssh_key_names.length !== 1) {
                    return error(res, 400, "global/invalid-parameters", "region_name, instance_type_name and exactly one ssh_key_names are required");
                }
                if (!fake.sshKeys.some((k) => k.name === b.ssh_key_names[0])) return error(res, 400, "global/invalid-parameters", "ssh key not found");
                if (!(fake.capacity[b.region_name] ?? []).includes(b.instance_type_name)) {
                    return error(
                        res,
                        400,
                        "instance-operations/launch/insufficient-capacity",
                        "Not enough capacity to fulfill launch request.",
                        "Choose an instance type with more availability, or try again later.",
                    );
                }
                const id = `0920582c7ff041399e34823a0be6${String(nextId++).padStart(4, "0")}`;
                fake.instances.set(id, {
                    id,
                    name: b.name ?? null,
                    ip: null,
                    private_ip: null,
                    hostname: null,
                    status: "booting",
                    ssh_key_names: b.ssh_key_names,
                    file_system_names: b.file_system_names ?? [],
                    region: { name: b.region_name, description: b.region_name },
                    instance_type: { name: b.instance_type_name, description: b.instance_type_name },
                });
                ok(res, { instance_ids: [id] });
            },
        ],
        [
            "GET",
            /^\/instances\/([^/]+)$/,
            (_q, res, m) => {
                const i = fake.instances.get(m[1]);
                if (!i) return error(res, 404, "global/object-does-not-exist", "Specified instance does not exist.");
                const seen = (polls.get(i.id) ?? 0) + 1;
                polls.set(i.id, seen);
                if (i.status === "booting" && seen > fake.bootPolls) {
                    const n = Number.parseInt(i.id.slice(-4), 10);
                    Object.assign(i, {
                        status: "active",
                        ip: `198.51.100.${n}`,
                        private_ip: `10.19.0.${n}`,
                        hostname: `${i.id.slice(0, 8)}.cloud.lambdalabs.com`,
                    });
                }
                ok(res, i);
            },
        ],
        [
            "POST",
            /^\/instances\/([^/]+)$/,
            async (req, res, m) => {
                const i = fake.instances.get(m[1]);
                if (!i) return error(res, 404, "global/object-does-not-exist", "Specified instance does not exist.");
                i.name = (await body(req)).name;
                ok(res, i);
            },
        ],
        [
            "POST",
            /^\/instance-operations\/terminate$/,
            async (req, res) => {
                const ids: string[] = (await body(req)).instance_ids ?? [];
                const missing = ids.filter((id) => !fake.instances.has(id));
                if (missing.length > 0) return error(res, 404, "global/object-does-not-exist", `Instance ${missing[0]} does not exist.`);
                const terminated = ids.map((id) => ({ ...fake.instances.get(id)!, status: "terminated" }));
                ids.forEach((id) => fake.instances.delete(id));
                ok(res, { terminated_instances: terminated });
            },
        ],
        ["GET", /^\/ssh-keys$/, (_q, res) => ok(res, fake.sshKeys)],
        [
            "POST",
            /^\/ssh-keys$/,
            async (req, res) => {
                const b = await body(req);
                if (fake.sshKeys.some((k) => k.name === b.name))
                    return error(res, 400, "global/invalid-parameters", "An SSH key with that name already exists.");
                const key = { id: `key-${nextId++}`, name: b.name, public_key: b.public_key };
                fake.sshKeys.push(key);
                ok(res, key);
            },
        ],
        [
            "DELETE",
            /^\/ssh-keys\/([^/]+)$/,
            (_q, res, m) => {
                const index = fake.sshKeys.findIndex((k) => k.id === m[1]);
                if (index < 0) return error(res, 404, "global/object-does-not-exist", "SSH key not found.");
                fake.sshKeys.splice(index, 1);
                ok(res, {});
            },
        ],
        ["GET", /^\/firewall-rules$/, (_q, res) => ok(res, fake.firewallRules)],
        [
            "PUT",
            /^\/firewall-rules$/,
            async (req, res) => {
                fake.firewallRules = (await body(req)).data;
                ok(res, fake.firewallRules);
            },
        ],
    ];

    const authorized = (req: http.IncomingMessage): boolean => {
        const auth = req.headers.authorization ?? "";
        return auth === `Bearer ${apiKey}` || auth === `Basic ${Buffer.from(`${apiKey}:`).toString("base64")}`;
    };
    const injectedFailure = (res: http.ServerResponse): boolean => {
        const failure = failures.shift();
        if (!failure) return false;
        res.writeHead(failure.status, { "content-type": "application/json", ...(failure.retryAfter === null ? {} : { "retry-after": failure.retryAfter }) });
        res.end(
            failure.body ??
                JSON.stringify({ error: { code: failure.status === 429 ? "global/too-many-requests" : "global/internal-error", message: "try again" } }),
        );
        return true;
    };
    const server = http.createServer((req, res) => {
        const path = (req.url ?? "").replace(/^\/api\/v1/, "");
        fake.requests.push(`${req.method} ${path}`);
        if (!authorized(req)) return error(res, 401, "global/invalid-api-key", "API key was invalid, expired, or deleted.");
        if (injectedFailure(res)) return;
        for (const [method, pattern, handle] of routes) {
            const m = req.method === method ? pattern.exec(path) : null;
            if (m) return void Promise.resolve(handle(req, res, m)).catch((e: Error) => error(res, 500, "global/internal-error", e.message));
        }
        error(res, 404, "global/not-found", `no route ${req.method} ${path}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    return fake;
}
