// Faults injected at the published-contract server: after every one, nothing exists that no state
// knows about (an instance or a ruleset) and the next create or update converges.
import { expect } from "chai";
import { spawn } from "child_process";
import * as path from "path";
import { lambdaRequest, machineProvider, sshKeyProvider } from "../../clusters/lambda/provider";
import { rulesetProvider, rulesetRulesProvider } from "../../clusters/lambda/rulesets";
import { expectContractKept, FAST, FAST_LIMITS, LambdaApi, machineOf, rulesetOf, startLambdaApi } from "../support/lambdaApi";
import { ROOT } from "../support/plan";

const INTERNAL = { status: 500, code: "global/internal-error", message: "An internal server error occurred." };
const UNAVAILABLE = { status: 503, code: "provider/internal-unavailable", message: "Provider unavailable" };
const THROTTLED = { status: 429, code: "global/too-many-requests", retryAfter: "0" };

describe("Lambda Cloud faults: nothing orphaned, and the next run converges", () => {
    let api: LambdaApi;
    /** What the Pulumi state knows: the ids the providers' creates returned. */
    let state: string[];
    let rulesetId: string;
    const conn = () => ({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST });

    beforeEach(async () => {
        api = await startLambdaApi(FAST_LIMITS);
        state = [];
        await sshKeyProvider.create({ ...conn(), name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" });
        rulesetId = (await rulesetProvider.create(rulesetOf(api))).id;
        state.push(rulesetId);
    });
    afterEach(async () => {
        expectContractKept(api);
        await api.close();
    });

    it("a 5xx after the instance was created: the same create adopts it by its tags", async () => {
        api.fail("launchInstance", { ...INTERNAL, afterActing: true });
        const { id } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(api.seen("launchInstance")).to.have.length(1);
        expect(api.untracked(state)).to.deep.equal([]);
        expect((await machineProvider.create(machineOf(api, rulesetId))).id, "the next create converges on it").to.equal(id);
    });

    it("a 5xx before anything was created: the create fails saying so, and the next one launches", async () => {
        api.fail("launchInstance", INTERNAL);
        const failed = await machineProvider.create(machineOf(api, rulesetId)).catch((e: Error) => e.message);
        expect(failed).to.include("No instance with the tags of dev-gpu-0 exists yet; run again");
        expect(api.untracked(state)).to.deep.equal([]);
        const { id } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(api.untracked(state)).to.deep.equal([]);
        expect(api.instances.size).to.equal(1);
    });

    it("a 5xx after the ruleset and the SSH key were made: their creates find them by name", async () => {
        api.fail("createFirewallRuleset", { ...INTERNAL, afterActing: true });
        const west = await rulesetProvider.create(rulesetOf(api, { name: "sophia-dev-us-west-1", region: "us-west-1" }));
        state.push(west.id);
        api.fail("addSSHKey", { ...INTERNAL, afterActing: true });
        const key = await sshKeyProvider.create({ ...conn(), name: "ops", publicKey: "ssh-ed25519 BBBB ops" });
        expect(api.sshKeys.filter((k) => k.name === "ops").map((k) => k.id)).to.deep.equal([key.id]);
        expect(api.untracked(state)).to.deep.equal([]);
        expect(api.rulesets.size).to.equal(2);
    });

    it("429 bursts on every call: each is retried after its backoff and one instance is launched", async () => {
        for (const op of ["listInstances", "launchInstance", "getInstance", "updateFirewallRuleset", "getFirewallRuleset"]) api.fail(op, THROTTLED, 3);
        const { id, outs } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(api.instances.size).to.equal(1);
        const rules = [...rulesetOf(api).initialRules, { protocol: "all" as const, source_network: `${outs.ip}/32`, description: "cluster peer" }];
        await rulesetRulesProvider.create({ ...conn(), rulesetId, rules });
        expect(api.rulesets.get(rulesetId)!.rules).to.deep.equal(rules);
        expect(api.untracked(state)).to.deep.equal([]);
    });

    it("provider/* errors from the document: retried with backoff, before and after a launch", async () => {
        api.fail("launchInstance", UNAVAILABLE, 2);
        api.fail("getInstance", UNAVAILABLE, 2);
        const { id } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(api.seen("launchInstance")).to.have.length(3);
        expect(api.instances.size).to.equal(1);
        expect(api.untracked(state)).to.deep.equal([]);
        api.fail("launchInstance", { ...UNAVAILABLE, afterActing: true });
        const second = await machineProvider.create(
            machineOf(api, rulesetId, { name: "dev-gpu-1", hostname: "dev-gpu-1", tags: { "sophia-clusters:machine": "dev-gpu-1" } }),
        );
        state.push(second.id);
        expect(api.instances.size, "a provider error after acting is found by the tags, not launched again").to.equal(2);
        expect(api.untracked(state)).to.deep.equal([]);
    });

    it("provider/* errors on every launch: three launches, then the create fails and nothing exists", async () => {
        api.fail("launchInstance", UNAVAILABLE, 3);
        const failed = await machineProvider.create(machineOf(api, rulesetId)).catch((e: Error) => e.message);
        expect(failed).to.include("launch failed with 503 provider/internal-unavailable");
        expect(api.seen("launchInstance")).to.have.length(3);
        expect(api.untracked(state)).to.deep.equal([]);
    });

    it("a connection dropped after the launch: the create adopts the instance; dropped before: it fails saying to run again", async () => {
        api.fail("launchInstance", { status: 0, code: "", drop: true, afterActing: true });
        const { id } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(api.seen("launchInstance")).to.have.length(1);
        expect(api.untracked(state)).to.deep.equal([]);

        const other = machineOf(api, rulesetId, { name: "dev-gpu-1", hostname: "dev-gpu-1", tags: { "sophia-clusters:machine": "dev-gpu-1" } });
        api.fail("launchInstance", { status: 0, code: "", drop: true });
        const failed = await machineProvider.create(other).catch((e: Error) => e.message);
        expect(failed).to.match(/launch could not be reached \(\w+\)\. No instance with the tags of dev-gpu-1 exists yet; run again/);
        expect(failed).to.not.include(api.apiKey);
        expect(api.seen("launchInstance")).to.have.length(2);
        expect(api.untracked(state)).to.deep.equal([]);
    });

    it("a client killed between the launch and the state write: the next create adopts the instance", async () => {
        api.bootPolls = 1_000_000;
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "test/support/lambdaCreate.ts")], {
            cwd: ROOT,
            env: { ...process.env, LAMBDA_CREATE_INPUTS: JSON.stringify(machineOf(api, rulesetId)) },
            stdio: "pipe",
        });
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        await api.waitFor("getInstance"); // launched, answered, and now waiting for the boot
        child.kill("SIGKILL");
        expect(await exited).to.equal(null);
        const launched = [...api.instances.keys()];
        expect(api.untracked(state), "the killed create left an instance no state knows").to.deep.equal(launched);

        api.bootPolls = 0;
        const { id } = await machineProvider.create(machineOf(api, rulesetId));
        state.push(id);
        expect(id).to.equal(launched[0]);
        expect(api.seen("launchInstance")).to.have.length(1);
        expect(api.untracked(state)).to.deep.equal([]);
    }).timeout(60_000);

    it("a ruleset still in use at delete: waits for terminating instances, and names one that stays", async () => {
        const { id, outs } = await machineProvider.create(machineOf(api, rulesetId));
        api.releasePolls = 8;
        await machineProvider.delete(id, outs);
        await rulesetProvider.delete(rulesetId, rulesetOf(api));
        expect(api.rulesets.size).to.equal(0);
        expect(api.untracked([])).to.deep.equal([]);

        const again = (await rulesetProvider.create(rulesetOf(api))).id;
        const held = await machineProvider.create(machineOf(api, again));
        const message = await rulesetProvider.delete(again, rulesetOf(api, { releaseTimeoutSeconds: 0.3 })).catch((e: Error) => e.message);
        expect(message).to.include(`still used by instance(s) ${held.id}`);
        // The operator terminates it as the message says; the delete run again converges.
        await lambdaRequest(conn(), "POST", "/instance-operations/terminate", { instance_ids: [held.id] });
        await rulesetProvider.delete(again, rulesetOf(api));
        expect(api.untracked([])).to.deep.equal([]);
    });
});
