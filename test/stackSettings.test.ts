// docs/04-deployment/stacks.md states every stack key and the defaults the code applies: each
// documented default is compared with what loadStackSettings fills in for a stack that sets nothing.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { TIERS } from "../catalog/schema";
import { loadStackSettings, SETTING_KEYS, StackSettings } from "../stacks/settings";
import { ROOT } from "./support/plan";

const DOC = fs.readFileSync(path.join(ROOT, "docs/04-deployment/stacks.md"), "utf8");

/** The rows of the table under a heading (or after a line starting with `intro`), as cells. */
function table(intro: string): string[][] {
    const start = DOC.indexOf(intro);
    expect(start, `stacks.md has no "${intro}"`).to.be.at.least(0);
    const lines = DOC.slice(start).split("\n");
    const first = lines.findIndex((l) => l.startsWith("|"));
    const rows: string[][] = [];
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith("|")) break;
        rows.push(
            line
                .slice(1, -1)
                .split("|")
                .map((c) => c.trim()),
        );
    }
    return rows;
}

/** A cell that is exactly one `literal`, parsed as YAML (numbers, booleans, flow maps); otherwise undefined. */
function literal(cell: string): unknown {
    const match = /^`([^`<]+)`$/.exec(cell);
    return match ? YAML.parse(match[1]) : undefined;
}

const minimal: Record<string, string> = {
    target: "kubernetes",
    registry: "registry.sophia-ai.com",
    kubeconfig: "apiVersion: v1",
    domain: "sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
    edge: JSON.stringify({ tls: "provided", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com", oidcClientId: "edge" }),
    backup: JSON.stringify({ region: "us-east-1", replicaRegion: "us-west-2" }),
};
const settings: StackSettings = loadStackSettings("qa", (key) => minimal[key]);

describe("docs/04-deployment/stacks.md against stacks/settings.ts", () => {
    it("documents every setting key", () => {
        const documented = table("## Keys").map((row) => /^`(\w+)`$/.exec(row[0])?.[1]);
        expect(SETTING_KEYS.filter((key) => !documented.includes(key))).to.deep.equal([]);
    });

    it("states the tier defaults the code applies", () => {
        const rows = table("Tier defaults");
        expect(rows.map((r) => r[0])).to.deep.equal([...TIERS]);
        for (const [tier, replicas, maxReplicas, requests, limits] of rows) {
            const t = settings.tiers[tier as (typeof TIERS)[number]];
            const pair = (c: { cpu: string; memory: string }) => `${c.cpu} / ${c.memory}`;
            expect([Number(replicas), Number(maxReplicas), requests, limits], tier).to.deep.equal([
                t.replicas,
                t.maxReplicas,
                pair(t.resources.requests),
                pair(t.resources.limits),
            ]);
        }
    });

    for (const [heading, defaultColumn, loaded] of [
        ["## Keys", 2, settings],
        ["### `edge`", 2, settings.edge],
        ["### `monitoring`", 1, settings.monitoring],
        ["### `backup`", 2, settings.backup],
    ] as const) {
        it(`states the defaults of ${heading.replace(/^#+ /, "")} the code applies`, () => {
            const compared = table(heading).filter((row) => literal(row[defaultColumn]) !== undefined);
            expect(compared, "no default compared").to.not.be.empty;
            for (const row of compared) {
                const key = row[0].replace(/`/g, "");
                if (key === "catalog") continue; // read by stacks/inputs.ts, not a setting
                expect((loaded as Record<string, unknown>)[key], key).to.deep.equal(literal(row[defaultColumn]));
            }
        });
    }

    it("requires what it marks as required, and nothing more", () => {
        const required = table("## Keys")
            .filter((row) => row[1] === "yes")
            .map((row) => row[0].replace(/`/g, ""));
        expect(required).to.deep.equal(["target", "registry", "nodeCapacity"]);
        const base = { target: "k3s", registry: "registry.sophia-ai.com", nodeCapacity: minimal.nodeCapacity };
        expect(() => loadStackSettings("qa", (key) => (base as Record<string, string>)[key])).to.not.throw();
        for (const key of required) {
            const without = (k: string) => (k === key ? undefined : (base as Record<string, string>)[k]);
            expect(() => loadStackSettings("qa", without), key).to.throw(`sophia:${key}`);
        }
    });
});
