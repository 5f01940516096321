import { expect } from "chai";
import * as http from "http";
import type { AddressInfo } from "net";
import {
    DOCUMENTED_LIMITS,
    DOCUMENTED_PACING,
    LAMBDA_API_URL,
    lambdaRequest,
    type MachineInputs,
    machineProvider,
    MAX_ATTEMPTS,
    retryDelayMs,
    sshKeyProvider,
} from "../../clusters/lambda/provider";
import { rulesetProvider, rulesetRulesProvider } from "../../clusters/lambda/rulesets";
import { expectContractKept, FAST, FAST_LIMITS, LambdaApi, machineOf, rulesetOf, startLambdaApi } from "../support/lambdaApi";

describe("Lambda Cloud providers against a server that enforces the published document", () => {
    let api: LambdaApi;
    let rulesetId: string;
    const machine = (over: Partial<MachineInputs> = {}) => machineOf(api, rulesetId, over);

    beforeEach(async () => {
        api = await startLambdaApi(FAST_LIMITS);
        await sshKeyProvider.create({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST, name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" });
        rulesetId = (await rulesetProvider.create(rulesetOf(api))).id;
    });
    afterEach(async () => {
        expectContractKept(api);
        await api.close();
    });

    it("rejects what the document rejects, in requests and in its own answers: the validator is the judge", async () => {
        const bad = await lambdaRequest(
            { apiUrl: api.url, apiKey: api.apiKey, pacing: FAST },
            "POST",
            "/instance-operations/launch",
            { region_name: "mars" },
            { idempotent: false },
        ).catch((e: Error) => e.message);
        expect(bad).to.match(/400 global\/invalid-parameters/);
        expect(api.violations.join("\n")).to.match(/request launchInstance/);
        api.violations.length = 0;
        const unauthorized = await lambdaRequest({ apiUrl: api.url, apiKey: "wrong-key", pacing: FAST }, "GET", "/instances").catch((e: Error) => e.message);
        expect(unauthorized).to.equal(
            "Lambda Cloud API GET /instances failed with 401 global/invalid-api-key: API key was invalid, expired, or deleted. (Check your API key or create a new one, then try again.)",
        );
        // The server's own answers are held to the document too: an instance in a state it does not list is caught.
        const { id } = await machineProvider.create(machine());
        Object.assign(api.instances.get(id)!, { status: "exploding" });
        await lambdaRequest({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST }, "GET", `/instances/${id}`);
        expect(api.violations.join("\n")).to.match(/answer 200 of getInstance: .*status/);
        api.violations.length = 0;
    });

    it("sends the key as a Bearer header to the published base URL, which is the default", async () => {
        await lambdaRequest({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST }, "GET", "/instances");
        expect(api.seen("listInstances")[0].authorization).to.equal(`Bearer ${api.apiKey}`);
        expect(LAMBDA_API_URL).to.equal("https://cloud.lambda.ai/api/v1");
    });

    it("launches once with name, hostname, tags and the region's ruleset, then waits for booting to become active", async () => {
        api.bootPolls = 2;
        const { id, outs } = await machineProvider.create(machine());
        const launches = api.seen("launchInstance");
        expect(launches).to.have.length(1);
        expect(launches[0].body).to.deep.include({
            name: "dev-gpu-0",
            hostname: "dev-gpu-0",
            tags: [
                { key: "sophia-clusters:stack", value: "dev" },
                { key: "sophia-clusters:machine", value: "dev-gpu-0" },
            ],
            firewall_rulesets: [{ id: rulesetId }],
        });
        const instance = api.instances.get(id)!;
        expect(outs).to.include({ ip: instance.ip, privateIp: instance.private_ip, status: "active", name: "dev-gpu-0" });
        expect(api.seen("getInstance")).to.have.length(3);
        expect(api.rulesets.get(rulesetId)!.instance_ids).to.deep.equal([id]);
    });

    it("adopts an instance that carries its tags instead of launching a second one", async () => {
        const first = await machineProvider.create(machine());
        // The state of that create was lost: the next create finds the instance by its tags.
        const again = await machineProvider.create(machine());
        expect(again.id).to.equal(first.id);
        expect(api.seen("launchInstance")).to.have.length(1);
        expect(api.instances.size).to.equal(1);
    });

    it("refuses to launch beside a tagged instance of another type or region, naming it", async () => {
        const first = await machineProvider.create(machine());
        const other = await machineProvider
            .create(machine({ instanceType: "gpu_1x_gh200", region: "us-west-1", firewallRulesetIds: [] }))
            .catch((e: Error) => e.message);
        expect(other).to.include(`${first.id} (gpu_1x_a10 in us-east-1, active)`);
        expect(other).to.include("None is launched beside them");
        expect(api.seen("launchInstance")).to.have.length(1);
    });

    it("replaces (terminating first) on a new type, region, key, file system, hostname, tags or ruleset, and renames in place", async () => {
        const { id, outs } = await machineProvider.create(machine());
        for (const [key, value] of [
            ["instanceType", "gpu_1x_gh200"],
            ["region", "us-west-1"],
            ["sshKeyName", "other"],
            ["fileSystemNames", ["data"]],
            ["hostname", "other"],
            ["tags", { "sophia-clusters:machine": "other" }],
            ["firewallRulesetIds", ["r2"]],
        ] as const) {
            const diff = await machineProvider.diff(id, outs, machine({ [key]: value }));
            expect(diff, key).to.deep.include({ changes: true, replaces: [key], deleteBeforeReplace: true });
        }
        expect(await machineProvider.diff(id, outs, machine())).to.deep.include({ changes: false, replaces: [] });
        const updated = await machineProvider.update(id, outs, machine({ name: "dev-gpu-a" }));
        expect(updated.outs.name).to.equal("dev-gpu-a");
        expect(api.instances.get(id)!.name).to.equal("dev-gpu-a");
    });

    it("terminates on delete, tolerates an instance already gone, and reads a terminated one as gone", async () => {
        const { id, outs } = await machineProvider.create(machine());
        expect((await machineProvider.read(id, outs)).id).to.equal(id);
        await machineProvider.delete(id, outs);
        expect(api.instances.get(id)?.status ?? "gone").to.be.oneOf(["terminating", "gone"]);
        await lambdaRequest({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST }, "GET", "/instances");
        expect(api.instances.has(id)).to.equal(false);
        expect((await machineProvider.read(id, outs)).id).to.equal(undefined);
        await machineProvider.delete(id, outs);
    });

    it("launches its own instance beside another machine of the same stack: one tag in common is not ownership", async () => {
        const first = await machineProvider.create(machine());
        const second = await machineProvider.create(
            machine({ name: "dev-gpu-1", hostname: "dev-gpu-1", tags: { ...machine().tags, "sophia-clusters:machine": "dev-gpu-1" } }),
        );
        expect(second.id).to.not.equal(first.id);
        expect(api.seen("launchInstance")).to.have.length(2);
        expect(api.instances.get(second.id)!.name).to.equal("dev-gpu-1");
    });

    it("refuses to adopt a tagged instance of its type in another region, or one of several that carry its tags", async () => {
        const conn = { apiUrl: api.url, apiKey: api.apiKey, pacing: FAST };
        const handLaunch = async (region: string): Promise<string> =>
            (
                await lambdaRequest<{ data: { instance_ids: string[] } }>(
                    conn,
                    "POST",
                    "/instance-operations/launch",
                    {
                        region_name: region,
                        instance_type_name: "gpu_1x_a10",
                        ssh_key_names: ["sophia-dev"],
                        tags: Object.entries(machine().tags).map(([key, value]) => ({ key, value })),
                    },
                    { idempotent: false },
                )
            ).data.instance_ids[0];
        const west = await handLaunch("us-west-1");
        const inWest = await machineProvider.create(machine()).catch((e: Error) => e.message);
        expect(inWest).to.include(`${west} (gpu_1x_a10 in us-west-1, booting)`);
        const east = await handLaunch("us-east-1");
        const twice = await machineProvider.create(machine()).catch((e: Error) => e.message);
        expect(twice).to.include(`${west} (gpu_1x_a10 in us-west-1, booting), ${east} (gpu_1x_a10 in us-east-1, booting)`);
        expect(twice).to.include("None is launched beside them");
        expect(api.seen("launchInstance")).to.have.length(2);
    });

    it("launches anew beside an instance of its tags that is terminated, terminating or preempted, and reads each as gone", async () => {
        api.releasePolls = 1_000_000;
        for (const status of ["terminated", "terminating", "preempted"] as const) {
            const old = await machineProvider.create(machine());
            expect((await machineProvider.read(old.id, old.outs)).id, `read while ${api.instances.get(old.id)!.status}`).to.equal(old.id);
            api.instances.get(old.id)!.status = status;
            // A refresh forgets it, so the next update launches a machine again.
            expect((await machineProvider.read(old.id, old.outs)).id, `read when ${status}`).to.equal(undefined);
            const next = await machineProvider.create(machine());
            expect(next.id, status).to.not.equal(old.id);
            api.instances.delete(old.id);
            api.instances.delete(next.id);
        }
        expect(api.seen("launchInstance")).to.have.length(6);
    });

    it("fails a boot that ends unhealthy, preempted or terminated, and one still booting at the timeout, leaving the instance for inspection", async () => {
        api.bootPolls = 1_000_000;
        for (const status of ["unhealthy", "preempted", "terminated"] as const) {
            const name = `dev-${status}-0`;
            const polled = api.waitFor("getInstance");
            const creating = machineProvider
                .create(machine({ name, hostname: name, tags: { "sophia-clusters:machine": name } }))
                .catch((e: Error) => e.message);
            await polled;
            const instance = [...api.instances.values()].find((i) => i.name === name)!;
            instance.status = status;
            expect(await creating).to.equal(`Lambda instance ${instance.id} (${name}) became ${status} while booting; it is left for inspection`);
            expect(api.instances.get(instance.id)!.status, "not terminated by the create").to.equal(status);
        }
        const slow = await machineProvider.create(machine({ bootTimeoutSeconds: 0.3 })).catch((e: Error) => e.message);
        expect(slow).to.match(/^Lambda instance i\d+ \(dev-gpu-0\) is still booting after 0.3 s$/);
        expect(api.seen("launchInstance")).to.have.length(4);
        expect(api.seen("terminateInstance")).to.deep.equal([]);
    });

    it("waits for an instance that has its address while still booting, or is active before it has one", async () => {
        api.bootPolls = 1_000_000;
        const creating = machineProvider.create(machine({ pollSeconds: 0.3 }));
        const instance = async () => {
            // After each poll has been answered (the next comes pollSeconds later), the instance moves on.
            await api.waitFor("getInstance");
            await new Promise((resolve) => setTimeout(resolve, 100));
            return [...api.instances.values()][0];
        };
        Object.assign(await instance(), { ip: "198.51.100.9", private_ip: "10.0.2.9" });
        Object.assign(await instance(), { status: "active", ip: undefined, private_ip: undefined });
        Object.assign(await instance(), { ip: "198.51.100.9", private_ip: "10.0.2.9" });
        const { outs } = await creating;
        expect(outs).to.include({ status: "active", ip: "198.51.100.9", privateIp: "10.0.2.9" });
        expect(api.seen("getInstance")).to.have.length(4);
    });

    it("changes the name, connection and timeouts in place, calling the API only to rename, and reads a name changed in the console", async () => {
        const { id, outs } = await machineProvider.create(machine());
        for (const [key, value] of [
            ["name", "dev-gpu-a"],
            ["apiUrl", "http://127.0.0.1:1/api/v1"],
            ["apiKey", "rotated"],
            ["pacing", { ...FAST, requestIntervalMs: 99 }],
            ["bootTimeoutSeconds", 60],
            ["pollSeconds", 2],
        ] as const)
            expect(await machineProvider.diff(id, outs, machine({ [key]: value })), key).to.deep.equal({
                changes: true,
                replaces: [],
                deleteBeforeReplace: true,
            });
        api.requests.length = 0;
        expect((await machineProvider.update(id, outs, machine({ pollSeconds: 2 }))).outs.pollSeconds).to.equal(2);
        expect(api.requests, "an update of the timeouts calls nothing").to.deep.equal([]);
        api.instances.get(id)!.name = "renamed-in-console";
        expect((await machineProvider.read(id, outs)).props.name).to.equal("renamed-in-console");
    });

    it("keeps a machine whose terminate is refused: the delete fails and the instance runs on", async () => {
        const { id, outs } = await machineProvider.create(machine());
        const refused = await machineProvider.delete(id, { ...outs, apiKey: "wrong-key" }).catch((e: Error) => e.message);
        expect(refused).to.match(/terminate failed with 401 global\/invalid-api-key/);
        expect(api.instances.get(id)!.status).to.equal("active");
    });

    it("says when no region has capacity for the type, and names those that have it in order", async () => {
        for (const region of Object.keys(api.capacity)) delete api.capacity[region];
        Object.assign(api.capacity, { "us-west-1": ["gpu_1x_a10"], "us-east-1": [] });
        const none = await machineProvider.create(machine({ instanceType: "gpu_1x_gh200" })).catch((e: Error) => e.message);
        expect(none).to.include("; no region has gpu_1x_gh200 capacity now. Set the pool's region");
        Object.assign(api.capacity, { "us-west-3": ["gpu_1x_gh200"], "us-east-3": ["gpu_1x_gh200"] });
        const some = await machineProvider.create(machine({ instanceType: "gpu_1x_gh200" })).catch((e: Error) => e.message);
        expect(some).to.include("; regions with gpu_1x_gh200 capacity now: us-east-3, us-west-3. Set");
        expect(api.instances.size).to.equal(0);
    });

    it("names the regions that have the type when capacity is short, and launches nothing", async () => {
        const message = await machineProvider.create(machine({ instanceType: "gpu_1x_gh200" })).catch((e: Error) => e.message);
        expect(message).to.equal(
            "Lambda Cloud has no capacity for gpu_1x_gh200 in us-east-1; regions with gpu_1x_gh200 capacity now: us-east-3, us-west-1. " +
                "Set the pool's region to one of them, or choose another instance type, and run again.",
        );
        expect(api.instances.size).to.equal(0);
    });

    it("never launches into a ruleset of another region (the server refuses it as the API does)", async () => {
        const west = await rulesetProvider.create(rulesetOf(api, { name: "sophia-dev-us-west-1", region: "us-west-1" }));
        const wrong = await machineProvider.create(machine({ firewallRulesetIds: [west.id] })).catch((e: Error) => e.message);
        expect(wrong).to.match(/400 global\/invalid-parameters: Every firewall ruleset must exist in region us-east-1/);
        expect(api.instances.size).to.equal(0);
    });

    it("keeps one ruleset per name and region, writes its rules whole, and adopts it after a lost state", async () => {
        const again = await rulesetProvider.create(rulesetOf(api));
        expect(again.id, "adopted by name and region").to.equal(rulesetId);
        expect(api.seen("createFirewallRuleset")).to.have.length(1);
        const rules = [...rulesetOf(api).initialRules, { protocol: "all" as const, source_network: "198.51.100.7/32", description: "cluster peer" }];
        const conn = { apiUrl: api.url, apiKey: api.apiKey, pacing: FAST };
        const written = await rulesetRulesProvider.create({ ...conn, rulesetId, rules });
        expect(api.rulesets.get(rulesetId)!.rules).to.deep.equal(rules);
        expect((await rulesetRulesProvider.read(written.id, { ...conn, rulesetId, rules: [] })).props.rules).to.deep.equal(rules);
        const fewer = rules.slice(0, 1);
        await rulesetRulesProvider.update(written.id, written.outs, { ...conn, rulesetId, rules: fewer });
        expect(api.rulesets.get(rulesetId)!.rules).to.deep.equal(fewer);
        expect((await rulesetProvider.diff(rulesetId, rulesetOf(api), rulesetOf(api, { region: "us-west-1" }))).replaces).to.deep.equal(["region"]);
    });

    it("deletes a ruleset once its terminated instances let go of it, and names the instances that do not", async () => {
        const { id, outs } = await machineProvider.create(machine());
        api.releasePolls = 5;
        await machineProvider.delete(id, outs);
        await rulesetProvider.delete(rulesetId, rulesetOf(api));
        expect(api.rulesets.size).to.equal(0);
        expect(api.seen("deleteFirewallRuleset").length, "retried while in use").to.be.greaterThan(1);

        const kept = (await rulesetProvider.create(rulesetOf(api))).id;
        const held = await machineProvider.create(machine({ firewallRulesetIds: [kept] }));
        const message = await rulesetProvider.delete(kept, rulesetOf(api, { releaseTimeoutSeconds: 0.2 })).catch((e: Error) => e.message);
        expect(message).to.match(new RegExp(`is still used by instance\\(s\\) ${held.id} after 0.2 s. Terminate them`));
        expect(api.rulesets.has(kept)).to.equal(true);
    });

    it("retries 429 and 5xx with backoff, boundedly, and never retries a launch after a 5xx", async () => {
        const conn = { apiUrl: api.url, apiKey: api.apiKey, pacing: FAST };
        api.requests.length = 0;
        api.fail("listSSHKeys", { status: 429, code: "global/too-many-requests", retryAfter: "0" }, 2);
        api.fail("listSSHKeys", { status: 503, code: "global/internal-error" });
        expect((await lambdaRequest<{ data: unknown[] }>(conn, "GET", "/ssh-keys")).data).to.have.length(1);
        expect(api.seen("listSSHKeys")).to.have.length(4);
        api.fail("listSSHKeys", { status: 429, code: "global/too-many-requests", retryAfter: "0" }, MAX_ATTEMPTS);
        expect(await lambdaRequest(conn, "GET", "/ssh-keys").catch((e: Error) => e.message)).to.match(/failed with 429 global\/too-many-requests/);

        api.fail("launchInstance", { status: 502, code: "global/internal-error" });
        const launch = await machineProvider.create(machine()).catch((e: Error) => e.message);
        expect(launch).to.match(/launch failed with 502 .* No instance with the tags of dev-gpu-0 exists yet; run again/);
        expect(api.seen("launchInstance")).to.have.length(1);
    });

    it("backs a throttled launch off for at least the launch interval, never sooner", async () => {
        api.fail("launchInstance", { status: 429, code: "global/too-many-requests" }, 2);
        await machineProvider.create(machine());
        const at = api.seen("launchInstance").map((r) => r.at);
        expect(at).to.have.length(3);
        for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1], `launch ${i}`).to.be.at.least(FAST_LIMITS.launchIntervalMs);
        expect(retryDelayMs(null, 1, DOCUMENTED_PACING.launchIntervalMs), "the documented launch limit").to.be.at.least(12_000);
        expect(retryDelayMs("3", 1, DOCUMENTED_PACING.requestIntervalMs), "Retry-After is honoured").to.equal(3000);
    });

    it("refuses a redirect and never sends the key to where it points", async () => {
        const elsewhere: (string | undefined)[] = [];
        const target = http.createServer((req, res) => {
            elsewhere.push(req.headers.authorization);
            res.end("{}");
        });
        const redirector = http.createServer((req, res) => {
            res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}${req.url}` });
            res.end();
        });
        await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
        await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r));
        try {
            const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/api/v1`;
            const message = await lambdaRequest({ apiUrl: url, apiKey: api.apiKey, pacing: FAST }, "GET", "/instances").catch((e: Error) => e.message);
            expect(message).to.include("answered 307 redirecting to http://127.0.0.1:");
            expect(message).to.include("Set sophia-clusters:lambdaApiUrl to the published https://cloud.lambda.ai/api/v1");
            expect(message).to.not.include(api.apiKey);
            expect(elsewhere, "requests that reached the redirect's target").to.deep.equal([]);
        } finally {
            target.close();
            redirector.close();
        }
    });
});

