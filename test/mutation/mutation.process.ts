// The mutation run's own tooling (test/mutation/*.mjs): its command line, which tests each folder
// gets, how the two passes' results are merged and scored, and the generated scores page.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import ts from "typescript";
import * as YAML from "yaml";
import { ROOT } from "../support/plan";

const MUTATE = path.join(ROOT, "test", "mutation", "mutate.mjs");

/** Runs ES module code in the repository (the tooling is ESM, as StrykerJS's config is) and parses what it prints. */
function esm<T>(code: string): T {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout) as T;
}

const mutant = (id: string, line: number, column: number, status: string, statusReason?: string) => ({
    id,
    mutatorName: "StringLiteral",
    replacement: '""',
    location: { start: { line, column }, end: { line, column: column + 5 } },
    status,
    ...(statusReason ? { statusReason } : {}),
});
const IGNORED_STATIC = 'Static mutant (and "ignoreStatic" was enabled)';

describe("npm run mutate", () => {
    for (const [args, says] of [
        [["--nope"], /unknown option --nope/],
        [["nosuch"], /"nosuch" is no folder, and no path with a folder's source files in it/],
        [["components/no-such-part"], /"components\/no-such-part" is no folder/],
        [["README.md"], /"README.md" is no folder/],
        [["components/edge/edge.test.ts"], /"components\/edge\/edge.test.ts" is no folder/],
        [["--changed"], /--changed needs a git ref/],
        [["--changed", "--full"], /--changed needs a git ref/],
        [["--changed", "origin/main", "catalog"], /give no folders or paths with it/],
        [["--changed", "origin/main", "components/edge"], /give no folders or paths with it/],
    ] as const) {
        it(`stops with exit 2 and the usage, running nothing, on: ${args.join(" ")}`, () => {
            const run = spawnSync(process.execPath, [MUTATE, ...args], { cwd: ROOT, encoding: "utf8" });
            expect(run.status, run.stderr).to.equal(2);
            expect(run.stderr).to.match(says);
            expect(run.stderr).to.contain("folders: catalog, components, stacks, policies, clusters, commands, esc, images, docs");
            expect(run.stdout).to.equal("");
        });
    }

    it("names a git ref it cannot find, with exit 2", () => {
        const run = spawnSync(process.execPath, [MUTATE, "--changed", "no-such-ref-anywhere"], { cwd: ROOT, encoding: "utf8" });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain("--changed no-such-ref-anywhere: git cannot find it");
    });

    it("prints its usage for --help, exit 0", () => {
        const run = spawnSync(process.execPath, [MUTATE, "--help"], { cwd: ROOT, encoding: "utf8" });
        expect(run.status).to.equal(0);
        expect(run.stdout).to.match(/^usage: npm run mutate -- \[--full\] \[--changed <git-ref>\]/);
    });
});

describe("the mutation run's folders", () => {
    it("puts every source file in exactly one folder, and tests, type declarations and other files in none", () => {
        const folders = esm<Record<string, string | null>>(`
            import { folderOf } from "./test/mutation/folders.mjs";
            const files = ["index.ts", "catalog/schema.ts", "components/edge/gateway.ts", "stacks/settings.ts", "policies/rule.ts",
                "clusters/lambda/client.ts", "commands/sophia.js", "commands/plan/plan.ts", "esc/resources.ts", "images/backup/src/backup.ts", "images/stdio-bridge/src/loopback.cjs",
                "clusters/lambda/api.d.ts", "policies/edge/edge.test.ts", "test/support/plan.ts", "docs/generate/stacks.ts", "catalog/mcp-servers.yaml", "eslint.config.mjs"];
            console.log(JSON.stringify(Object.fromEntries(files.map((f) => [f, folderOf(f) ?? null]))));`);
        expect(folders).to.deep.equal({
            "index.ts": "stacks",
            "catalog/schema.ts": "catalog",
            "components/edge/gateway.ts": "components",
            "stacks/settings.ts": "stacks",
            "policies/rule.ts": "policies",
            "clusters/lambda/client.ts": "clusters",
            "commands/sophia.js": "commands",
            "commands/plan/plan.ts": "commands",
            "esc/resources.ts": "esc",
            "images/backup/src/backup.ts": "images",
            "images/stdio-bridge/src/loopback.cjs": "images",
            "clusters/lambda/api.d.ts": null,
            "policies/edge/edge.test.ts": null,
            "test/support/plan.ts": null,
            "docs/generate/stacks.ts": "docs",
            "catalog/mcp-servers.yaml": null,
            "eslint.config.mjs": null,
        });
    });

    it("gives a folder the test files that import its modules directly, and no other that leaves the program alone", () => {
        const { catalog, images, runners } = esm<Record<string, string[]>>(`
            import { PROGRAM_RUNNER, reachedFrom, testsOf } from "./test/mutation/folders.mjs";
            const images = testsOf("images");
            console.log(JSON.stringify({ catalog: testsOf("catalog"), images, runners: images.filter((test) => reachedFrom(test).has(PROGRAM_RUNNER)) }));`);
        expect(catalog).to.include.members(["test/catalogSchema.test.ts", "test/catalog.test.ts"]);
        for (const test of [...catalog, ...images]) expect(fs.existsSync(path.join(ROOT, test)), test).to.equal(true);
        // The images' programs are imported by their tests, each naming the program's source folder.
        expect(images).to.include.members(["test/backup/health.test.ts"]);
        // Besides them, the tests that run the program, which loads the backup image's layout.
        for (const test of images.filter((t) => !runners.includes(t)))
            expect(fs.readFileSync(path.join(ROOT, test), "utf8"), test).to.match(/images\/(backup|stdio-bridge)\/src/);
        // A test that imports nothing of the catalog (it runs the commands as child processes) is not the catalog's.
        expect(catalog).to.not.include("test/build.test.ts");
    });

    it("counts no module a test imports only for its types, and lists a folder's tests quickest first", () => {
        const { stacks, imports, seconds } = esm<{ stacks: string[]; imports: string[]; seconds: Record<string, number> }>(`
            import { importsOf, testSeconds, testsOf } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({ stacks: testsOf("stacks"), imports: importsOf("policies/edge/edge.test.ts"), seconds: testSeconds() }));`);
        // policies/edge/edge.test.ts has \`import type { EdgeSettings } from "../../stacks/settings"\`: nothing of stacks runs.
        expect(fs.readFileSync(path.join(ROOT, "policies/edge/edge.test.ts"), "utf8")).to.include('import type { EdgeSettings } from "../../stacks/settings"');
        expect(imports).to.not.include("stacks/settings.ts");
        expect(imports).to.include("policies/edge/routes.ts");
        expect(imports).to.not.include("policies/rule.ts");
        expect(stacks).to.not.include("policies/edge/edge.test.ts");
        expect(stacks).to.include("test/stackSettings.test.ts");
        const times = stacks.map((test) => seconds[test] ?? 1);
        expect(times).to.deep.equal([...times].sort((a, b) => a - b));
        expect(new Set(times).size).to.be.greaterThan(1);
    });

    it("type-checks a folder's mutants with its own sources and what they import: no test, no folder that imports it", () => {
        const { project } = esm<{ project: string }>(`
            import { checkerProject } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({ project: checkerProject("catalog") }));`);
        const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, project), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
        const roots = parsed!.fileNames.map((file) => path.relative(ROOT, file));
        expect(roots).to.include("catalog/schema.ts");
        for (const file of roots)
            expect(file, file)
                .to.match(/^catalog\/.*\.ts$/)
                .and.not.match(/\.test\.ts$/);
        const program = ts.createProgram(parsed!.fileNames, { ...parsed!.options, noEmit: true });
        const checked = program
            .getSourceFiles()
            .map((source) => path.relative(ROOT, source.fileName))
            .filter((file) => !file.includes("node_modules"));
        // The stacks' problems module is imported by the catalog; commands import the catalog and stay out.
        expect(checked).to.include("stacks/problems.ts");
        expect(checked.filter((file) => file.startsWith("commands/") || file.includes(".test."))).to.deep.equal([]);
        // StrykerJS's checker stops the run when the unmutated project has an error.
        expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).to.deep.equal([]);
    });
});

