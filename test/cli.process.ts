import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE, loadCatalog } from "../catalog";
import { enabledRuleCount, readPolicyConfig } from "../commands/policy/run";
import { platformStacks } from "../esc/needs";
import { platformCopy } from "./support/esc";
import { planOf, ROOT, runCli, runPlan, unusedServerSlot } from "./support/plan";

/** The four command lines and the file each runs (package.json's scripts). */
const COMMANDS = [
    { name: "npm run plan", file: "commands/plan/cli.ts" },
    { name: "npm run policy", file: "commands/policy/cli.ts" },
    { name: "npm run bench", file: "test/bench/plan.bench.ts" },
    { name: "npm run docs", file: "docs/generate/index.ts" },
];

/** A line of a V8 stack trace ("    at main (file.ts:3:9)"). */
const STACK_TRACE_LINE = /^\s+at .+/m;

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cli-"));

describe("the command lines (npm run plan, policy, bench, docs)", () => {
    it("package.json runs each of them", () => {
        const scripts = Object.values((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
        for (const { file } of COMMANDS)
            expect(
                scripts.some((s) => s.endsWith(file)),
                file,
            ).to.equal(true);
    });

    for (const { name, file } of COMMANDS) {
        it(`${name} -- --help prints usage, options, examples and exit codes, and exits 0`, () => {
            const run = runCli(file, ["--help"]);
            expect(run.code, run.stderr).to.equal(0);
            for (const heading of ["Usage:", "Options:", "Examples:", "Exit codes:"]) expect(run.stdout).to.include(`\n${heading}\n`);
            expect(run.stdout).to.include(`  ${name} `).and.include("-h, --help");
        });

        it(`${name} with an unknown flag exits 2 with the reason and the usage line, no stack trace`, () => {
            const run = runCli(file, ["--no-such-flag"]);
            expect(run.code).to.equal(2);
            expect(run.stderr).to.include(`${name}: unknown option --no-such-flag\nUsage: ${name} `);
            expect(run.stderr).to.not.match(STACK_TRACE_LINE);
            expect(run.stdout).to.equal("");
        });
    }
});

describe("npm run docs -- --check", () => {
    it("plans every stack and finds the committed pages up to date, writing nothing", () => {
        const run = runCli("docs/generate/index.ts", ["--check"]);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.equal("Generated docs are up to date.\n");
        expect(run.stderr).to.equal("");
    });
});

describe("npm run plan: choosing the stack", () => {
    const stacks = platformStacks(ROOT);

    it("exits 2 on an unknown stack, listing the stacks that exist and the likely one", () => {
        const out = tmp();
        const run = runPlan(["--stack", "prdo"], {}, out);
        expect(run.code).to.equal(2);
        expect(stacks).to.include.members(["dev", "prod", "staging"]);
        expect(run.stderr).to.include(`unknown stack "prdo" (from --stack): did you mean prod? the stacks of this project are ${stacks.join(", ")}`);
        expect(run.stderr).to.not.match(STACK_TRACE_LINE);
        expect(fs.readdirSync(out)).to.deep.equal([]);
    });

    it("exits 2 when neither --stack nor PULUMI_STACK names one", () => {
        const run = runPlan([], { PULUMI_STACK: "" });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("no stack given: pass --stack <name> or set PULUMI_STACK");
        expect(run.stderr).to.include(stacks.join(", "));
    });

    it("validates --diff before evaluating anything: a missing file exits 2 at once and writes nothing", () => {
        const out = tmp();
        const run = runPlan(["--stack", "dev", "--diff", path.join(out, "nowhere", "plan.json")], {}, out);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.match(/--diff: .*nowhere\/plan\.json does not exist/);
        expect(run.stderr).to.not.include("Evaluating");
        expect(run.stdout).to.equal("");
        expect(fs.readdirSync(out)).to.deep.equal([]);
    });

    it("rejects a --diff file that is not a plan, naming why", () => {
        const file = path.join(tmp(), "plan.json");
        fs.writeFileSync(file, JSON.stringify({ stack: "dev", resources: [{ name: "x" }] }));
        const run = runPlan(["--stack", "dev", "--diff", file]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include(`--diff: ${file} is not a plan file: resources[0] has no urn or type`);
    });
});

describe("npm run plan: a failed plan changes nothing", () => {
    it("an unexpected failure exits 3 with a short message, no trace, and keeps the previous plan.json", () => {
        const project = platformCopy();
        fs.writeFileSync(path.join(project, "index.ts"), 'throw new Error("planted failure in the program");\n');
        const out = tmp();
        fs.mkdirSync(path.join(out, "dev"));
        fs.writeFileSync(path.join(out, "dev", "plan.json"), "{}");
        const run = runPlan(["--stack", "dev", "--project-dir", project], {}, out);
        fs.rmSync(project, { recursive: true, force: true });
        expect(run.code).to.equal(3);
        expect(run.stderr).to.include(`No plan written (the previous ${path.join(out, "dev")}/plan.json is kept).`);
        expect(run.stderr).to.include("npm run plan failed unexpectedly: planted failure in the program\n(set SOPHIA_DEBUG=1 for the stack trace)");
        expect(run.stderr).to.not.match(STACK_TRACE_LINE);
        expect(fs.readFileSync(path.join(out, "dev", "plan.json"), "utf8")).to.equal("{}");
    });
});

describe("npm run plan: the preview", () => {
    it("names every catalog server in the tree, with the counts line and the policy rules that ran", () => {
        const { stdout, plan } = planOf("prod");
        // The servers the catalog deploys to the stack's target (a server may name the targets it runs on).
        const servers = loadCatalog()
            .servers.filter((s) => (s.targets as readonly string[]).includes(plan!.target))
            .map((s) => s.name);
        for (const name of servers) expect(stdout, name).to.match(new RegExp(`^ \\+ +[├└]─ sophia:platform:McpServer +${name} +create$`, "m"));
        expect(stdout).to.not.include("more");
        expect(stdout.split("\n").filter((l) => / sophia:platform:McpServer /.test(l))).to.have.length(servers.length);
        // Every resource has its line: the tree rows (after the header) are the plan's resources.
        const rows = stdout.split("\n").filter((l) => l.startsWith(" +   "));
        expect(rows).to.have.length(plan!.resources.length);
        const tail = stdout.trimEnd().split("\n").slice(-3);
        expect(tail[0]).to.equal(
            `Policy: ${plan!.policy.violations.length} violation(s), 0 mandatory (${enabledRuleCount(readPolicyConfig("prod"))} rules ran on ${plan!.resources.length} resources)`,
        );
        expect(tail[1]).to.equal(`Resources: + ${plan!.resources.length} to create`);
        expect(tail[2]).to.match(/^Wrote .*\/prod\/plan\.json and \d+ file\(s\) under .*\/prod\/ \(evaluated in [\d.]+ s, planned in [\d.]+ s\)$/);
        expect(stdout.split("\n")[0]).to.equal("Planning stack prod (from --stack)");
    });

    it("diffs against the very plan.json it rewrites: the new server by name and each change old → new", () => {
        const out = tmp();
        fs.mkdirSync(path.join(out, "prod"));
        const previous = path.join(out, "prod", "plan.json");
        const before = planOf("prod");
        fs.copyFileSync(path.join(before.out, "prod", "plan.json"), previous);
        const deployment = before.plan!.resources.find((r) => r.name === "codacy-deployment")!;
        const replicas = (deployment.inputs as { spec: { replicas: number } }).spec.replicas;
        const data = YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };
        const { name, port } = unusedServerSlot(data.servers as { name: string; port: number }[]);
        data.servers.push({ name, port, category: "additional", purpose: "web search", tier: "medium", version: "1.0.0" });
        const codacy = data.servers.find((s) => s.name === "codacy")!;
        codacy.replicas = { prod: replicas + 1 };
        const catalog = path.join(out, "catalog.yaml");
        fs.writeFileSync(catalog, YAML.stringify(data));

        const run = runPlan(["--catalog", catalog, "--diff", previous], { PULUMI_STACK: "prod" }, out);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.include("Planning stack prod (from PULUMI_STACK)");
        expect(run.stdout).to.include(`against ${previous} (stack prod)`);
        expect(run.stdout).to.match(new RegExp(`^ \\+ +└─ sophia:platform:McpServer +${name} +create$`, "m"));
        expect(run.stdout).to.match(new RegExp(`^ \\+ +[├└]─ kubernetes:apps/v1:Deployment +${name}-deployment +create$`, "m"));
        expect(run.stdout).to.match(/^ ~ +│ +[├└]─ kubernetes:apps\/v1:Deployment +codacy-deployment +update\n[ │]+~ spec\.replicas: (\d+) → (\d+)$/m);
        const [, old, next] = /~ spec\.replicas: (\d+) → (\d+)/.exec(run.stdout)!;
        expect([Number(old), Number(next)]).to.deep.equal([replicas, replicas + 1]);
        // Unchanged servers are left out, as pulumi preview leaves out sames.
        expect(run.stdout).to.not.match(/McpServer +ai-memory/);
        const tail = run.stdout.trimEnd().split("\n");
        expect(tail[tail.length - 2]).to.match(/^Resources: \+ \d+ to create, ~ \d+ to update, \d+ unchanged$/);
        expect(run.plan!.resources.some((r) => r.name === name)).to.equal(true);
    });
});

describe("npm run policy: the result line", () => {
    it("says how many violations, how many mandatory, and how many rules ran on how many resources", () => {
        const { out, plan } = planOf("prod");
        const run = runCli("commands/policy/cli.ts", ["--plan", path.join(out, "prod", "plan.json")]);
        expect(run.code, run.stderr).to.equal(0);
        const rules = enabledRuleCount(readPolicyConfig("prod"));
        expect(run.stdout.trimEnd().split("\n").at(-1)).to.equal(
            `Policy: ${plan!.policy.violations.length} violation(s), 0 mandatory, on stack prod (${plan!.resources.length} resources, ${rules} rules ran)`,
        );
        expect(plan!.policy.rules).to.equal(rules);
    });
});

describe("npm run plan: a path option that cannot serve is a usage error, before anything is planned", () => {
    const cases: [string, string[], RegExp][] = [
        [
            "a catalog that does not exist",
            ["--catalog", "/nonexistent.yaml"],
            /--catalog \/nonexistent\.yaml: cannot read it \(ENOENT\); pass a catalog YAML file/,
        ],
        ["a catalog that is a folder", ["--catalog", "catalog"], /--catalog catalog: cannot read it \(EISDIR\)/],
        [
            "a misspelt project",
            ["--project", "cluster"],
            /--project cluster: not a Pulumi project \(no Pulumi\.yaml there\); did you mean clusters\? The repository's other projects: clusters/,
        ],
        [
            "a project that is not one",
            ["--project", "docs"],
            /--project docs: not a Pulumi project \(no Pulumi\.yaml there\)\. The repository's other projects: clusters/,
        ],
        ["an output that is a file", ["--out", "/dev/null"], /--out \/dev\/null: cannot write plans there \(ENOTDIR at \/dev\/null\); pass a folder/],
        ["an output under a file", ["--out", "/dev/null/plans"], /--out \/dev\/null\/plans: cannot write plans there \(ENOTDIR at \/dev\/null\)/],
    ];
    for (const [what, args, message] of cases) {
        it(`${what}: exit 2 with the fix, no trace`, () => {
            const run = runCli("commands/plan/cli.ts", ["--stack", "dev", ...args]);
            expect(run.code, run.stderr).to.equal(2);
            expect(run.stderr).to.match(message);
            expect(run.stderr).to.include("Usage: npm run plan -- --stack <name>");
            expect(run.stderr).to.not.match(STACK_TRACE_LINE);
            expect(run.stdout).to.not.include("Planning stack");
        });
    }

    it("creates an output folder that does not exist yet", () => {
        const out = path.join(tmp(), "new", "plans");
        const run = runPlan(["--stack", "dev"], {}, out);
        expect(run.code, run.stderr).to.equal(0);
        expect(fs.existsSync(path.join(out, "dev", "plan.json"))).to.equal(true);
    });
});
