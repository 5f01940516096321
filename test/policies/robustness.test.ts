import { expect } from "chai";
import type { PolicyResource, RuleContext } from "../../policies/rule";
import { RULES } from "../../policies/rules";

/**
 * During a preview, inputs may still be unknown and so absent, and a resource of a covered type may
 * be sparse. A rule then judges what it can see: it never throws and never invents a violation.
 */
describe("policy rules on sparse resources", () => {
    const context: RuleContext = { stack: "prod", config: {} };
    const sparse = (type: string, props: Record<string, unknown>): PolicyResource => ({
        type,
        urn: `urn:pulumi:prod::sophia::${type}::sparse`,
        name: "sparse",
        props,
    });

    for (const rule of RULES) {
        it(`${rule.id} tolerates resources whose properties are not known yet`, () => {
            const types =
                rule.kind === "resource" ? rule.resourceTypes : ["kubernetes:apps/v1:Deployment", "docker:index/service:Service", "aws:s3/bucket:Bucket"];
            for (const type of types) {
                for (const props of [{}, { metadata: {} }, { spec: {} }, { spec: { template: {} } }, { taskSpec: {} }]) {
                    const resource = sparse(type, props);
                    const result = rule.kind === "resource" ? rule.check(resource, context) : rule.check([resource], context);
                    expect(result, `${rule.id} on ${type} ${JSON.stringify(props)}`).to.be.an("array");
                }
            }
            // Resource rules only see their own types (the pack and the runner filter); a stack with nothing in it is clean.
            if (rule.kind === "stack") expect(rule.check([], context), `${rule.id} on an empty stack`).to.deep.equal([]);
        });
    }
});
