// Unknown keys of the stack's namespace: in name order, never with a secret's value, and with the
// key each most likely meant.
import { expect } from "chai";
import { configKeyProblems, ConfigKeyCheck } from "../../stacks/configKeys";

const check = (keys: Record<string, string>, overrides: Partial<ConfigKeyCheck> = {}): ConfigKeyCheck => ({
    stack: "qa",
    keys: Object.keys(keys),
    secrets: ["SLACK_BOT_TOKEN"],
    read: (key) => keys[`sophia:${key}`],
    isSecret: () => false,
    ...overrides,
});

describe("unknown config keys", () => {
    it("are reported in name order, whatever order the config lists them in, with only the keys they meant", () => {
        const result = configKeyProblems(check({ "sophia:zzzzzzzzzzzzzz": "1", "sophia:targett": "swarm", "sophia:registy": "ghcr.io/x" }));
        expect(result.problems.map((p) => p.where)).to.deep.equal([
            "Pulumi.qa.yaml sophia:registy",
            "Pulumi.qa.yaml sophia:targett",
            "Pulumi.qa.yaml sophia:zzzzzzzzzzzzzz",
        ]);
        expect(result.meant).to.deep.equal(["sophia:registry", "sophia:target"]);
    });

    it("say what a key is expected to be when no known key is near", () => {
        const [problem] = configKeyProblems(check({ "sophia:zzzzzzzzzzzzzz": "1" })).problems;
        expect(problem.message).to.equal("got 1; unknown key: neither a setting (docs/04-deployment/stacks.md) nor a secret that a server or component uses");
    });

    it("never show the value of a key set as a secret, or of a key named like one", () => {
        const secretSetting = configKeyProblems(check({ "sophia:apiTokn": "hunter2" }, { isSecret: (key) => key === "sophia:apiTokn" })).problems;
        expect(secretSetting[0].message).to.match(/^got \[secret\]; unknown key/);
        const namedLikeSecret = configKeyProblems(check({ "sophia:SLACK_BOT_TOKN": "xoxb-123" })).problems;
        expect(namedLikeSecret[0].message).to.equal(
            "got [secret]; secret SLACK_BOT_TOKN is supplied but no server or component uses it: did you mean sophia:SLACK_BOT_TOKEN? Otherwise remove it from the stack file or its ESC environment",
        );
        for (const p of [...secretSetting, ...namedLikeSecret]) expect(p.message).to.not.match(/hunter2|xoxb/);
    });
});
