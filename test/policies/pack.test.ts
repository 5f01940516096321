// What the policy pack hands Pulumi for each rule: the metadata a reviewer reads in a preview's
// policy results, and the one validation of the rule's kind.
import { expect } from "chai";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { toPolicy } from "../../policies/pack";
import { RULES } from "../../policies/rules";

describe("the pack's policy for each rule", () => {
    it("carries the rule's id, description, severity, topics, remediation and config schema", () => {
        for (const rule of RULES) {
            const policy = toPolicy(rule);
            expect(policy.name, rule.id).to.equal(rule.id);
            expect(policy.description, rule.id).to.equal(rule.description);
            expect(policy.severity, rule.id).to.equal(rule.severity);
            expect(policy.tags, rule.id).to.deep.equal(rule.topics);
            expect(policy.remediationSteps, rule.id).to.equal(rule.remediation);
            if (rule.configSchema) expect(policy.configSchema, rule.id).to.deep.equal({ properties: rule.configSchema });
            else expect(policy.configSchema, rule.id).to.equal(undefined);
            // No level here: each stack's policies/config/<stack>.json sets it, so the pack's default never decides.
            expect(policy.enforcementLevel, rule.id).to.equal(undefined);
        }
    });

    it("validates a resource for a resource rule and the stack for a stack rule, never both", () => {
        const kinds = new Set(RULES.map((rule) => rule.kind));
        expect([...kinds].sort()).to.deep.equal(["resource", "stack"]);
        for (const rule of RULES) {
            const policy = toPolicy(rule) as Partial<ResourceValidationPolicy & StackValidationPolicy>;
            expect(typeof policy.validateResource, rule.id).to.equal(rule.kind === "resource" ? "function" : "undefined");
            expect(typeof policy.validateStack, rule.id).to.equal(rule.kind === "stack" ? "function" : "undefined");
        }
    });

    it("copies the config schema: the pack cannot change a rule's own", () => {
        const rule = RULES.find((r) => r.configSchema)!;
        const policy = toPolicy(rule);
        const [key] = Object.keys(rule.configSchema!);
        (policy.configSchema!.properties[key] as { default?: unknown }).default = "changed";
        expect(rule.configSchema![key].default).to.not.equal("changed");
    });
});
