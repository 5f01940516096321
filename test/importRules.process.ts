// The rooms' import rules (.dependency-cruiser.cjs), judged by dependency-cruiser itself: the repository
// keeps them, and a module planted in a scratch project that breaks one makes `npm run lint:imports` fail.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/plan";

/** The command `npm run lint:imports` runs, from package.json, run in `cwd` with the repository's rules. */
function lintImports(cwd: string): { code: number | null; output: string } {
    const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["lint:imports"];
    const args = script.split(" ").slice(1);
    const config = args.indexOf("--config");
    args[config + 1] = path.join(ROOT, args[config + 1]);
    const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), ...args], {
        cwd,
        encoding: "utf8",
    });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A scratch project with `files` (path → source) and the repository's compiler settings. */
function scratch(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-imports-"));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", strict: true } }));
    for (const [file, source] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), source);
    }
    return dir;
}

describe("the rooms' import rules (npm run lint:imports)", function () {
    this.timeout(60_000);

    it("hold in the repository: no import circle, no import across a forbidden door", () => {
        const run = lintImports(ROOT);
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.match(/no dependency violations found \(\d+ modules/);
    });

    const cases: [string, Record<string, string>][] = [
        [
            "no-circular",
            { "stacks/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n', "stacks/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n' },
        ],
        [
            "components-not-commands",
            {
                "components/x.ts": 'import { plan } from "../commands/plan/plan";\nexport const x = plan;\n',
                "commands/plan/plan.ts": "export const plan = 1;\n",
            },
        ],
        [
            "stack-inputs-not-components-or-commands",
            { "stacks/settings.ts": 'import { x } from "../components/x";\nexport const s = x;\n', "components/x.ts": "export const x = 1;\n" },
        ],
        [
            "stack-inputs-not-components-or-commands",
            {
                "stacks/specs.ts": 'import { verify } from "../commands/release/verify";\nexport const s = verify;\n',
                "commands/release/verify.ts": "export const verify = 1;\n",
            },
        ],
        [
            "policies-stand-alone",
            { "policies/rule.ts": 'import { x } from "../components/x";\nexport const r = x;\n', "components/x.ts": "export const x = 1;\n" },
        ],
        [
            "policies-stand-alone",
            { "policies/rule.ts": 'import { c } from "../commands/command";\nexport const r = c;\n', "commands/command.ts": "export const c = 1;\n" },
        ],
        [
            "policies-stand-alone",
            { "policies/limits.ts": 'import { s } from "../stacks/settings";\nexport const r = s;\n', "stacks/settings.ts": "export const s = 1;\n" },
        ],
    ];
    for (const [rule, files] of cases) {
        it(`fail on a planted breach of ${rule}: ${Object.keys(files).join(" → ")}`, () => {
            const dir = scratch(files);
            const run = lintImports(dir);
            fs.rmSync(dir, { recursive: true, force: true });
            expect(run.code, run.output).to.not.equal(0);
            expect(run.output).to.include(`error ${rule}:`);
        });
    }

    it("let tests reach into any room, and the commands use the program", () => {
        const dir = scratch({
            "test/x.test.ts": 'import { plan } from "../commands/plan/plan";\nimport { x } from "../components/x";\nexport const t = [plan, x];\n',
            "commands/plan/plan.ts": 'import { x } from "../../components/x";\nexport const plan = x;\n',
            "components/x.ts": 'import { s } from "../stacks/settings";\nexport const x = s;\n',
            "stacks/settings.ts": "export const s = 1;\n",
        });
        const run = lintImports(dir);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(run.code, run.output).to.equal(0);
    });
});
