// The bench's SDK measurement (test/bench/replay.js) replays a plan's own resources through the SDK's
// mocks: it must register exactly those resources under their parents, and refuse a plan it did not
// replay faithfully. boundLines turns the three processes into the ratios the verdict is read with.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { boundLines } from "./bench/plan.bench";

const REPLAY = path.join(__dirname, "bench", "replay.js");
const STACK = "urn:pulumi:dev::sophia::pulumi:pulumi:Stack::sophia-dev";

/**
 * A plan.json's resources, with URNs as the SDK's mocks make them (the parent's own type before the
 * child's): a component, a custom resource under it with nested inputs, a provider at the top.
 */
function planWith(overrides: { childUrn?: string } = {}): object {
    const component = "urn:pulumi:dev::sophia::pulumi:pulumi:Stack$sophia:mcp:McpServer::github";
    return {
        project: "sophia",
        stack: "dev",
        resources: [
            { urn: STACK, type: "pulumi:pulumi:Stack", name: "sophia-dev", custom: false, inputs: {} },
            { urn: component, type: "sophia:mcp:McpServer", name: "github", parent: STACK, custom: false, inputs: {} },
            {
                urn: overrides.childUrn ?? "urn:pulumi:dev::sophia::sophia:mcp:McpServer$kubernetes:apps/v1:Deployment::github",
                type: "kubernetes:apps/v1:Deployment",
                name: "github",
                parent: component,
                custom: true,
                inputs: { spec: { replicas: 2, template: { spec: { containers: [{ name: "github", image: "ghcr.io/x/github:1.0.0" }] } } } },
            },
            {
                urn: "urn:pulumi:dev::sophia::pulumi:pulumi:Stack$pulumi:providers:kubernetes::cluster",
                type: "pulumi:providers:kubernetes",
                name: "cluster",
                parent: STACK,
                custom: true,
                inputs: {},
            },
        ],
    };
}

/** Runs replay.js on a plan file holding `text`. */
function replayText(text: string): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-replay-"));
    try {
        const file = path.join(dir, "plan.json");
        fs.writeFileSync(file, text);
        return spawnSync(process.execPath, [REPLAY, file], { encoding: "utf8", timeout: 60_000 });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const replay = (plan: object) => replayText(JSON.stringify(plan));

describe("the bench's SDK process (replay.js)", () => {
    it("registers every resource of the plan but its stack, each under its recorded parent, and reports the measurement", () => {
        const run = replay(planWith());
        assert.equal(run.status, 0, run.stderr);
        const line = JSON.parse(run.stdout) as { resources: number; wallMs: number; maxRssMb: number; cpuMs: number };
        assert.equal(line.resources, 3);
        for (const key of ["wallMs", "maxRssMb", "cpuMs"] as const) assert.ok(line[key] > 0, `${key} is measured`);
    });

    it("fails, naming the resource, when a resource's URN does not come out as the plan recorded it", () => {
        // Recorded at the top, but its parent in the plan is the component: the replay would not be this plan.
        const run = replay(planWith({ childUrn: "urn:pulumi:dev::sophia::pulumi:pulumi:Stack$kubernetes:apps/v1:Deployment::github" }));
        assert.equal(run.status, 1);
        assert.match(
            run.stderr,
            /resource 1 was registered as urn:pulumi:dev::sophia::sophia:mcp:McpServer\$kubernetes:apps\/v1:Deployment::github, the plan recorded urn:pulumi:dev::sophia::pulumi:pulumi:Stack\$kubernetes:apps\/v1:Deployment::github/,
        );
        assert.equal(run.stdout, "");
    });

    it("refuses a file that is not a plan, naming it, with exit 2 and no stack trace", () => {
        for (const [text, reason] of [
            ["", /Unexpected end of JSON input/],
            ["{}", /no resources list: not a plan\.json written by sophia plan/],
        ] as const) {
            const run = replayText(text);
            assert.equal(run.status, 2);
            assert.match(run.stderr, /^replay\.js: \S+plan\.json: /);
            assert.match(run.stderr, reason);
            assert.doesNotMatch(run.stderr, /\n\s+at /);
        }
    });

    it("says how to call it when no plan is given", () => {
        const run = spawnSync(process.execPath, [REPLAY], { encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /usage: node replay\.js <plan\.json>/);
    });
});

describe("the bench's bound lines", () => {
    const sample = (processMs: number) => ({ processMs, wallMs: processMs, evaluateMs: processMs, maxRssMb: 1, resources: 1, cpuMs: 1 });

    it("gives the SDK's process against the floor's and the plan's against the SDK's, per size", () => {
        const lines = boundLines([
            { servers: 29, plan: sample(2600), floor: sample(1300), replay: sample(1625) },
            { servers: 1000, plan: sample(21000), floor: sample(8750), replay: sample(20000) },
        ]);
        assert.deepEqual(lines.slice(1), [
            "  SDK process / floor process: 1.25× at 29, 2.29× at 1000",
            "  plan process / SDK process:  1.60× at 29, 1.05× at 1000",
        ]);
    });
});
