// The README's "Add an MCP server", followed literally on a copy of the repository: its example
// entry appended to the catalog, then its commands. Nothing else in the copy is edited.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { PlanFile } from "../stacks/plan/planFile";
import { ROOT } from "./support/plan";

/** The yaml block of the README's "Add an MCP server" section, as written. */
function readmeExampleEntry(): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Add an MCP server"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    if (!block) throw new Error('README.md: no yaml block under "## Add an MCP server"');
    return block[1];
}

/** The repository's files as git knows them (tracked, and new ones not ignored), with its installed dependencies. */
function repositoryCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-add-server-"));
    const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
    if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
    for (const file of listed.stdout.split("\0").filter((f) => f && fs.existsSync(path.join(ROOT, f)))) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    for (const modules of ["node_modules", "policies/node_modules"]) {
        if (fs.existsSync(path.join(ROOT, modules))) fs.symlinkSync(path.join(ROOT, modules), path.join(dir, modules), "dir");
    }
    return dir;
}

function run(dir: string, command: string, args: string[]) {
    const result = spawnSync(command, args, { cwd: dir, encoding: "utf8", timeout: 240_000, env: { ...process.env, FORCE_COLOR: "0" } });
    return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("adding a server as the README says", function () {
    this.timeout(300_000);
    const entry = YAML.parse(readmeExampleEntry()) as { name: string; port: number; secrets?: string[] }[];
    let dir: string;

    before(() => {
        dir = repositoryCopy();
        fs.appendFileSync(path.join(dir, "catalog", "mcp-servers.yaml"), readmeExampleEntry());
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is one entry the README shows, new to the catalog", () => {
        expect(entry).to.have.length(1);
        const catalog = YAML.parse(fs.readFileSync(path.join(ROOT, "catalog", "mcp-servers.yaml"), "utf8")) as { servers: { name: string; port: number }[] };
        expect(catalog.servers.map((s) => s.name)).to.not.include(entry[0].name);
        expect(catalog.servers.map((s) => s.port)).to.not.include(entry[0].port);
    });

    it("plans: npm run plan -- --stack dev exits 0 with the new server and its secret", () => {
        const { code, output } = run(dir, "npm", ["run", "plan", "--", "--stack", "dev"]);
        expect(code, output).to.equal(0);
        const plan = JSON.parse(fs.readFileSync(path.join(dir, "out", "dev", "plan.json"), "utf8")) as PlanFile;
        const servers = plan.resources.filter((r) => r.type === "sophia:platform:McpServer").map((r) => r.name);
        expect(servers).to.include(entry[0].name);
        for (const secret of entry[0].secrets ?? []) expect(plan.summary.secretInventory[secret]).to.deep.equal([entry[0].name]);
    });

    it("passes the tests about the catalog, the stacks and the generated docs, after npm test's pretest step", () => {
        const docs = run(dir, "npm", ["run", "docs"]);
        expect(docs.code, docs.output).to.equal(0);
        expect(fs.readFileSync(path.join(dir, "docs", "99-reference", "services.md"), "utf8")).to.include(`[${entry[0].name}](#${entry[0].name})`);
        const tests = ["test/catalog.test.ts", "test/inputs.test.ts", "test/stacks.test.ts", "test/docs.test.ts"];
        // The project's mocha settings without its spec list, so that only these files run.
        const mocha = run(dir, process.execPath, [
            path.join("node_modules", "mocha", "bin", "mocha.js"),
            "--no-config",
            "--require",
            "ts-node/register/transpile-only",
            "--require",
            "test/support/setup.ts",
            "--timeout",
            "120000",
            "--reporter",
            "dot",
            ...tests,
        ]);
        expect(mocha.code, mocha.output).to.equal(0);
        expect(mocha.output).to.match(/\d+ passing/);
    });
});
