import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { configProblems, resolveRule } from "../../policies/config";
import { readPolicyConfig } from "../../commands/policy/run";
import { RULES } from "../../policies/rules";
import { ROOT } from "../support/plan";

const RULE_DIRS = ["kubernetes", "swarm", "aws", "stack", "workloads", "edge", "helm"];

/** Exported rule objects found in the rule folders (anything with id, kind and check). */
function rulesOnDisk(): { file: string; id: string }[] {
    return RULE_DIRS.flatMap((dir) =>
        fs
            .readdirSync(path.join(ROOT, "policies", dir))
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
            .flatMap((f) => {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const mod = require(path.join(ROOT, "policies", dir, f)) as Record<string, unknown>;
                return Object.values(mod)
                    .filter((v): v is { id: string; kind: string; check: unknown } =>
                        Boolean(v && typeof v === "object" && "id" in v && "kind" in v && "check" in v),
                    )
                    .map((r) => ({ file: `${dir}/${f}`, id: r.id }));
            }),
    );
}

describe("rule metadata", () => {
    it("every rule has a verb-first kebab-case id, unique in the pack", () => {
        const ids = RULES.map((r) => r.id);
        expect(new Set(ids).size).to.equal(ids.length);
        for (const id of ids) expect(id).to.match(/^(disallow|enforce|require|restrict|disable)(-[a-z0-9]+)+$/);
    });
    it("every rule explains itself: description, rationale, remediation, severity, topics", () => {
        for (const r of RULES) {
            expect(r.description, r.id).to.match(/^[A-Z].{15,}\.$/s);
            expect(r.rationale.length, r.id).to.be.greaterThan(40);
            expect(r.remediation.length, r.id).to.be.greaterThan(20);
            expect(["low", "medium", "high", "critical"], r.id).to.include(r.severity);
            expect(r.topics, r.id).to.not.be.empty;
            if (r.kind === "resource") expect(r.resourceTypes, r.id).to.not.be.empty;
            for (const [key, p] of Object.entries(r.configSchema ?? {})) expect(p.description, `${r.id}.${key}`).to.not.equal("");
        }
    });
    it("one rule per file, named after the rule, and every rule on disk is in the pack's list", () => {
        const onDisk = rulesOnDisk();
        expect(onDisk.map((r) => r.id).sort()).to.deep.equal(RULES.map((r) => r.id).sort());
        for (const { file, id } of onDisk) {
            const camel = id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
            expect(path.basename(file, ".ts").toLowerCase(), file).to.equal(camel.toLowerCase());
        }
    });
});

describe("policy config per stack", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`policies/config/${stack}.json is valid for the pack`, () => {
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), "utf8"));
            expect(configProblems(config, RULES)).to.deep.equal([]);
        });
    }
    it("is advisory in dev and mandatory by default in staging and prod", () => {
        const privileged = RULES.find((r) => r.id === "disallow-privileged")!;
        expect(resolveRule(privileged, readPolicyConfig("dev")).level).to.equal("advisory");
        expect(resolveRule(privileged, readPolicyConfig("staging")).level).to.equal("mandatory");
        expect(resolveRule(privileged, readPolicyConfig("prod")).level).to.equal("mandatory");
    });
    it("turns the prod-only rules on in prod alone", () => {
        for (const id of ["require-critical-high-availability", "require-stateful-backups", "require-bucket-replication"]) {
            const rule = RULES.find((r) => r.id === id)!;
            expect(resolveRule(rule, readPolicyConfig("prod")).level, id).to.equal("mandatory");
            expect(resolveRule(rule, readPolicyConfig("staging")).level, id).to.equal("disabled");
        }
    });
    it("makes every rule mandatory for a stack without a config file", () => {
        for (const r of RULES) expect(resolveRule(r, readPolicyConfig("no-such-stack")).level).to.equal("mandatory");
    });
    it("merges settings over the rule's defaults and names mistakes", () => {
        const registry = RULES.find((r) => r.id === "require-approved-registry")!;
        expect(resolveRule(registry, {}).config).to.deep.equal({ approvedRegistries: ["registry.sophia-ai.com"] });
        expect(resolveRule(registry, { all: "advisory", "require-approved-registry": { approvedRegistries: ["ghcr.io/x"] } })).to.deep.equal({
            level: "advisory",
            config: { approvedRegistries: ["ghcr.io/x"] },
        });
        expect(configProblems({ "no-such-rule": "advisory", "require-approved-registry": { registries: [] }, all: "loud" }, RULES)).to.deep.equal([
            "no-such-rule: no such policy",
            "require-approved-registry.registries: the policy has no such setting",
            'all: unknown enforcement level "loud"',
        ]);
    });
});

describe("the policy pack", () => {
    /** Relative imports of a file and, recursively, of what it imports. */
    function importGraph(file: string, seen = new Set<string>()): Set<string> {
        if (seen.has(file)) return seen;
        seen.add(file);
        for (const m of fs.readFileSync(file, "utf8").matchAll(/^import[^"']*["'](\.[^"']+)["']/gm)) {
            const target = path.resolve(path.dirname(file), m[1]);
            importGraph(fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, "index.ts"), seen);
        }
        return seen;
    }
    it("is self-contained in policies/, so `npm ci` there is all `pulumi preview --policy-pack policies` needs", () => {
        const files = [...importGraph(path.join(ROOT, "policies", "index.ts"))];
        expect(files.length).to.be.greaterThan(RULES.length);
        for (const f of files) expect(path.relative(path.join(ROOT, "policies"), f), f).to.not.match(/^\.\./);
    });
    it("pins @pulumi/policy and @pulumi/pulumi exactly as the project does, for runtime nodejs", () => {
        const pack = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi"])
            expect(pack.dependencies[dep], dep)
                .to.equal(root.dependencies[dep])
                .and.match(/^\d+\.\d+\.\d+$/);
        expect(fs.readFileSync(path.join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8")).to.match(/^runtime: nodejs$/m);
    });
    it("constructs the PolicyPack from the shared rule list, in index.ts only", () => {
        const index = fs.readFileSync(path.join(ROOT, "policies", "index.ts"), "utf8");
        expect(index).to.match(/policies: RULES\.map\(toPolicy\)/);
        const others = fs
            .readdirSync(path.join(ROOT, "policies"), { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("node_modules"));
        for (const f of others) expect(fs.readFileSync(path.join(ROOT, "policies", f), "utf8"), f).to.not.match(/new PolicyPack\(/);
    });
});

describe("docs/07-security/policies.md", () => {
    it("is what `npm run docs:policies` generates from the rule list (run it after changing a rule)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { POLICY_DOC, renderPolicyDoc } = require("../../policies/docs") as typeof import("../../policies/docs");
        expect(fs.readFileSync(POLICY_DOC, "utf8")).to.equal(renderPolicyDoc());
        for (const r of RULES) expect(renderPolicyDoc()).to.include(`### ${r.id}\n\n${r.description}`);
    });
});
