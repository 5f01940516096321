import { expect } from "chai";
import { firewallProvider, lambdaRequest, MachineInputs, machineProvider, MAX_ATTEMPTS, sshKeyProvider } from "../../clusters/lambda/provider";
import { FakeLambda, startFakeLambda } from "../support/fakeLambda";

describe("Lambda Cloud dynamic providers against a fake API on 127.0.0.1", () => {
    let fake: FakeLambda;
    let conn: { apiUrl: string; apiKey: string };
    const machine = (over: Partial<MachineInputs> = {}): MachineInputs => ({
        ...conn,
        name: "dev-gpu-0",
        instanceType: "gpu_1x_a10",
        region: "us-east-1",
        sshKeyName: "sophia-dev",
        fileSystemNames: [],
        bootTimeoutSeconds: 5,
        pollSeconds: 0.01,
        ...over,
    });

    beforeEach(async () => {
        fake = await startFakeLambda();
        conn = { apiUrl: fake.url, apiKey: fake.apiKey };
        await sshKeyProvider.create({ ...conn, name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" });
    });
    afterEach(() => fake.close());

    it("registers an SSH key, reads it back, replaces it on any change and deletes it", async () => {
        const inputs = { ...conn, name: "ops", publicKey: "ssh-ed25519 BBBB ops" };
        const created = await sshKeyProvider.create(inputs);
        expect(fake.sshKeys.map((k) => k.name)).to.include("ops");
        expect((await sshKeyProvider.read(created.id, inputs)).id).to.equal(created.id);
        const diff = await sshKeyProvider.diff(created.id, inputs, { ...inputs, publicKey: "ssh-ed25519 CCCC ops" });
        expect(diff.replaces).to.deep.equal(["publicKey"]);
        await sshKeyProvider.delete(created.id, inputs);
        expect(fake.sshKeys.map((k) => k.name)).to.not.include("ops");
        expect((await sshKeyProvider.read(created.id, inputs)).id, "a deleted key reads as gone").to.equal(undefined);
        await sshKeyProvider.delete(created.id, inputs); // already gone: nothing to do
    });

    it("launches an instance, waits for it to boot and returns its addresses", async () => {
        fake.bootPolls = 2;
        const { id, outs } = await machineProvider.create(machine());
        const instance = fake.instances.get(id)!;
        expect(instance.status).to.equal("active");
        expect(outs).to.include({ ip: instance.ip, privateIp: instance.private_ip, status: "active", name: "dev-gpu-0" });
        expect(fake.requests.filter((r) => r === `GET /instances/${id}`)).to.have.length(3);
        const launch = fake.requests.indexOf("POST /instance-operations/launch");
        expect(launch).to.be.at.least(0);
    });

    it("replaces on a new type, region, SSH key or file system, and renames in place", async () => {
        const { id, outs } = await machineProvider.create(machine());
        const olds = outs;
        for (const [key, value] of [
            ["instanceType", "gpu_1x_gh200"],
            ["region", "us-west-1"],
            ["sshKeyName", "other"],
            ["fileSystemNames", ["data"]],
        ] as const) {
            const diff = await machineProvider.diff(id, olds, machine({ [key]: value }));
            expect(diff, key).to.deep.include({ changes: true, replaces: [key] });
        }
        expect(await machineProvider.diff(id, olds, machine())).to.deep.include({ changes: false, replaces: [] });
        const rename = await machineProvider.diff(id, olds, machine({ name: "dev-gpu-a" }));
        expect(rename).to.deep.include({ changes: true, replaces: [] });
        const updated = await machineProvider.update(id, olds, machine({ name: "dev-gpu-a" }));
        expect(updated.outs.name).to.equal("dev-gpu-a");
        expect(fake.instances.get(id)!.name).to.equal("dev-gpu-a");
        expect(fake.requests).to.include(`POST /instances/${id}`);
    });

    it("terminates on delete, and tolerates an instance that is already gone", async () => {
        const { id, outs } = await machineProvider.create(machine());
        await machineProvider.delete(id, outs);
        expect(fake.instances.has(id)).to.be.false;
        await machineProvider.delete(id, outs);
    });

    it("reads an instance terminated out of band as gone (an empty id), so refresh drops it", async () => {
        const { id, outs } = await machineProvider.create(machine());
        expect((await machineProvider.read(id, outs)).id).to.equal(id);
        fake.instances.delete(id);
        const read = await machineProvider.read(id, outs);
        expect(read.id).to.equal(undefined);
    });

    it("names the region, the type and the regions that have it when capacity is short", async () => {
        let message = "";
        try {
            await machineProvider.create(machine({ instanceType: "gpu_1x_gh200", region: "us-east-1" }));
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).to.equal(
            "Lambda Cloud has no capacity for gpu_1x_gh200 in us-east-1; regions with gpu_1x_gh200 capacity now: us-east-3, us-west-1. " +
                "Set the pool's region to one of them, or choose another instance type, and run again.",
        );
        expect(fake.instances.size).to.equal(0);
        fake.capacity["us-east-3"] = [];
        fake.capacity["us-west-1"] = [];
        const none = await machineProvider.create(machine({ instanceType: "gpu_1x_gh200" })).catch((e: Error) => e.message);
        expect(none).to.include("no region has gpu_1x_gh200 capacity now");
    });

    it("retries 429 and 5xx with backoff, boundedly, and never retries a launch after a 5xx", async () => {
        fake.failNext(429, 2);
        fake.failNext(503, 1);
        const keys = await lambdaRequest<{ data: unknown[] }>(conn, "GET", "/ssh-keys");
        expect(keys.data).to.have.length(1);
        expect(fake.requests.filter((r) => r === "GET /ssh-keys")).to.have.length(4);

        fake.failNext(429, MAX_ATTEMPTS);
        const bounded = await lambdaRequest(conn, "GET", "/ssh-keys").catch((e: Error) => e.message);
        expect(bounded).to.match(/failed with 429 global\/too-many-requests: try again/);

        fake.requests.length = 0;
        fake.failNext(502, 1);
        const launch = await machineProvider.create(machine()).catch((e: Error) => e.message);
        expect(launch).to.match(/POST \/instance-operations\/launch failed with 502/);
        expect(fake.requests.filter((r) => r.startsWith("POST /instance-operations/launch"))).to.have.length(1);
        fake.failNext(429, 1);
        const { id } = await machineProvider.create(machine());
        expect(fake.instances.has(id), "a throttled launch is retried").to.be.true;
    });

    it("honours a Retry-After delay before the next attempt", async () => {
        fake.failNext(429, 1, "1");
        const started = Date.now();
        await lambdaRequest(conn, "GET", "/ssh-keys");
        expect(Date.now() - started).to.be.at.least(900);
    });

    it("backs off exponentially without Retry-After, and reports a proxy's page when the body is not JSON", async () => {
        fake.failNext(503, 1, null);
        const started = Date.now();
        await lambdaRequest(conn, "GET", "/ssh-keys");
        expect(Date.now() - started, "the first backoff is a second").to.be.at.least(900);
        fake.failNext(404, 1, null, "<html>Not Found</html>");
        const page = await lambdaRequest(conn, "GET", "/ssh-keys").catch((e: Error) => e.message);
        expect(page).to.equal("Lambda Cloud API GET /ssh-keys failed with 404 http-404: <html>Not Found</html>");
    });

    it("reports the API's error code and suggestion, never the key", async () => {
        const wrong = await lambdaRequest({ ...conn, apiKey: "wrong-key" }, "GET", "/instances/x").catch((e: Error) => e.message);
        expect(wrong).to.equal("Lambda Cloud API GET /instances/x failed with 401 global/invalid-api-key: API key was invalid, expired, or deleted.");
        const bad = await machineProvider.create(machine({ sshKeyName: "missing" })).catch((e: Error) => e.message);
        expect(bad).to.match(/400 global\/invalid-parameters: ssh key not found/);
        expect(bad).to.not.include(fake.apiKey);
        fake.capacity["us-east-1"] = [];
        const short = await machineProvider.create(machine()).catch((e: Error) => e.message);
        expect(short).to.include("regions with gpu_1x_a10 capacity now: us-west-1");
    });

    it("fails a boot that does not finish in time, and one that turns unhealthy", async () => {
        fake.bootPolls = 1000;
        const slow = await machineProvider.create(machine({ bootTimeoutSeconds: 0.05 })).catch((e: Error) => e.message);
        expect(slow).to.match(/is still booting after 0.05 s/);
        fake.bootPolls = 1000;
        const launched = machineProvider.create(machine());
        await new Promise((r) => setTimeout(r, 30));
        for (const i of fake.instances.values()) if (i.status === "booting") i.status = "unhealthy";
        expect(await launched.catch((e: Error) => e.message)).to.match(/became unhealthy while booting/);
    });

    it("manages only its own share of the account's firewall rules", async () => {
        const rule = (port: number) => ({
            protocol: "tcp" as const,
            port_range: [port, port] as [number, number],
            source_network: "203.0.113.0/24",
            description: `sophia-dev: ${port}`,
        });
        const inputs = { ...conn, owner: "sophia-dev", rules: [rule(22)] };
        const created = await firewallProvider.create(inputs);
        expect(fake.firewallRules).to.have.length(2);
        expect((fake.firewallRules[0] as { description: string }).description).to.equal("another team: SSH");
        expect((await firewallProvider.diff(created.id, created.outs, { ...inputs, rules: [rule(22), rule(6443)] })).replaces).to.deep.equal([]);
        await firewallProvider.update(created.id, created.outs, { ...inputs, rules: [rule(22), rule(6443)] });
        expect((await firewallProvider.read(created.id, inputs)).props.rules).to.have.length(2);
        await firewallProvider.delete(created.id, inputs);
        expect(fake.firewallRules).to.have.length(1);
    });
});
