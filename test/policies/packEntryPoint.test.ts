// policies/index.ts, the pack `pulumi preview --policy-pack policies` loads: the PolicyPack it
// constructs, with a stand-in class so that no analyzer server starts inside the test process.
import type { PolicyPackArgs } from "@pulumi/policy";
import { expect } from "chai";
import * as path from "path";
import { RULES } from "../../policies/rules";
import { ROOT } from "../support/plan";

describe("the policy pack's entry point", () => {
    it("constructs one pack, sophia-platform, describing itself, mandatory by default, with a policy per rule in order", () => {
        // The @pulumi/policy the pack itself resolves (policies/node_modules), where index.ts looks PolicyPack up.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = require(require.resolve("@pulumi/policy/policy", { paths: [path.join(ROOT, "policies")] })) as Record<string, unknown>;
        const real = sdk.PolicyPack;
        const built: { name: string; args: PolicyPackArgs }[] = [];
        sdk.PolicyPack = class {
            constructor(name: string, args: PolicyPackArgs) {
                built.push({ name, args });
            }
        };
        const entry = require.resolve("../../policies/index");
        const loaded = require.cache[entry];
        delete require.cache[entry];
        try {
            // Loading it also wraps the analyzer's request decoders (keepEngineRequests); nothing in this process serves them.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require(entry);
        } finally {
            sdk.PolicyPack = real;
            if (loaded) require.cache[entry] = loaded;
        }
        expect(built.map((b) => b.name)).to.deep.equal(["sophia-platform"]);
        const { args } = built[0];
        expect(args.description).to.match(/^Security and reliability rules of the Sophia platform/);
        expect(args.enforcementLevel).to.equal("mandatory");
        expect(args.policies.map((p) => p.name)).to.deep.equal(RULES.map((r) => r.id));
    });
});