describe("a mutation run over a part of a folder", () => {
    it("finds the folders' source files under a path, grouped by folder, tests and other files left out", () => {
        const { edge, file, none, outside, grouped, components } = esm<{
            edge: string[];
            file: string[];
            none: string[];
            outside: string[];
            grouped: [string, string[]][];
            components: string[];
        }>(`
            import { byFolder, FOLDERS, sourceFiles } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({
                edge: sourceFiles("components/edge"),
                file: sourceFiles("components/edge/edge.ts"),
                none: sourceFiles(["README.md", "docs/02-development"]),
                outside: sourceFiles("../"),
                grouped: [...byFolder(["esc/needs.ts", "README.md", "index.ts", "esc/needs.ts", "components/edge/edge.test.ts", "catalog/load.ts"])],
                components: sourceFiles(FOLDERS.components),
            }));`);
        expect(edge).to.include.members(["components/edge/edge.ts", "components/edge/routes.ts"]);
        for (const f of edge)
            expect(f)
                .to.match(/^components\/edge\/[^/]+\.ts$/)
                .and.not.match(/\.test\.ts$/);
        expect(file).to.deep.equal(["components/edge/edge.ts"]);
        expect(none).to.deep.equal([]);
        expect(outside).to.deep.equal([]);
        expect(grouped).to.deep.equal([
            ["esc", ["esc/needs.ts"]],
            ["stacks", ["index.ts"]],
            ["catalog", ["catalog/load.ts"]],
        ]);
        expect(components).to.include.members(edge);
        expect(components.length).to.be.greaterThan(edge.length);
    });

    it("records a part as the folder's result: a complete one stays complete, a partial one adds its files and its time", () => {
        const { first, second, afterWhole, whole } = esm<Record<string, Record<string, unknown>>>(`
            import { runRecord } from "./test/mutation/resultFiles.mjs";
            const run = (seconds) => ({ date: "2026-12-07", commit: "abc", seconds, full: false });
            const first = runRecord(undefined, run(60), ["components/edge/routes.ts", "components/edge/edge.ts"]);
            const second = runRecord(first, run(30), ["components/edge/edge.ts", "components/redis/redis.ts"]);
            const whole = runRecord(second, run(600), undefined);
            const afterWhole = runRecord(whole, run(20), ["components/edge/edge.ts"]);
            console.log(JSON.stringify({ first, second, afterWhole, whole }));`);
        expect(first).to.deep.equal({
            date: "2026-12-07",
            commit: "abc",
            seconds: 60,
            full: false,
            files: ["components/edge/edge.ts", "components/edge/routes.ts"],
        });
        expect(second).to.deep.include({ seconds: 90, files: ["components/edge/edge.ts", "components/edge/routes.ts", "components/redis/redis.ts"] });
        expect(whole).to.deep.equal({ date: "2026-12-07", commit: "abc", seconds: 600, full: false });
        expect(afterWhole).to.deep.equal({ date: "2026-12-07", commit: "abc", seconds: 20, full: false });
    });
});