describe("Lambda Cloud rate limits as documented (1 request a second, 1 launch per 12 s)", () => {
    it("paces two launches 12 s apart and every request a second apart, so the server never answers 429", async () => {
        const api = await startLambdaApi();
        try {
            const conn = { apiUrl: api.url, apiKey: api.apiKey };
            await sshKeyProvider.create({ ...conn, name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" });
            const ruleset = await rulesetProvider.create({ ...rulesetOf(api), pacing: undefined });
            const documented = (name: string) => ({
                ...machineOf(api, ruleset.id, { name, hostname: name, tags: { "sophia-clusters:machine": name }, pollSeconds: 0 }),
                pacing: undefined,
            });
            await Promise.all([machineProvider.create(documented("dev-gpu-0")), machineProvider.create(documented("dev-gpu-1"))]);
            const launches = api.seen("launchInstance").map((r) => r.at);
            expect(launches).to.have.length(2);
            expect(launches[1] - launches[0]).to.be.at.least(DOCUMENTED_LIMITS.launchIntervalMs);
            const all = api.requests.map((r) => r.at);
            for (let i = 1; i < all.length; i++) expect(all[i] - all[i - 1], `request ${i}`).to.be.at.least(DOCUMENTED_LIMITS.requestIntervalMs);
            expect(
                api.requests.filter((r) => r.throttled).map((r) => r.operationId),
                "requests the server refused with 429",
            ).to.deep.equal([]);
            expectContractKept(api);
        } finally {
            await api.close();
        }
    }).timeout(60_000);
});
