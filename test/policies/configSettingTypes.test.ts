// Which values a policy setting accepts in policies/config/<stack>.json: only a list setting must be a list.
import { expect } from "chai";
import { configProblems } from "../../policies/config";
import type { ResourceRule } from "../../policies/rule";
import { restrictServiceTypes } from "../../policies/kubernetes/restrictServiceTypes";

describe("policy config setting types", () => {
    // The pack's own settings are all lists today; a rule may declare others, which take a single value.
    const rule: ResourceRule = {
        ...restrictServiceTypes,
        id: "restrict-example",
        configSchema: {
            allowed: { type: "array", items: { type: "string" }, description: "Allowed values.", default: [] },
            maxReplicas: { type: "number", description: "A number.", default: 3 },
            registry: { type: "string", description: "A host.", default: "registry.sophia-ai.com" },
        },
    };

    it("accepts a single value for a number or string setting", () => {
        expect(configProblems({ "restrict-example": { maxReplicas: 5, registry: "ghcr.io" } }, [rule])).to.deep.equal([]);
    });

    it("still wants a list for a list setting", () => {
        expect(configProblems({ "restrict-example": { allowed: "one", maxReplicas: 5 } }, [rule])).to.deep.equal([
            "restrict-example.allowed: expected an array",
        ]);
    });
});