describe("the tests a mutation run selects for changed files", () => {
    it("gives a changed file the folder's tests that load it through any modules, and all of them when none does", () => {
        const { loading, all, reached, unknown, backups } = esm<{
            loading: string[];
            all: string[];
            reached: Record<string, string[]>;
            unknown: string[];
            backups: string[];
        }>(`
            import { reachedFrom, testsLoading, testsOf } from "./test/mutation/folders.mjs";
            const all = testsOf("esc");
            const reached = Object.fromEntries(all.map((test) => [test, [...reachedFrom(test)]]));
            console.log(JSON.stringify({
                loading: testsLoading("esc", ["esc/needs.ts"]),
                all,
                reached,
                unknown: testsLoading("esc", ["esc/no-such-module.ts"]),
                backups: testsLoading("components", ["components/backup-store/backupStore.ts"]),
            }));`);
        expect(loading).to.not.be.empty;
        for (const test of all) expect(loading.includes(test), test).to.equal(reached[test].includes("esc/needs.ts"));
        // esc/environments.test.ts loads the environments' layout, which needs nothing of esc/needs.ts.
        expect(loading).to.not.include("test/esc/environments.test.ts");
        expect(unknown).to.deep.equal(all);
        // The program's test imports a component directly and reaches the backup store only through index.ts.
        expect(backups).to.include("test/stacks/program.test.ts");
    });

    it("gives the folders the program reaches every test that runs it in process, through the runner's require() no import shows", () => {
        const { runner, components, policies, runs, loaded, program } = esm<{
            runner: string;
            components: string[];
            policies: string[];
            runs: string[];
            loaded: string[];
            program: string[];
        }>(`
            import { loadedBy, PROGRAM_RUNNER, reachedFrom, testFiles, testsOf } from "./test/mutation/folders.mjs";
            const runs = testFiles().filter((test) => reachedFrom(test).has(PROGRAM_RUNNER));
            console.log(JSON.stringify({
                runner: PROGRAM_RUNNER,
                components: testsOf("components"),
                policies: testsOf("policies"),
                runs,
                loaded: [...loadedBy(runs[0])],
                program: [...reachedFrom("index.ts")],
            }));`);
        expect(fs.readFileSync(path.join(ROOT, runner), "utf8")).to.match(/require\.resolve\(path\.join\(ROOT, "index\.ts"\)\)/);
        expect(runs).to.include("test/stacks/program.test.ts");
        // A runner's test reaches the program and all it imports, the components among them.
        expect(loaded).to.include.members(["index.ts", ...program]);
        expect(program.some((file) => file.startsWith("components/"))).to.equal(true);
        // Except the tooling's own tests (one of them switches mutants on itself).
        const tooling = runs.filter((test) => test.startsWith("test/mutation/"));
        expect(tooling).to.include("test/mutation/evaluationCache.test.ts");
        expect(components).to.include.members(runs.filter((test) => !tooling.includes(test)));
        expect(components.filter((test) => test.startsWith("test/mutation/"))).to.deep.equal([]);
        // The program imports nothing of the policy pack: its shard keeps only the tests that import it.
        expect(program.some((file) => file.startsWith("policies/"))).to.equal(false);
        for (const test of runs)
            if (policies.includes(test)) expect(fs.readFileSync(path.join(ROOT, test), "utf8"), test).to.match(/from "(\.\.\/)+policies\//);
    });

    it("finds the tests that run a file in a child process by its path or its folder before a template, never the tooling's own", () => {
        const { backup, command, nowhere, program, all } = esm<Record<string, string[]>>(`
            import { allTestFiles, testsRunning } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({
                backup: testsRunning(["images/backup/src/drill.ts"]),
                command: testsRunning(["commands/plan/cli.ts"]),
                nowhere: testsRunning(["esc/no-such-module.ts"]),
                program: testsRunning(["index.ts"]),
                all: allTestFiles(),
            }));`);
        // test/backup/drill.test.ts starts the job's programs as images/backup/src/\${program}.ts.
        expect(backup).to.include("test/backup/drill.test.ts");
        for (const test of backup) expect(fs.readFileSync(path.join(ROOT, test), "utf8"), test).to.match(/images\/backup\/src\/(drill|\$\{)/);
        // The processes tier runs the commands: its files count.
        expect(command).to.include("test/cli.process.ts");
        for (const test of [...backup, ...command]) expect(test, test).to.not.match(/^test\/mutation\//);
        expect(nowhere).to.deep.equal([]);
        // The program at the root is named whole: a test naming "index" or "./\${" does not run it.
        for (const test of program) expect(fs.readFileSync(path.join(ROOT, test), "utf8"), test).to.include("index.ts");
        const namingIndexOnly = all.filter((test) => {
            const text = fs.readFileSync(path.join(ROOT, test), "utf8");
            return !test.startsWith("test/mutation/") && (text.includes("index") || text.includes("./${")) && !text.includes("index.ts");
        });
        expect(namingIndexOnly).to.not.be.empty;
        expect(program.filter((test) => namingIndexOnly.includes(test))).to.deep.equal([]);
    });
});

describe("the mutation scores", () => {
    const first = {
        schemaVersion: "2",
        thresholds: { high: 90, low: 85 },
        files: {
            "catalog/schema.ts": {
                language: "typescript",
                source: "",
                mutants: [mutant("1", 3, 10, "Killed"), mutant("2", 4, 1, "Ignored", IGNORED_STATIC), mutant("3", 5, 1, "Ignored", IGNORED_STATIC)],
            },
            "catalog/load.ts": { language: "typescript", source: "", mutants: [mutant("4", 1, 1, "Survived"), mutant("5", 2, 1, "CompileError")] },
        },
    };
    const staticPass = {
        ...first,
        files: { "catalog/schema.ts": { language: "typescript", source: "", mutants: [mutant("a", 4, 1, "Killed"), mutant("b", 9, 9, "Survived")] } },
    };

    it("selects each static mutant by its exact range, in StrykerJS's columns (from 0) for a report's (from 1)", () => {
        const ranges = esm<string[]>(`
            import { secondPassMutants, rangeOf } from "./test/mutation/scores.mjs";
            const report = ${JSON.stringify(first)};
            console.log(JSON.stringify(secondPassMutants(report).map((s) => rangeOf(s.file, s.mutant))));`);
        expect(ranges).to.deep.equal(["catalog/schema.ts:4:0-4:5", "catalog/schema.ts:5:0-5:5"]);
    });

    it("takes each static mutant's result from the second pass where it ran, and scores killed over valid mutants", () => {
        const scores = esm<Record<string, { score: number; killed: number; survived: number; ignored: number; compileErrors: number }>>(`
            import { mergeStatic, scoreOf } from "./test/mutation/scores.mjs";
            const merged = mergeStatic(${JSON.stringify(first)}, ${JSON.stringify(staticPass)});
            const pick = (s) => ({ score: s.score, killed: s.metrics.killed, survived: s.metrics.survived, ignored: s.metrics.ignored, compileErrors: s.metrics.compileErrors });
            console.log(JSON.stringify({
                firstOnly: pick(scoreOf(${JSON.stringify(first)})),
                merged: pick(scoreOf(merged)),
                schemaOnly: pick(scoreOf(merged, ["catalog/schema.ts"])),
            }));`);
        // Before the static pass: 1 killed, 1 survived; the static ones are left out, the compile error never counts.
        expect(scores.firstOnly).to.deep.equal({ score: 50, killed: 1, survived: 1, ignored: 2, compileErrors: 1 });
        // The second pass killed one static mutant; the one it did not run stays left out; its own extra mutant is not added.
        expect(scores.merged).to.deep.equal({ score: (2 / 3) * 100, killed: 2, survived: 1, ignored: 1, compileErrors: 1 });
        expect(scores.schemaOnly).to.deep.equal({ score: 100, killed: 2, survived: 0, ignored: 1, compileErrors: 0 });
    });

    it("sends a mutant no in-process test reaches (code run in a child process) to the second pass, and takes its result", () => {
        const withUnreached = {
            ...first,
            files: {
                "images/backup/src/backup.ts": {
                    language: "typescript",
                    source: "",
                    mutants: [mutant("6", 7, 3, "NoCoverage"), mutant("7", 8, 1, "NoCoverage")],
                },
            },
        };
        const secondRun = {
            ...first,
            files: { "images/backup/src/backup.ts": { language: "typescript", source: "", mutants: [mutant("c", 7, 3, "Killed")] } },
        };
        const seen = esm<{ ranges: string[]; score: number; killed: number; noCoverage: number }>(`
            import { mergeStatic, scoreOf, secondPassMutants, rangeOf } from "./test/mutation/scores.mjs";
            const report = ${JSON.stringify(withUnreached)};
            const merged = scoreOf(mergeStatic(report, ${JSON.stringify(secondRun)}));
            console.log(JSON.stringify({
                ranges: secondPassMutants(report).map((s) => rangeOf(s.file, s.mutant)),
                score: merged.score, killed: merged.metrics.killed, noCoverage: merged.metrics.noCoverage,
            }));`);
        expect(seen.ranges).to.deep.equal(["images/backup/src/backup.ts:7:2-7:7", "images/backup/src/backup.ts:8:0-8:5"]);
        // The one the second pass killed counts as killed; the one it never ran stays unreached.
        expect(seen).to.deep.include({ score: 50, killed: 1, noCoverage: 1 });
    });

    it("sends a static mutant that survived in process (its module kept the value it computed before the mutant was active) to the second pass, and takes its result", () => {
        const hybrid = {
            ...first,
            files: {
                "components/postgres/workload.ts": {
                    language: "typescript",
                    source: "",
                    mutants: [
                        { ...mutant("8", 5, 1, "Survived"), static: true },
                        { ...mutant("9", 6, 1, "Killed"), static: true },
                        mutant("10", 7, 1, "Survived"),
                    ],
                },
            },
        };
        const secondRun = {
            ...first,
            files: { "components/postgres/workload.ts": { language: "typescript", source: "", mutants: [mutant("d", 5, 1, "Killed")] } },
        };
        const seen = esm<{ ranges: string[]; killed: number; survived: number }>(`
            import { mergeStatic, scoreOf, secondPassMutants, rangeOf } from "./test/mutation/scores.mjs";
            const report = ${JSON.stringify(hybrid)};
            const merged = scoreOf(mergeStatic(report, ${JSON.stringify(secondRun)}));
            console.log(JSON.stringify({
                ranges: secondPassMutants(report).map((s) => rangeOf(s.file, s.mutant)),
                killed: merged.metrics.killed, survived: merged.metrics.survived,
            }));`);
        // A static mutant killed in process stays killed; a survivor that is not static is a survivor of the tests.
        expect(seen.ranges).to.deep.equal(["components/postgres/workload.ts:5:0-5:5"]);
        expect(seen).to.deep.include({ killed: 2, survived: 1 });
    });

    it("marks a folder measured only in parts as partial, with how many of its files", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-page-"));
        const edge = { ...first, files: { "components/edge/edge.ts": { language: "typescript", source: "", mutants: [mutant("1", 1, 1, "Killed")] } } };
        fs.writeFileSync(path.join(dir, "components.json"), JSON.stringify(edge));
        fs.writeFileSync(path.join(dir, "catalog.json"), JSON.stringify({ ...first, files: { "catalog/load.ts": first.files["catalog/load.ts"] } }));
        const run = { date: "2026-12-07", commit: "abc", seconds: 120, full: false };
        fs.writeFileSync(path.join(dir, "runs.json"), JSON.stringify({ components: { ...run, files: ["components/edge/edge.ts"] }, catalog: run }));
        const { page, files } = esm<{ page: string; files: number }>(`
            import { scorePage } from "./test/mutation/scores.mjs";
            import { FOLDERS, sourceFiles } from "./test/mutation/folders.mjs";
            console.log(JSON.stringify({ page: scorePage(${JSON.stringify(dir)}), files: sourceFiles(FOLDERS.components).length }));`);
        fs.rmSync(dir, { recursive: true });
        expect(page).to.contain(`| \`components\` | 100.0% partial | 1 |`);
        expect(page).to.contain(`| \`catalog\` | 0.0% below | 1 |`);
        expect(page).to.contain(`(2 of 9 folders; only part of \`components\` (1 of ${files} files))`);
    });

    it("tells the static mutants the second pass has not run from the ones disabled in the code", () => {
        const disabled = mutant("1", 2, 1, "Ignored", "Ignored by disable comment");
        const report = { files: { "a.ts": { mutants: [mutant("0", 1, 1, "Ignored", IGNORED_STATIC), disabled, mutant("2", 3, 1, "Killed")] } } };
        const seen = esm<{ before: number; after: number }>(`
            import { mergeStatic, staticNotRun } from "./test/mutation/scores.mjs";
            const report = ${JSON.stringify(report)};
            const second = { files: { "a.ts": { mutants: [${JSON.stringify(mutant("9", 1, 1, "Killed"))}] } } };
            console.log(JSON.stringify({ before: staticNotRun(report), after: staticNotRun(mergeStatic(report, second)) }));`);
        expect(seen).to.deep.equal({ before: 1, after: 0 });
    });

    it("has a committed scores page that is what the committed results give", () => {
        const page = esm<string>(`import { scorePage } from "./test/mutation/scores.mjs"; console.log(JSON.stringify(scorePage()));`);
        expect(fs.readFileSync(path.join(ROOT, "docs", "02-development", "mutation-score.md"), "utf8")).to.equal(page);
    });
});

describe("the committed results", () => {
    const resultFiles = () => fs.readdirSync(path.join(ROOT, "test/mutation/results")).filter((f) => f.endsWith(".json") && f !== "runs.json");

    it("hold no test output, project folder or run options: nothing that names the machine or its sandbox", () => {
        expect(resultFiles()).to.not.be.empty;
        for (const name of resultFiles()) {
            const report = JSON.parse(fs.readFileSync(path.join(ROOT, "test/mutation/results", name), "utf8"));
            expect(report, name).to.not.have.any.keys("projectRoot", "config");
            for (const file of Object.values<{ mutants: { status: string; statusReason?: string }[] }>(report.files))
                for (const m of file.mutants) if (m.status !== "Ignored") expect(m, name).to.not.have.property("statusReason");
        }
    });

    it("keep an ignored (static) mutant's reason, which sends it to the second pass, and drop every other", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutation-"));
        const file = path.join(dir, "result.json");
        const ignored = { ...mutant("1", 3, 1, "Ignored", IGNORED_STATIC) };
        const killed = { ...mutant("2", 4, 1, "Killed", "AssertionError at /somewhere/.stryker-tmp/sandbox-1/test/a.test.ts:3") };
        fs.writeFileSync(
            file,
            JSON.stringify({ projectRoot: "/somewhere", config: { incrementalFile: "/somewhere/x.json" }, files: { "a.ts": { mutants: [ignored, killed] } } }),
        );
        esm(`import { tidyResult } from "./test/mutation/resultFiles.mjs"; tidyResult(${JSON.stringify(file)}); console.log("0");`);
        const tidy = JSON.parse(fs.readFileSync(file, "utf8"));
        expect(tidy).to.deep.equal({
            files: { "a.ts": { mutants: [ignored, { ...killed, statusReason: undefined }].map((m) => JSON.parse(JSON.stringify(m))) } },
        });
        fs.rmSync(dir, { recursive: true });
    });
});

describe("the static pass after its tests change", () => {
    const seen = (code: string) => esm<unknown>(`import * as r from "./test/mutation/resultFiles.mjs"; ${code}`);

    it("reuses everything when the test files are the same, and tells added files from changed or removed ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutation-"));
        const record = path.join(dir, "static.json.tests");
        const [a, b, c] = ["test/problems.test.ts", "test/inputs.test.ts", "test/settings.test.ts"];
        const fingerprints = seen(`console.log(JSON.stringify(r.fingerprintsOf(${JSON.stringify([a, b, c])})));`) as Record<string, string>;
        expect(Object.keys(fingerprints)).to.deep.equal([a, b, c]);
        expect(new Set(Object.values(fingerprints)).size).to.equal(3);
        const change = (recorded: unknown, now: Record<string, string>) => {
            if (recorded === undefined) fs.rmSync(record, { force: true });
            else fs.writeFileSync(record, typeof recorded === "string" ? recorded : JSON.stringify(recorded));
            return seen(`console.log(JSON.stringify(r.testsChange(${JSON.stringify(record)}, ${JSON.stringify(now)})));`);
        };
        const only = (...tests: string[]) => Object.fromEntries(tests.map((t) => [t, fingerprints[t]]));
        expect(change(only(a, b), only(a, b))).to.equal("same");
        expect(change(only(a, b), only(a, b, c))).to.equal("added");
        expect(change(only(a, b), only(a))).to.equal("changed");
        expect(change(only(a, b), { ...only(a, c), [b]: "0".repeat(64) })).to.equal("changed");
        expect(change(undefined, only(a))).to.equal("changed");
        // The record of an earlier form (one hash for all files) is not trusted.
        expect(change("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", only(a))).to.equal("changed");
        fs.rmSync(dir, { recursive: true });
    });

    it("forgets the survivors and the unreached after test files are added, and keeps every detected or invalid result", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutation-"));
        const file = path.join(dir, "static.json");
        const statuses = ["Killed", "Survived", "Timeout", "NoCoverage", "CompileError", "RuntimeError"];
        fs.writeFileSync(file, JSON.stringify({ files: { "a.ts": { mutants: statuses.map((s, i) => mutant(String(i), i + 1, 1, s)) } } }));
        const forgotten = seen(`console.log(JSON.stringify(r.forgetUndetected(${JSON.stringify(file)})));`);
        expect(forgotten).to.equal(2);
        const kept = JSON.parse(fs.readFileSync(file, "utf8")).files["a.ts"].mutants.map((m: { status: string }) => m.status);
        expect(kept).to.deep.equal(["Killed", "Timeout", "CompileError", "RuntimeError"]);
        expect(seen(`console.log(JSON.stringify(r.forgetUndetected(${JSON.stringify(path.join(dir, "none.json"))})));`)).to.equal(0);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("gathering the weekly jobs' results", () => {
    const write = (dir: string, name: string, content: unknown) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
    };
    const run = (date: string) => ({ date, commit: date.replace(/-/g, ""), seconds: 60, full: true });

    it("takes each folder's result files and run record from the job that ran it, and keeps the other folders' own", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-gather-"));
        const results = path.join(root, "results");
        write(results, "runs.json", { catalog: run("2026-12-01"), esc: run("2026-12-01"), docs: run("2026-12-01") });
        for (const folder of ["catalog", "esc", "docs"]) write(results, `${folder}.json`, `old ${folder}`);
        write(results, "esc.static.json", "old esc static");
        write(results, "esc.static.json.tests", "old esc tests");
        // Each job's artifact holds its folder's results and the whole runs.json of its checkout.
        const catalogJob = path.join(root, "mutation-catalog");
        write(catalogJob, "catalog.json", "new catalog");
        write(catalogJob, "catalog.static.json", "new catalog static");
        write(catalogJob, "runs.json", { catalog: run("2026-12-13"), esc: run("2026-12-01"), docs: run("2026-12-01") });
        const escJob = path.join(root, "mutation-esc");
        write(escJob, "esc.json", "new esc");
        write(escJob, "runs.json", { catalog: run("2026-12-01"), esc: run("2026-12-13") });
        const gathered = esm<unknown>(`
            import { gatherResults } from "./test/mutation/resultFiles.mjs";
            console.log(JSON.stringify(gatherResults(${JSON.stringify([catalogJob, escJob])}, ${JSON.stringify(results)}, ["catalog", "components", "esc", "docs"])));`);
        expect(gathered).to.deep.equal([
            { folder: "catalog", dir: catalogJob },
            { folder: "esc", dir: escJob },
        ]);
        const read = (name: string) => (fs.existsSync(path.join(results, name)) ? fs.readFileSync(path.join(results, name), "utf8") : undefined);
        expect([read("catalog.json"), read("catalog.static.json"), read("esc.json"), read("docs.json")]).to.deep.equal([
            "new catalog",
            "new catalog static",
            "new esc",
            "old docs",
        ]);
        // A run with no second pass leaves no static result: the earlier one is not kept beside it.
        expect([read("esc.static.json"), read("esc.static.json.tests")]).to.deep.equal([undefined, undefined]);
        expect(JSON.parse(read("runs.json")!)).to.deep.equal({ catalog: run("2026-12-13"), docs: run("2026-12-01"), esc: run("2026-12-13") });
        fs.rmSync(root, { recursive: true });
    });

    it("stops with exit 2, every problem named and nothing written, on a folder with no result, one given twice, or no runs.json", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-gather-"));
        const [empty, first, second, noRuns] = ["empty", "first", "second", "no-runs"].map((name) => path.join(root, name));
        fs.mkdirSync(empty);
        for (const dir of [first, second]) {
            write(dir, "esc.json", "{}");
            write(dir, "runs.json", {});
        }
        write(noRuns, "docs.json", "{}");
        const resultsBefore = fs
            .readdirSync(path.join(ROOT, "test", "mutation", "results"))
            .map((name) => fs.readFileSync(path.join(ROOT, "test", "mutation", "results", name), "utf8"));
        const page = fs.readFileSync(path.join(ROOT, "docs", "02-development", "mutation-score.md"), "utf8");
        const gather = spawnSync(process.execPath, [MUTATE, "--gather", empty, first, second, noRuns, path.join(root, "missing")], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(gather.status, gather.stderr).to.equal(2);
        expect(gather.stderr).to.contain(`${empty}: holds no folder's result`);
        expect(gather.stderr).to.contain(`${second}: esc is in ${first} too`);
        expect(gather.stderr).to.contain(`${noRuns}: has no runs.json`);
        expect(gather.stderr).to.contain(`${path.join(root, "missing")}: holds no folder's result`);
        expect(gather.stdout).to.equal("");
        const resultsAfter = fs
            .readdirSync(path.join(ROOT, "test", "mutation", "results"))
            .map((name) => fs.readFileSync(path.join(ROOT, "test", "mutation", "results", name), "utf8"));
        expect(resultsAfter).to.deep.equal(resultsBefore);
        expect(fs.readFileSync(path.join(ROOT, "docs", "02-development", "mutation-score.md"), "utf8")).to.equal(page);
        for (const args of [["--gather"], ["--gather", "--full"], ["catalog", "--gather", first]]) {
            const wrong = spawnSync(process.execPath, [MUTATE, ...args], { cwd: ROOT, encoding: "utf8" });
            expect(wrong.status, args.join(" ")).to.equal(2);
            expect(wrong.stderr).to.contain("--gather takes result folders and nothing else");
        }
        fs.rmSync(root, { recursive: true });
    });
});

