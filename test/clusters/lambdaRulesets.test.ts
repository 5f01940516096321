// The SSH key and firewall ruleset providers' refresh, diff, update and delete against the server
// that enforces Lambda's published API document: what `pulumi refresh` reads after changes made in
// the console, which changes replace a resource, and that nothing is left behind or written twice.
import { expect } from "chai";
import { sshKeyProvider } from "../../clusters/lambda/provider";
import { rulesetProvider, rulesetRulesProvider } from "../../clusters/lambda/rulesets";
import { expectContractKept, FAST, FAST_LIMITS, LambdaApi, rulesetOf, startLambdaApi } from "../support/lambdaApi";

describe("Lambda SSH keys and firewall rulesets through a refresh, a change and a delete", () => {
    let api: LambdaApi;
    const conn = () => ({ apiUrl: api.url, apiKey: api.apiKey, pacing: FAST });

    beforeEach(async () => {
        api = await startLambdaApi(FAST_LIMITS);
    });
    afterEach(async () => {
        expectContractKept(api);
        await api.close();
    });

    it("reads an SSH key as the API has it, one removed in the console as gone, and replaces it on a new name or public key", async () => {
        const key = { ...conn(), name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" };
        const { id, outs } = await sshKeyProvider.create(key);
        expect((await sshKeyProvider.read(id, { ...outs, name: "stale", publicKey: "stale" })).props).to.deep.include({
            name: "sophia-dev",
            publicKey: "ssh-ed25519 AAAA dev",
        });
        expect(await sshKeyProvider.diff(id, key, { ...key, publicKey: "ssh-ed25519 BBBB dev" })).to.deep.include({ changes: true, replaces: ["publicKey"] });
        expect(await sshKeyProvider.diff(id, key, { ...key, name: "ops" })).to.deep.include({ changes: true, replaces: ["name"] });
        expect(await sshKeyProvider.diff(id, key, { ...key, apiKey: "rotated" })).to.deep.include({ changes: true, replaces: [] });
        expect(await sshKeyProvider.diff(id, key, { ...key })).to.deep.include({ changes: false, replaces: [] });
        api.requests.length = 0;
        expect((await sshKeyProvider.update(id, outs, { ...key, apiKey: "rotated" })).outs.apiKey).to.equal("rotated");
        expect(api.requests, "an update of the connection calls nothing").to.deep.equal([]);

        // A 400 for a key the account still lists is a real refusal: the destroy stops on it.
        api.fail("deleteSSHKey", { status: 400, code: "global/invalid-parameters", message: "Key is in use." });
        const refused = await sshKeyProvider.delete(id, outs).catch((e: Error) => e.message);
        expect(refused).to.match(/failed with 400 global\/invalid-parameters: Key is in use/);
        expect(api.sshKeys.map((k) => k.id)).to.deep.equal([id]);

        api.sshKeys.length = 0;
        const gone = await sshKeyProvider.read(id, outs);
        expect(gone).to.deep.equal({ id: undefined, props: outs });
        // Removed in the console: the API answers 400 (the document has no 404 for it), and the destroy goes on.
        const deletesBefore = api.seen("deleteSSHKey").length;
        await sshKeyProvider.delete(id, outs);
        expect(api.seen("deleteSSHKey")).to.have.length(deletesBefore + 1);
        const unauthorized = await sshKeyProvider.delete(id, { ...outs, apiKey: "wrong-key" }).catch((e: Error) => e.message);
        expect(unauthorized).to.match(/failed with 401 global\/invalid-api-key/);
    });

    it("takes over only an SSH key of its name and public half, whatever whitespace ends it", async () => {
        const key = { ...conn(), name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" };
        api.sshKeys.push({ id: "k-listed", name: "sophia-dev", public_key: "ssh-ed25519 AAAA dev\n" });
        expect((await sshKeyProvider.create(key)).id).to.equal("k-listed");
        expect((await sshKeyProvider.create({ ...key, publicKey: "ssh-ed25519 AAAA dev\n" })).id).to.equal("k-listed");
        expect(api.seen("addSSHKey"), "nothing registered").to.deep.equal([]);
        // Another public half under the name: not ours to launch with (its private half is elsewhere).
        const other = await sshKeyProvider.create({ ...key, publicKey: "ssh-ed25519 BBBB other" }).catch((e: Error) => e.message);
        expect(other).to.match(/failed with 400 global\/invalid-parameters/);
        // The same public half under another name is another key: ours is registered beside it.
        const ops = await sshKeyProvider.create({ ...key, name: "ops" });
        expect(ops.id).to.not.equal("k-listed");
        expect(api.sshKeys.map((k) => k.name)).to.deep.equal(["sophia-dev", "ops"]);
    });

    it("never adopts another stack's ruleset, nor its own name in another region", async () => {
        const staging = await rulesetProvider.create(rulesetOf(api, { name: "sophia-staging-us-east-1" }));
        const west = await rulesetProvider.create(rulesetOf(api, { region: "us-west-1" }));
        const east = await rulesetProvider.create(rulesetOf(api));
        expect(new Set([staging.id, west.id, east.id]).size).to.equal(3);
        expect(api.rulesets.get(east.id)).to.deep.include({ name: "sophia-dev-us-east-1", region: { name: "us-east-1", description: "Virginia, USA" } });
        expect(api.seen("createFirewallRuleset")).to.have.length(3);
    });

    it("reads a ruleset's name and region as the API has them, and one deleted in the console as gone", async () => {
        const { id, outs } = await rulesetProvider.create(rulesetOf(api));
        const read = await rulesetProvider.read(id, { ...outs, name: "stale-name", region: "us-west-1" });
        expect(read.id).to.equal(id);
        expect(read.props).to.deep.include({ name: "sophia-dev-us-east-1", region: "us-east-1", releaseTimeoutSeconds: outs.releaseTimeoutSeconds });
        api.rulesets.delete(id);
        const gone = await rulesetProvider.read(id, outs);
        expect(gone.id).to.equal(undefined);
        expect(gone.props).to.deep.equal(outs);
        const rulesGone = await rulesetRulesProvider.read(`${id}-rules`, { ...conn(), rulesetId: id, rules: [] });
        expect(rulesGone.id).to.equal(undefined);
    });

    it("replaces a ruleset on a new name or region only; its connection and timeouts change in place, its initial rules not at all", async () => {
        const olds = rulesetOf(api);
        expect(await rulesetProvider.diff("id", olds, rulesetOf(api))).to.deep.equal({ changes: false, replaces: [], deleteBeforeReplace: false });
        expect(await rulesetProvider.diff("id", olds, rulesetOf(api, { name: "sophia-staging-us-east-1" }))).to.deep.include({
            changes: true,
            replaces: ["name"],
        });
        for (const over of [{ apiKey: "rotated" }, { releaseTimeoutSeconds: 60 }, { pollSeconds: 2 }, { pacing: { ...FAST, requestIntervalMs: 99 } }])
            expect(await rulesetProvider.diff("id", olds, rulesetOf(api, over)), JSON.stringify(over)).to.deep.equal({
                changes: true,
                replaces: [],
                deleteBeforeReplace: false,
            });
        // After the launch the rules resource owns the rules: new initial rules change nothing.
        const initialRules = [{ protocol: "tcp" as const, port_range: [2222, 2222] as [number, number], source_network: "0.0.0.0/0", description: "other" }];
        expect((await rulesetProvider.diff("id", olds, rulesetOf(api, { initialRules }))).changes).to.equal(false);

        const { id, outs } = await rulesetProvider.create(olds);
        api.requests.length = 0;
        const updated = await rulesetProvider.update(id, outs, rulesetOf(api, { releaseTimeoutSeconds: 60 }));
        expect(updated.outs.releaseTimeoutSeconds).to.equal(60);
        expect(api.requests, "an update of the connection or timeouts calls nothing").to.deep.equal([]);
    });

    it("rewrites the rules when they change, replaces them for another ruleset, and leaves them to their ruleset on delete", async () => {
        const { id: rulesetId } = await rulesetProvider.create(rulesetOf(api));
        const rules = rulesetOf(api).initialRules;
        const olds = { ...conn(), rulesetId, rules };
        expect(await rulesetRulesProvider.diff("r", olds, { ...olds })).to.deep.include({ changes: false, replaces: [] });
        const more = [...rules, { protocol: "all" as const, source_network: "198.51.100.7/32", description: "cluster peer" }];
        expect(await rulesetRulesProvider.diff("r", olds, { ...olds, rules: more })).to.deep.include({ changes: true, replaces: [] });
        expect(await rulesetRulesProvider.diff("r", olds, { ...olds, rulesetId: "other" })).to.deep.include({ changes: true, replaces: ["rulesetId"] });

        const written = await rulesetRulesProvider.create({ ...olds, rules: more });
        expect(written.id).to.equal(`${rulesetId}-rules`);
        api.requests.length = 0;
        await rulesetRulesProvider.delete();
        expect(api.requests).to.deep.equal([]);
        expect(api.rulesets.get(rulesetId)!.rules).to.deep.equal(more);
    });

    it("deletes a ruleset already gone without an error, and passes on any other failure", async () => {
        const { id } = await rulesetProvider.create(rulesetOf(api));
        api.rulesets.delete(id);
        await rulesetProvider.delete(id, rulesetOf(api));
        const unauthorized = await rulesetProvider.delete(id, rulesetOf(api, { apiKey: "wrong-key" })).catch((e: Error) => e.message);
        expect(unauthorized).to.match(/failed with 401 global\/invalid-api-key/);
    });
});
