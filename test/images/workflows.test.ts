// What the images, container audit and dependency scan workflows must do; actionlint and the pin
// rules for every workflow are in test/policies/workflows.test.ts, Checkov in test/scanners.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../support/plan";

type Obj = Record<string, any>;
const workflow = (f: string) => YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8")) as Obj;
const steps = (job: Obj): Obj[] => job.steps ?? [];
const uses = (job: Obj, action: string): Obj | undefined => steps(job).find((s) => String(s.uses).startsWith(`${action}@`));
const script = (job: Obj): string =>
    steps(job)
        .map((s) => s.run ?? "")
        .join("\n");

describe("the images workflow", () => {
    const images = workflow("images.yml");
    const build = images.jobs.build;

    it("runs on changes under images/, on release tags and on pull requests", () => {
        expect(images.on.push.paths).to.include("images/**");
        expect(images.on.push.tags).to.deep.equal(["v*"]);
        expect(images.on.pull_request.paths).to.include("images/**");
    });
    it("builds every image npm run images -- --ours lists, for amd64 and arm64, with SBOM and max provenance", () => {
        expect(script(images.jobs.discover)).to.include("npm run -s images -- --ours --json");
        expect(build.strategy.matrix.image).to.equal("${{ fromJSON(needs.discover.outputs.images) }}");
        expect(images.env.PLATFORMS.split(",")).to.deep.equal(["linux/amd64", "linux/arm64"]);
        expect(uses(build, "docker/setup-qemu-action")).to.not.equal(undefined);
        expect(uses(build, "docker/build-push-action")!.with).to.include({ sbom: true, provenance: "mode=max", platforms: "${{ env.PLATFORMS }}" });
    });
    it("scans the pushed digest per platform with the accepted list, failing on HIGH and CRITICAL, before signing it", () => {
        const names = steps(build).map((s) => s.name ?? s.uses);
        const scan = steps(build).find((s) => /trivy image/.test(s.run ?? ""))!;
        expect(scan.run).to.match(/for platform in \$\{PLATFORMS\/\/,\/ \}/);
        expect(scan.run).to.include('--platform "$platform" --severity HIGH,CRITICAL --ignorefile images/trivyignore.yaml');
        expect(scan.run).to.include("--exit-code 1");
        const sign = steps(build).find((s) => /cosign sign --yes/.test(s.run ?? ""))!;
        expect(sign.run).to.include('"${tag%:*}@$DIGEST"');
        expect(names.indexOf(scan.name)).to.be.lessThan(names.indexOf(sign.name));
    });
    it("pushes by digest only and tags the digest after it is scanned and signed", () => {
        const push = uses(build, "docker/build-push-action")!.with;
        expect(push).to.not.have.property("tags");
        expect(push.outputs).to.include("push-by-digest=true").and.include("push=${{ env.PUSH }}");
        const names = steps(build).map((s) => s.name ?? s.uses);
        const sign = steps(build).find((s) => /cosign sign --yes/.test(s.run ?? ""))!;
        const tag = steps(build).find((s) => /imagetools create --tag/.test(s.run ?? ""))!;
        expect(tag.run).to.include('"${tag%:*}@$DIGEST"');
        expect(names.indexOf(tag.name)).to.be.greaterThan(names.indexOf(sign.name));
    });
    it("signs keyless: the build job may mint an OIDC token and nothing else writes", () => {
        expect(images.permissions).to.deep.equal({ contents: "read" });
        expect(build.permissions).to.deep.equal({ contents: "read", "id-token": "write" });
        expect(JSON.stringify(images)).to.not.match(/COSIGN_PRIVATE_KEY|--key /);
    });
    it("passes registry credentials by environment and stdin, never on a command line", () => {
        const login = steps(build).find((s) => /docker login/.test(s.run ?? ""))!;
        expect(login.run).to.include("--password-stdin");
        expect(login.env.REGISTRY_PASSWORD).to.equal("${{ secrets.REGISTRY_PASSWORD }}");
        for (const f of ["images.yml", "container-audit.yml"]) expect(script(Object.values(workflow(f).jobs as Obj)[0])).to.not.match(/secrets\./);
    });
    it("records each pushed digest with npm run images:record and opens a pull request", () => {
        const record = images.jobs.record;
        expect(record.needs).to.equal("build");
        expect(record.permissions).to.deep.equal({ contents: "write", "pull-requests": "write" });
        expect(script(record)).to.include('npm run -s images:record -- --image "$image" --digest "$digest"');
        expect(script(record)).to.include("gh pr create");
    });
});

describe("the weekly container audit", () => {
    const audit = workflow("container-audit.yml");
    const job = audit.jobs.audit;

    it("runs weekly and on demand, writing only issues", () => {
        expect(audit.on.schedule[0].cron.split(" "))
            .to.have.length(5)
            .and.satisfy((f: string[]) => f[4] !== "*");
        expect(audit.on).to.have.property("workflow_dispatch");
        expect(job.permissions).to.deep.equal({ contents: "read", issues: "write" });
    });
    it("scans every image the stacks' plans pull, the Helm charts' images included, and renders one issue", () => {
        const run = script(job);
        expect(run).to.include("npm run -s plan -- --stack");
        expect(run).to.include("npm run -s images -- --all-stacks --json");
        expect(run).to.include("helm template");
        expect(run).to.match(/trivy image .*--ignorefile images\/trivyignore.yaml/);
        expect(run).to.include("npm run -s images:report -- --reports reports --failed reports/failed.tsv");
        expect(run).to.include('gh issue list --label "$LABEL" --state open');
        expect(run).to.include("gh issue edit").and.include("gh issue create");
    });
});

describe("the daily dependency scan", () => {
    const scan = workflow("dependency-scan.yml");

    it("runs daily, audits every package-lock.json in the repository and runs Trivy's filesystem scan", () => {
        expect(scan.on.schedule[0].cron.split(" ").slice(2)).to.deep.equal(["*", "*", "*"]);
        expect(scan.permissions).to.deep.equal({ contents: "read" });
        expect(script(scan.jobs["npm-audit"])).to.include("git ls-files '*package-lock.json'").and.include("npm audit --package-lock-only --audit-level=high");
        expect(script(scan.jobs["trivy-fs"])).to.match(/trivy fs .*--severity HIGH,CRITICAL .*--exit-code 1/);
    });
    it("its lockfile pattern finds the program's, the policy pack's and every image's lockfile", () => {
        const found = spawnSync("git", ["ls-files", "*package-lock.json"], { cwd: ROOT, encoding: "utf8" }).stdout.trim().split("\n");
        const images = fs.readdirSync(path.join(ROOT, "images")).filter((d) => fs.existsSync(path.join(ROOT, "images", d, "package-lock.json")));
        expect(images).to.not.be.empty;
        expect(found).to.include.members(["package-lock.json", "policies/package-lock.json", ...images.map((d) => `images/${d}/package-lock.json`)]);
    });
});
