import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { TIERS } from "../../catalog/schema";
import { AlertingRule, MonitoredServer, renderRuleFiles, serverRuleGroups } from "../../components/monitoring/render/rules";
import { DEFAULT_TIERS } from "../../stacks/settings";
import { ruleTestCases, ruleTestFile } from "./support/ruleTests";
import { runTool } from "../support/tools";

/** One catalog server of each tier (a caching one where there is), sized by the project defaults. */
function serversPerTier(): MonitoredServer[] {
    const entries = loadCatalog().servers;
    return TIERS.map((tier) => {
        const ofTier = entries.filter((e) => e.tier === tier);
        const entry = ofTier.find((e) => e.cache) ?? ofTier[0];
        return { name: entry.name, tier, cache: entry.cache, resources: entry.resources ?? DEFAULT_TIERS[tier].resources };
    });
}

describe("monitoring: alert rules under promtool", function () {
    this.timeout(60_000);
    const servers = serversPerTier();
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-rules-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("has a fire and a silent case for every alert of a server", () => {
        for (const server of servers) {
            const alerts = serverRuleGroups(server)
                .flatMap((g) => g.rules)
                .filter((r): r is AlertingRule => "alert" in r)
                .map((r) => r.alert);
            const cases = ruleTestCases(server);
            for (const alert of alerts) {
                expect(
                    cases.filter((c) => c.alert === alert).map((c) => c.fires),
                    `${server.name} ${alert}`,
                ).to.have.members([true, false]);
            }
        }
    });

    for (const server of servers) {
        it(`${server.name} (${server.tier}${server.cache ? ", caching" : ""}): every alert fires above its threshold and is silent below`, () => {
            const files = renderRuleFiles([server]);
            const ruleFile = path.join(dir, `${server.name}.yml`);
            fs.writeFileSync(ruleFile, files[`${server.name}.yml`]);
            const testFile = path.join(dir, `${server.name}.test.yml`);
            fs.writeFileSync(testFile, YAML.stringify(ruleTestFile(server, ruleFile), { lineWidth: 0 }));
            const run = runTool("promtool", ["test", "rules", testFile]);
            expect(run.code, run.output).to.equal(0);
        });
    }

    it("reports a broken threshold (the tests can fail)", () => {
        const server = servers[0];
        const ruleFile = path.join(dir, "broken.yml");
        // Raise both fast-burn thresholds tenfold: the "fires above" case must now fail.
        const rendered = renderRuleFiles([server])[`${server.name}.yml`];
        fs.writeFileSync(ruleFile, rendered.replace(/> 0\.0144/g, "> 0.144").replace(/> 0\.006 /g, "> 0.06 "));
        const testFile = path.join(dir, "broken.test.yml");
        fs.writeFileSync(testFile, YAML.stringify(ruleTestFile(server, ruleFile), { lineWidth: 0 }));
        const run = runTool("promtool", ["test", "rules", testFile]);
        expect(run.code).to.not.equal(0);
        expect(run.output).to.include("SLOErrorBudgetBurnFast");
    });
});
