// A stack's policy config (policies/config/<stack>.json) as the pack reads it: every mistake named
// with its key, and which level wins when "all", a policy's entry and its enforcementLevel disagree.
import { expect } from "chai";
import { configProblems, DEFAULT_LEVEL, resolveRule, ruleDefaults } from "../../policies/config";
import { RULES } from "../../policies/rules";

const ruleWithSettings = RULES.find((r) => Object.values(r.configSchema ?? {}).some((p) => p.type === "array"))!;
const arraySetting = Object.entries(ruleWithSettings.configSchema!).find(([, p]) => p.type === "array")![0];
const ruleWithout = RULES.find((r) => !r.configSchema)!;

describe("policy config problems", () => {
    for (const config of [null, undefined, "advisory", 3, ["advisory"]])
        it(`rejects a config that is not an object of policy ids: ${JSON.stringify(config)}`, () => {
            expect(configProblems(config, RULES)).to.deep.equal(["expected an object of policy ids"]);
        });

    it("accepts every level for all, for a policy and as a policy's enforcementLevel", () => {
        for (const level of ["advisory", "mandatory", "remediate", "disabled"]) {
            expect(configProblems({ all: level }, RULES), level).to.deep.equal([]);
            expect(configProblems({ [ruleWithout.id]: level }, RULES), level).to.deep.equal([]);
            expect(configProblems({ [ruleWithSettings.id]: { enforcementLevel: level } }, RULES), level).to.deep.equal([]);
        }
    });

    it("names an unknown level with the policy or setting it was given to", () => {
        expect(configProblems({ all: 1, [ruleWithout.id]: "loud", [ruleWithSettings.id]: { enforcementLevel: "Mandatory" } }, RULES)).to.deep.equal([
            "all: unknown enforcement level 1",
            `${ruleWithout.id}: unknown enforcement level "loud"`,
            `${ruleWithSettings.id}.enforcementLevel: unknown level "Mandatory"`,
        ]);
    });

    it("wants a level or an object for a policy", () => {
        for (const value of [null, 0, true])
            expect(configProblems({ [ruleWithout.id]: value }, RULES), String(value)).to.deep.equal([`${ruleWithout.id}: expected a level or an object`]);
    });

    it("names a setting the policy does not have, and a list setting given as one value", () => {
        expect(configProblems({ [ruleWithout.id]: { limit: 3 } }, RULES)).to.deep.equal([`${ruleWithout.id}.limit: the policy has no such setting`]);
        expect(configProblems({ [ruleWithSettings.id]: { [arraySetting]: "one.example.com" } }, RULES)).to.deep.equal([
            `${ruleWithSettings.id}.${arraySetting}: expected an array`,
        ]);
        expect(configProblems({ [ruleWithSettings.id]: { [arraySetting]: ["one.example.com"] } }, RULES)).to.deep.equal([]);
    });

    it("lists every problem of every entry, in the file's order", () => {
        expect(configProblems({ "no-such-policy": "advisory", [ruleWithout.id]: { limit: 1, enforcementLevel: "x" }, all: "y" }, RULES)).to.deep.equal([
            "no-such-policy: no such policy",
            `${ruleWithout.id}.limit: the policy has no such setting`,
            `${ruleWithout.id}.enforcementLevel: unknown level "x"`,
            'all: unknown enforcement level "y"',
        ]);
    });
});

describe("a policy's level and settings", () => {
    it("is mandatory with the schema's defaults when the config says nothing", () => {
        expect(DEFAULT_LEVEL).to.equal("mandatory");
        expect(resolveRule(ruleWithSettings, {})).to.deep.equal({ level: "mandatory", config: ruleDefaults(ruleWithSettings) });
        expect(ruleDefaults(ruleWithout)).to.deep.equal({});
        expect(Object.keys(ruleDefaults(ruleWithSettings))).to.deep.equal(Object.keys(ruleWithSettings.configSchema!));
    });

    it("takes the policy's own level over all, and all over the default", () => {
        expect(resolveRule(ruleWithout, { all: "advisory" }).level).to.equal("advisory");
        expect(resolveRule(ruleWithout, { all: "advisory", [ruleWithout.id]: "disabled" }).level).to.equal("disabled");
        expect(resolveRule(ruleWithSettings, { all: "advisory", [ruleWithSettings.id]: { enforcementLevel: "disabled" } }).level).to.equal("disabled");
        expect(resolveRule(ruleWithSettings, { all: "disabled", [ruleWithSettings.id]: { [arraySetting]: [] } }).level).to.equal("disabled");
    });

    it("keeps the defaults of the settings an entry does not name, and never the level among the settings", () => {
        const resolved = resolveRule(ruleWithSettings, { [ruleWithSettings.id]: { enforcementLevel: "advisory", [arraySetting]: ["a"] } });
        expect(resolved.config).to.deep.equal({ ...ruleDefaults(ruleWithSettings), [arraySetting]: ["a"] });
        expect(resolved.config).to.not.have.property("enforcementLevel");
        expect(resolveRule(ruleWithSettings, { [ruleWithSettings.id]: "advisory" }).config).to.deep.equal(ruleDefaults(ruleWithSettings));
    });
});
