import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformRuleGroups, renderRuleFiles } from "../../components/monitoring/render/rules";
import { InvalidInputError } from "../../stacks/problems";
import { loadStackSettings } from "../../stacks/settings";
import { runTool } from "../support/tools";

const base: Record<string, string> = {
    target: "swarm",
    dockerHost: "unix:///var/run/docker.sock",
    registry: "registry.example.com",
    domain: "dev.example.com",
    nodeCapacity: JSON.stringify({ nodes: 1, cpu: "4", memory: "8Gi" }),
};

describe("monitoring settings and extension points", () => {
    it("defaults the monitoring settings and merges a stack's replicas", () => {
        const defaults = loadStackSettings("dev", (k) => base[k]);
        expect(defaults.monitoring).to.deep.equal({
            retention: "15d",
            storage: "50Gi",
            scrapeInterval: "30s",
            replicas: { prometheus: 1, alertmanager: 1, grafana: 1 },
        });
        const set = loadStackSettings("dev", (k) => ({ ...base, monitoring: JSON.stringify({ replicas: { alertmanager: 3 } }) })[k]);
        expect(set.monitoring.replicas).to.deep.equal({ prometheus: 1, alertmanager: 3, grafana: 1 });
    });

    it("names the key and the fix for a bad monitoring setting", () => {
        const read = (k: string) => ({ ...base, monitoring: JSON.stringify({ retention: "two weeks" }) })[k];
        expect(() => loadStackSettings("dev", read))
            .to.throw(InvalidInputError)
            .with.property("message")
            .that.includes("Pulumi.dev.yaml sophia:monitoring.retention")
            .and.includes('expected a duration such as "15d"');
    });

    it("adds other components' rule groups to rules/platform.yml, valid for promtool", () => {
        const extra = {
            name: "backup.freshness",
            rules: [
                {
                    alert: "BackupStale",
                    expr: "time() - backup_last_success_timestamp_seconds > 93600",
                    for: "10m",
                    labels: { severity: "high" },
                    annotations: { summary: "no backup for 26 hours" },
                },
            ],
        };
        expect(platformRuleGroups([extra]).map((g) => g.name)).to.include("backup.freshness");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-extra-"));
        try {
            const file = path.join(dir, "platform.yml");
            fs.writeFileSync(file, renderRuleFiles([], [extra])["platform.yml"]);
            const run = runTool("promtool", ["check", "rules", file]);
            expect(run.code, run.output).to.equal(0);
            expect(run.output).to.include("3 rules found");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
