// The config schema each policy hands `pulumi preview --policy-pack-config`: the Pulumi CLI validates a
// policy's settings against { type: "object", properties: <the policy's configSchema.properties> } as
// JSON Schema (ReconcilePolicyPackConfig → validatePolicyConfig/convertSchema in pulumi/pulumi's
// resource/analyzer/config.go, with gojsonschema), before any rule runs. Here Ajv stands in for it.
import Ajv from "ajv";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { toPolicy } from "../../policies/pack";
import type { Rule } from "../../policies/rule";
import { restrictServiceTypes } from "../../policies/kubernetes/restrictServiceTypes";
import { requireApprovedRegistry } from "../../policies/workloads/requireApprovedRegistry";

const CONFIG_DIR = path.join(__dirname, "..", "..", "policies", "config");
const STACK_CONFIGS = fs.readdirSync(CONFIG_DIR).filter((f) => f.endsWith(".json"));

const ajv = new Ajv({ allErrors: true });
const validators = new Map<Rule, ReturnType<Ajv["compile"]>>();

/** Errors the CLI would print for `settings` of `rule`, or none. */
function cliErrors(rule: Rule, settings: Record<string, unknown>): string[] {
    if (!validators.has(rule)) validators.set(rule, ajv.compile({ type: "object", properties: toPolicy(rule).configSchema?.properties ?? {} }));
    const validate = validators.get(rule)!;
    return validate(settings) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const CASES: { rule: Rule; setting: string; valid: unknown[]; invalid: unknown[] }[] = [
    {
        rule: requireApprovedRegistry,
        setting: "approvedRegistries",
        valid: [["registry.sophia-ai.com", "registry.dev.sophia-ai.com/mirror"], []],
        invalid: [[443], [{ host: "registry.sophia-ai.com" }], ["registry.sophia-ai.com", null]],
    },
    {
        rule: restrictServiceTypes,
        setting: "allowedServiceTypes",
        valid: [["LoadBalancer"], ["NodePort", "LoadBalancer"], []],
        invalid: [[true], [["LoadBalancer"]], ["NodePort", 30080]],
    },
];

for (const { rule, setting, valid, invalid } of CASES) {
    describe(`${rule.id}.${setting} in a policy pack config`, () => {
        for (const file of STACK_CONFIGS) {
            it(`accepts the committed policies/config/${file}`, () => {
                const entry = (JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, file), "utf8")) as Record<string, unknown>)[rule.id];
                const { enforcementLevel: _level, ...settings } = typeof entry === "object" && entry ? (entry as Record<string, unknown>) : {};
                expect(cliErrors(rule, settings)).to.deep.equal([]);
            });
        }

        for (const value of valid) {
            it(`accepts a list of names: ${JSON.stringify(value)}`, () => {
                expect(cliErrors(rule, { [setting]: value })).to.deep.equal([]);
            });
        }

        for (const value of invalid) {
            it(`refuses a list holding something other than a name: ${JSON.stringify(value)}`, () => {
                expect(cliErrors(rule, { [setting]: value }).join("\n")).to.match(new RegExp(`^/${setting}/\\d+ must be string$`, "m"));
            });
        }

        it("refuses a single name where the list belongs", () => {
            expect(cliErrors(rule, { [setting]: (valid[0] as string[])[0] })).to.deep.equal([`/${setting} must be array`]);
        });
    });
}