describe("the weekly mutation workflow", () => {
    type Step = { run?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string> };
    type Job = { strategy?: { matrix: { folder: string[] } }; needs?: string; if?: string; steps: Step[]; "timeout-minutes": number };
    const jobs = () => (YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "mutation.yml"), "utf8")) as { jobs: Record<string, Job> }).jobs;

    it("runs every folder in a job of its own, within a job's six hours, and keeps each one's result files", () => {
        const folders = esm<string[]>(`import { FOLDERS } from "./test/mutation/folders.mjs"; console.log(JSON.stringify(Object.keys(FOLDERS)));`);
        const { weekly } = jobs();
        expect(weekly.strategy!.matrix.folder).to.have.members(folders);
        expect(weekly["timeout-minutes"]).to.be.at.most(360);
        const mutate = weekly.steps.find((step) => step.run?.includes("npm run mutate"))!;
        expect(mutate.run).to.equal('npm run mutate -- --full "${FOLDER}"');
        expect(mutate.env).to.deep.equal({ FOLDER: "${{ matrix.folder }}" });
        const upload = weekly.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!;
        const paths = upload.with!.path.trim().split("\n");
        for (const name of ["${{ matrix.folder }}.json", "${{ matrix.folder }}.static.json", "${{ matrix.folder }}.static.json.tests", "runs.json"])
            expect(paths).to.include(`test/mutation/results/${name}`);
        expect(upload.with!.name).to.equal("mutation-${{ matrix.folder }}");
    });

    it("gathers every job's results where the artifacts put them, also after a job failed", () => {
        const { weekly, scores } = jobs();
        expect(scores.needs).to.equal("weekly");
        expect(scores.if).to.match(/^always\(\)/);
        // upload-artifact keeps the paths below their deepest common folder, here the repository's root.
        const uploaded = weekly.steps
            .find((step) => step.uses?.startsWith("actions/upload-artifact@"))!
            .with!.path.trim()
            .split("\n");
        const common = uploaded
            .map((p) => path.dirname(p).split("/"))
            .reduce((a, b) => {
                let shared = 0;
                while (shared < a.length && a[shared] === b[shared]) shared++;
                return a.slice(0, shared);
            });
        const download = scores.steps.find((step) => step.uses?.startsWith("actions/download-artifact@"))!;
        expect(download.with).to.deep.equal({ pattern: "mutation-*", path: "gathered" });
        const resultsInArtifact = path.relative(common.join("/"), "test/mutation/results");
        const gather = scores.steps.find((step) => step.run?.includes("--gather"))!;
        expect(gather.run).to.equal(`node test/mutation/mutate.mjs --gather gathered/mutation-*/${resultsInArtifact}`);
    });
});

