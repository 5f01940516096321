// The git hooks are a contributor's choice: installing the dependencies installs none.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./support/plan";

/** Packages whose install scripts write into .git/hooks. */
const HOOK_INSTALLERS = ["lefthook", "husky", "simple-git-hooks", "pre-commit", "yorkie"];

describe("the optional git hooks (lefthook.yml)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const hooks = YAML.parse(fs.readFileSync(path.join(ROOT, "lefthook.yml"), "utf8")) as Record<string, { jobs: { run: string }[] }>;

    it("are not installed by npm ci: no dependency installs git hooks, and no script does", () => {
        const dependencies = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
        expect(Object.keys(dependencies).filter((name) => HOOK_INSTALLERS.includes(name))).to.deep.equal([]);
        for (const [name, script] of Object.entries(pkg.scripts ?? {})) expect(script, name).to.not.match(/lefthook|husky|git config core\.hooksPath/);
    });

    it("say how to enable them, with the version pinned", () => {
        expect(fs.readFileSync(path.join(ROOT, "lefthook.yml"), "utf8")).to.match(/npx lefthook@\d+\.\d+\.\d+ install/);
    });

    it("check before a push in well under a minute: the lint, not the whole test suite", () => {
        const prePush = hooks["pre-push"].jobs.map((job) => job.run);
        expect(prePush).to.deep.equal(["npm run lint"]);
        expect(hooks["pre-commit"].jobs.map((job) => job.run)).to.include("npm run typecheck");
    });
});
