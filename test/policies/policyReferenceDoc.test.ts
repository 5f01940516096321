// docs/07-security/policies.md as `npm run docs:policies` writes it: the level each stack gives a
// rule, and the command itself.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveRule, type PolicyPackConfig } from "../../policies/config";
import { POLICY_DOC, renderPolicyDoc } from "../../policies/docs";
import { RULES } from "../../policies/rules";
import { ROOT } from "../support/plan";

const CONFIG_DIR = path.join(ROOT, "policies", "config");
/** The cells of a Markdown table row. */
const cells = (line: string): string[] =>
    line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());

/** Renders the reference from a copy of policies/config that also holds `<stack>.json` with `config`. */
function renderWithStack(stack: string, config: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-policy-config-"));
    try {
        fs.cpSync(CONFIG_DIR, dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify(config));
        return renderPolicyDoc(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the policy reference's levels per stack", () => {
    it("shows a rule a stack's file does not name, in a file without all, as mandatory, as the pack runs it", () => {
        const config: PolicyPackConfig = { "disallow-privileged": "advisory", "require-probes": { enforcementLevel: "disabled" } };
        const doc = renderWithStack("sandbox", config);
        const lines = doc.split("\n");
        const column = cells(lines.find((l) => l.startsWith("| Rule | Severity |"))!).indexOf("sandbox");
        expect(column).to.be.greaterThan(1);
        for (const rule of RULES) {
            const row = lines.find((l) => l.startsWith(`| [\`${rule.id}\`]`))!;
            expect(cells(row)[column], rule.id).to.equal(resolveRule(rule, config).level);
        }
        expect(
            resolveRule(
                RULES.find((r) => r.id === "enforce-run-as-non-root")!,
                config,
            ).level,
        ).to.equal("mandatory");
    });
});

describe("npm run docs:policies", () => {
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-policy-doc-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes the rendered reference to docs/07-security/policies.md and says where", () => {
        // The command writes the tracked file; a preload sends that one write to a copy, so other tests never read it half-written.
        const preload = path.join(dir, "redirect.js");
        const copy = path.join(dir, "policies.md");
        fs.writeFileSync(
            preload,
            [
                'const fs = require("fs");',
                "const write = fs.writeFileSync;",
                "fs.writeFileSync = (file, ...rest) => write(String(file) === process.env.POLICY_DOC ? process.env.DOC_COPY : file, ...rest);",
            ].join("\n"),
        );
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", preload, path.join(ROOT, "policies", "docs.ts")], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 120_000,
            env: { ...process.env, POLICY_DOC, DOC_COPY: copy },
        });
        expect(r.stderr).to.equal("");
        expect(r.status).to.equal(0);
        expect(r.stdout).to.equal(`Wrote ${path.join("docs", "07-security", "policies.md")}\n`);
        expect(fs.readFileSync(copy, "utf8")).to.equal(renderPolicyDoc());
    });
});
