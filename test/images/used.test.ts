import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog/load";
import { HELM_RELEASE } from "../../policies/helm/values";
import { platformStacks } from "../../esc/needs";
import { imagesOfPlan, mergeStacks } from "../../commands/images/used";
import { planOf, ROOT, runCommandInProcess } from "../support/plan";

const STACKS = platformStacks(ROOT);
const catalog = loadCatalog();
const registryOf = (stack: string): string =>
    String((YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config["sophia:registry"]);

describe("the images a stack pulls (the container audit's list)", function () {
    this.timeout(300_000);

    for (const stack of STACKS) {
        describe(stack, () => {
            it("holds the image of every MCP server the plan deploys, from the stack's registry", () => {
                const plan = planOf(stack).plan!;
                const { images } = imagesOfPlan(plan);
                const servers = plan.resources.filter((r) => r.type === "sophia:platform:McpServer").map((r) => r.name);
                expect(servers).to.not.be.empty;
                for (const name of servers) {
                    const entry = catalog.servers.find((s) => s.name === name)!;
                    const expected = `${registryOf(stack)}/sophia-${name}:${entry.version}`;
                    expect(
                        images.some((i) => i === expected || i.startsWith(`${expected}@`)),
                        expected,
                    ).to.equal(true);
                }
            });
            it("pulls everything from the stack's registry, upstream images through its mirror", () => {
                const { images } = imagesOfPlan(planOf(stack).plan!);
                const registry = registryOf(stack);
                for (const image of images) expect(image.startsWith(`${registry}/`), image).to.equal(true);
                const upstream = images.filter((i) => !/\/sophia-[^/]+$/.test(i.split(":")[0]));
                expect(upstream, "the platform's upstream images (postgres, redis, exporters…)").to.not.be.empty;
                for (const image of upstream) expect(image.startsWith(`${registry}/mirror/`), image).to.equal(true);
            });
            it("lists each Helm release with its chart, version, repository and planned values", () => {
                const plan = planOf(stack).plan!;
                const releases = plan.resources.filter((r) => r.type === HELM_RELEASE);
                const listed = imagesOfPlan(plan).helmReleases;
                expect(listed.map((r) => r.chart)).to.deep.equal(releases.map((r) => r.inputs.chart));
                for (const release of listed) {
                    expect(release.version, release.chart).to.not.equal("");
                    expect(release.repo, release.chart).to.match(/^https:\/\//);
                    expect(JSON.stringify(release.values), release.chart).to.include(`${registryOf(stack)}/mirror/`);
                }
            });
        });
    }

    it("together, cover every server of the catalog", () => {
        const merged = mergeStacks(STACKS.map((s) => imagesOfPlan(planOf(s).plan!)));
        for (const server of catalog.servers) {
            expect(
                merged.images.some((i) => i.image.includes(`/sophia-${server.name}:${server.version}`)),
                server.name,
            ).to.equal(true);
        }
        const shared = merged.images.filter((i) => i.stacks.length > 1);
        for (const { image, stacks } of shared) expect(stacks, image).to.deep.equal([...new Set(stacks)].sort());
    });

    describe("npm run images", () => {
        const stack = STACKS[STACKS.length - 1];
        it("prints a stack's images one per line, as its plan pulls them", async () => {
            const run = await runCommandInProcess("commands/images/cli.ts", ["--stack", stack, "--plans", planOf(stack).out]);
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stdout.trimEnd().split("\n")).to.deep.equal(imagesOfPlan(planOf(stack).plan!).images);
        });
        it("--all-stacks --json gives each image with its stacks, and the Helm releases", async () => {
            // Each stack's shared plan sits in a folder of its own; gather them into one --plans folder.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
            for (const s of STACKS) fs.cpSync(path.join(planOf(s).out, s, "plan.json"), path.join(dir, s, "plan.json"));
            const run = await runCommandInProcess("commands/images/cli.ts", ["--all-stacks", "--json", "--plans", dir]);
            fs.rmSync(dir, { recursive: true });
            expect(run.code, run.stderr).to.equal(0);
            expect(JSON.parse(run.stdout)).to.deep.equal(mergeStacks(STACKS.map((s) => imagesOfPlan(planOf(s).plan!))));
        });
        it("exits 2 on an unknown stack, a missing plan, or no mode", async () => {
            const unknown = await runCommandInProcess("commands/images/cli.ts", ["--stack", "nope"]);
            expect(unknown.code).to.equal(2);
            expect(unknown.stderr).to.match(/unknown stack "nope"/);
            const missing = await runCommandInProcess("commands/images/cli.ts", ["--stack", stack, "--plans", path.join(ROOT, "no-such-plans")]);
            expect(missing.code).to.equal(2);
            expect(missing.stderr).to.match(new RegExp(`cannot read the plan of ${stack}: .* does not exist \\(run npx sophia plan --stack ${stack}`));
            expect((await runCommandInProcess("commands/images/cli.ts", [])).stderr).to.match(/give exactly one of --stack <name>, --all-stacks or --ours/);
            expect((await runCommandInProcess("commands/images/cli.ts", ["--ours", "--all-stacks"])).code).to.equal(2);
        });
    });
});
