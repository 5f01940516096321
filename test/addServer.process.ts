// The README's "Add an MCP server", followed literally on a copy of the repository: its example
// entry appended to the catalog, then its commands. Nothing else in the copy is edited.
import { spawn, spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as prettier from "prettier";
import * as YAML from "yaml";
import type { PlanFile } from "../commands/plan/planFile";
import { ROOT } from "./support/plan";

/** The yaml block of the README's "Add an MCP server" section, as written. */
function readmeExampleEntry(): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Add an MCP server"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    if (!block) throw new Error('README.md: no yaml block under "## Add an MCP server"');
    return block[1];
}

/**
 * The catalog's text without the server named `name`, if it has one: someone following the README
 * may have added its example already, and the walkthrough adds it once more to the copy.
 */
export function withoutServer(catalogText: string, name: string): string {
    const document = YAML.parseDocument(catalogText);
    const servers = document.get("servers") as YAML.YAMLSeq<YAML.YAMLMap> | undefined;
    const item = servers?.items.find((server) => server.get("name") === name);
    if (!item?.range) return catalogText;
    const start = catalogText.lastIndexOf("\n", item.range[0]) + 1;
    const endOfLine = catalogText.indexOf("\n", item.range[1] - 1);
    return catalogText.slice(0, start) + catalogText.slice(endOfLine < 0 ? catalogText.length : endOfLine + 1);
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

interface Run {
    code: number | null;
    output: string;
}

const options = (dir: string) => ({ cwd: dir, env: { ...process.env, FORCE_COLOR: "0" } });

function run(dir: string, command: string, args: string[]): Run {
    const result = spawnSync(command, args, { ...options(dir), encoding: "utf8", timeout: 240_000 });
    return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** The same, without blocking: commands that do not depend on each other run side by side. */
function start(dir: string, command: string, args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { ...options(dir), timeout: 240_000 });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
    });
}

describe("adding a server as the README says", function () {
    this.timeout(300_000);
    const entry = YAML.parse(readmeExampleEntry()) as { name: string; port: number; secrets?: string[] }[];
    let dir: string;
    let plan: Run;
    let docs: Run;

    before(async () => {
        dir = repositoryCopy();
        const catalog = path.join(dir, "catalog", "mcp-servers.yaml");
        fs.writeFileSync(catalog, withoutServer(fs.readFileSync(catalog, "utf8"), entry[0].name) + readmeExampleEntry());
        // The README's plan (npx sophia plan), and `npm test`'s first step (pretest: npm run docs).
        [plan, docs] = await Promise.all([start(dir, "npx", ["sophia", "plan", "--stack", "dev"]), start(dir, "npm", ["run", "docs"])]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is one entry the README shows, new to the catalog unless someone followed the README already", () => {
        expect(entry).to.have.length(1);
        const text = fs.readFileSync(path.join(ROOT, "catalog", "mcp-servers.yaml"), "utf8");
        const others = (YAML.parse(text) as { servers: { name: string; port: number }[] }).servers.filter((s) => s.name !== entry[0].name);
        expect(others.map((s) => s.port)).to.not.include(entry[0].port);
        const before = YAML.parse(withoutServer(text, entry[0].name)) as { servers: { name: string }[] };
        expect(before.servers.map((s) => s.name)).to.not.include(entry[0].name);
        expect(before.servers).to.have.length(others.length);
    });

    it("plans: npx sophia plan --stack dev exits 0 with the new server and its secret", () => {
        expect(plan.code, plan.output).to.equal(0);
        const planned = JSON.parse(fs.readFileSync(path.join(dir, "out", "dev", "plan.json"), "utf8")) as PlanFile;
        const servers = planned.resources.filter((r) => r.type === "sophia:platform:McpServer").map((r) => r.name);
        expect(servers).to.include(entry[0].name);
        for (const secret of entry[0].secrets ?? []) expect(planned.summary.secretInventory[secret]).to.deep.equal([entry[0].name]);
    });

    it("passes the tests about the catalog, the stacks and the generated docs, after npm test's pretest step", () => {
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

describe("the walkthrough's catalog copy", () => {
    const catalog = fs.readFileSync(path.join(ROOT, "catalog", "mcp-servers.yaml"), "utf8");
    const example = readmeExampleEntry();
    const name = (YAML.parse(example) as { name: string }[])[0].name;

    it("takes out an example someone added already, leaving every other byte as it was", () => {
        const base = withoutServer(catalog, name);
        expect(withoutServer(base + example, name)).to.equal(base);
        const [first, ...rest] = base.split("\n  - name: ");
        expect(withoutServer(`${first}\n${example}  - name: ${rest.join("\n  - name: ")}`, name)).to.equal(base);
    });

    it("with the README's and the guide's example appended, still passes npm run lint's Prettier check", async () => {
        const file = path.join(ROOT, "catalog", "mcp-servers.yaml");
        const options = { ...(await prettier.resolveConfig(file)), filepath: file };
        const guide = fs.readFileSync(path.join(ROOT, "docs", "02-development", "adding-an-mcp-server.md"), "utf8");
        const guideBlock = /```yaml\n([\s\S]*?)```/.exec(guide)![1].replace(/^ {3}/gm, "");
        for (const entry of [example, guideBlock]) expect(await prettier.check(withoutServer(catalog, name) + entry, options), entry).to.equal(true);
        expect(await prettier.check(`${catalog}  - name: x   # aligned comment\n`, options)).to.equal(false);
    });

    it("changes nothing when the catalog has no such server", () => {
        expect(withoutServer(catalog, "no-such-server")).to.equal(catalog);
    });
});