describe("the order of the second pass's tests", () => {
    it("runs the tests that start programs last, and each group quickest first", () => {
        const { ordered, seconds, selected } = esm<{ ordered: string[]; seconds: Record<string, number>; selected: string[] }>(`
            import { secondPassOrder, testSeconds, testsOf } from "./test/mutation/folders.mjs";
            const selected = testsOf("stacks");
            console.log(JSON.stringify({ ordered: secondPassOrder(selected), seconds: testSeconds(), selected }));`);
        expect([...ordered].sort()).to.deep.equal([...selected].sort());
        const starts = ordered.map((test) =>
            /\b(planOf|runPlan|runCli|runCliAsync|runProgram|spawnSync|spawn|execFile|execFileSync)\(/.test(fs.readFileSync(path.join(ROOT, test), "utf8")),
        );
        // Both kinds are there, the in-process ones first.
        expect(starts).to.include(true).and.to.include(false);
        expect(starts).to.deep.equal([...starts].sort((a, b) => Number(a) - Number(b)));
        for (const group of [false, true]) {
            const times = ordered.filter((_, i) => starts[i] === group).map((test) => seconds[test] ?? 10);
            expect(times, String(group)).to.deep.equal([...times].sort((a, b) => a - b));
        }
    });
});

describe("the static pass's mutants in each other's ranges", () => {
    const seen = (code: string) => esm<unknown>(`import * as r from "./test/mutation/resultFiles.mjs"; ${code}`);
    const spanning = (id: string, from: number, to: number, status: string, statusReason?: string) => ({
        ...mutant(id, from, 1, status, statusReason),
        mutatorName: "BlockStatement",
        replacement: "{}",
        location: { start: { line: from, column: 1 }, end: { line: to, column: 2 } },
    });
    // A function emptied at load (static), with a killed mutant and a static one inside it, and a survivor after it.
    const first = {
        schemaVersion: "2",
        thresholds: { high: 90, low: 85 },
        files: {
            "stacks/a.ts": {
                language: "typescript",
                source: "source of a",
                mutants: [
                    spanning("1", 2, 6, "Ignored", IGNORED_STATIC),
                    mutant("2", 3, 5, "Killed"),
                    mutant("3", 4, 5, "Ignored", IGNORED_STATIC),
                    mutant("4", 8, 1, "Survived"),
                    mutant("5", 5, 1, "CompileError"),
                ],
            },
        },
    };
    const secondPassOf = `(await import("./test/mutation/scores.mjs")).secondPassMutants(${JSON.stringify(first)})`;

    it("gives the static pass the first pass's result of each mutant nested in a static one's range, once, and runs the static ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutation-"));
        const file = path.join(dir, "static.json");
        const seed = () => seen(`console.log(JSON.stringify(r.seedNested(${JSON.stringify(file)}, ${JSON.stringify(first)}, ${secondPassOf})));`);
        expect(seed()).to.equal(2);
        const seeded = JSON.parse(fs.readFileSync(file, "utf8")).files["stacks/a.ts"];
        expect(seeded.source).to.equal("source of a");
        // The killed one and the compile error inside the range, as the first pass found them; neither
        // static one (the pass runs those), nor the survivor outside the range.
        expect(seeded.mutants.map((m: { id: string; status: string }) => [m.id, m.status])).to.deep.equal([
            ["2", "Killed"],
            ["5", "CompileError"],
        ]);
        expect(seeded.mutants[0]).to.not.have.any.keys("coveredBy", "killedBy", "statusReason");
        expect(seed()).to.equal(0);
        fs.rmSync(dir, { recursive: true });
    });

    it("leaves a file whose static result was taken on other source to StrykerJS's diff, and keeps the other files' results", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutation-"));
        const file = path.join(dir, "static.json");
        const earlier = {
            ...first,
            files: {
                "stacks/a.ts": { language: "typescript", source: "older source of a", mutants: [mutant("9", 2, 1, "Killed")] },
                "stacks/b.ts": { language: "typescript", source: "b", mutants: [mutant("8", 1, 1, "Survived")] },
            },
        };
        fs.writeFileSync(file, JSON.stringify(earlier));
        expect(seen(`console.log(JSON.stringify(r.seedNested(${JSON.stringify(file)}, ${JSON.stringify(first)}, ${secondPassOf})));`)).to.equal(0);
        expect(JSON.parse(fs.readFileSync(file, "utf8")).files).to.deep.equal(earlier.files);
        // After their tests changed, a run's files are forgotten (tested again), the others kept.
        seen(`r.forgetFiles(${JSON.stringify(file)}, ["stacks/a.ts"]); console.log("null");`);
        expect(Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).files)).to.deep.equal(["stacks/b.ts"]);
        fs.rmSync(dir, { recursive: true });
    });
});
