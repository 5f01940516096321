import { expect } from "chai";
import { formatReport, wrapped } from "../commands/plan/report";
import type { PlanFile } from "../commands/plan/planFile";
import { planOf } from "./support/plan";

type Violation = PlanFile["policy"]["violations"][number];

const violation = (policy: string, level: Violation["level"], name: string): Violation => ({
    policy,
    level,
    urn: `urn:pulumi:dev::sophia::sophia:platform:McpServer$docker:index/service:Service::${name}`,
    message: `${name} is wrong`,
});

describe("the plan's printed report", () => {
    const base = planOf("dev").plan!;
    const report = (violations: Violation[]) =>
        formatReport({ plan: { ...base, policy: { ...base.policy, violations } }, schema: [], dir: "out/dev", timings: { evaluateMs: 1, totalMs: 2 } });

    it("prints every mandatory violation, and a rule's many advisories as one line with the count and where to see them all", () => {
        const advisories = Array.from({ length: 40 }, (_, i) => violation("require-image-digests", "advisory", `svc-${i}`));
        const text = report([violation("disallow-privileged", "mandatory", "a"), violation("disallow-privileged", "mandatory", "b"), ...advisories]);
        expect(text).to.include("  [mandatory] disallow-privileged a: a is wrong\n  [mandatory] disallow-privileged b: b is wrong\n");
        expect(text).to.include("  [advisory] require-image-digests: 40 resources, e.g. svc-0: svc-0 is wrong\n");
        expect(text).to.include("  (every violation: npx sophia policy --plan out/dev/plan.json)\n");
        expect(text).to.not.include("svc-1");
        expect(text).to.include("Policy: 42 violation(s), 2 mandatory");
    });

    it("lists a rule's few advisories one by one, and says nothing of grouping then", () => {
        const text = report([1, 2, 3].map((i) => violation("require-image-digests", "advisory", `svc-${i}`)));
        for (const i of [1, 2, 3]) expect(text).to.include(`  [advisory] require-image-digests svc-${i}: svc-${i} is wrong\n`);
        expect(text).to.not.include("every violation");
    });

    it("wraps a long list of names at the width, never splitting a name", () => {
        expect(wrapped(["aaaa", "bbbb", "cccc", "dd"], 10)).to.deep.equal(["aaaa, bbbb", "cccc, dd"]);
        expect(wrapped(["a-very-long-name", "b"], 10)).to.deep.equal(["a-very-long-name", "b"]);
        expect(wrapped([], 10)).to.deep.equal([]);
    });

    it("keeps every line of the dev stack's report within 200 characters but the one advisory example", () => {
        const long = report(base.policy.violations)
            .split("\n")
            .filter((line) => line.length > 200 && !line.includes("resources, e.g."));
        expect(long).to.deep.equal([]);
    });

    it("comes without runtime warnings: a stack without off-site backups exports no undefined output", () => {
        const run = planOf("dev");
        expect(run.stderr).to.not.include("warning:");
        expect(run.plan!.outputs.backupBuckets).to.deep.equal({});
    });
});
