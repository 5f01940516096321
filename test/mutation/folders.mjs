// The mutation run's shards: each source folder is mutated on its own, against the test files that
// import one of its modules directly, and those that run the program in process when it reaches the
// folder. A test that reaches a folder only through other modules, or only through a child process
// (a plan, a command), is not selected: per-test coverage cannot see into another process, and the
// broad tests would make every run as slow as the whole suite.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { execFileSync, spawnSync } from "child_process";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

/** Every source folder (and the program's entry point) with the files StrykerJS mutates in it. */
export const FOLDERS = {
    catalog: ["catalog/**/*.ts"],
    components: ["components/**/*.ts"],
    stacks: ["stacks/**/*.ts", "index.ts"],
    policies: ["policies/**/*.ts"],
    clusters: ["clusters/**/*.ts"],
    commands: ["commands/**/*.ts", "commands/**/*.js"],
    esc: ["esc/**/*.ts"],
    images: ["images/backup/src/**/*.ts", "images/stdio-bridge/src/**/*.ts", "images/stdio-bridge/src/**/*.cjs"],
    docs: ["docs/generate/**/*.ts"],
};
const NOT_SOURCE = ["!**/*.test.ts", "!**/*.process.ts", "!**/*.d.ts"];

/** The mutate patterns of `folder`, as StrykerJS takes them. */
export function mutatePatterns(folder) {
    if (!(folder in FOLDERS)) throw new Error(`unknown folder "${folder}"; folders: ${Object.keys(FOLDERS).join(", ")}`);
    return [...FOLDERS[folder], ...NOT_SOURCE];
}

/**
 * The TypeScript checker's project for `folder` (written to test/mutation/checker/, which git ignores):
 * the folder's sources, and through their imports what they use; no test (they run transpile-only).
 * A mutant is type-checked with the files that depend on its file, so the other folders that import
 * this one are left out: with them every mutant took 5 to 10 times as long. A mutant that breaks
 * only another folder's types is not dropped as a compile error: it runs against the tests.
 */
export function checkerProject(folder) {
    const up = (pattern) => `../../../${pattern}`;
    const project = {
        extends: up("tsconfig.json"),
        include: mutatePatterns(folder)
            .filter((p) => !p.startsWith("!"))
            .map(up),
        exclude: [...NOT_SOURCE.map((p) => up(p.slice(1))), up("node_modules"), up("policies/node_modules"), up("images/backup/node_modules")],
    };
    const file = path.join("test", "mutation", "checker", `${folder}.tsconfig.json`);
    fs.mkdirSync(path.join(ROOT, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, file), `${JSON.stringify(project, null, 4)}\n`);
    return file;
}

/** The folder a source file belongs to, or undefined for a file no folder mutates. */
export function folderOf(file) {
    if (file.endsWith(".test.ts") || file.endsWith(".process.ts") || file.endsWith(".d.ts") || !/\.(ts|js|cjs)$/.test(file)) return undefined;
    if (file === "index.ts") return "stacks";
    return Object.keys(FOLDERS).find((folder) => FOLDERS[folder].some((pattern) => file.startsWith(pattern.slice(0, pattern.indexOf("**")))));
}

/** The source files (tracked or new) under `paths` (files, directories or a folder's patterns) that a folder mutates. */
export function sourceFiles(paths) {
    const pathspecs = [paths].flat().map((p) => (p.includes("**") ? `:(glob)${p}` : p));
    const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...pathspecs], { cwd: ROOT, encoding: "utf8" });
    return listed.status === 0 ? listed.stdout.split("\n").filter((file) => file && folderOf(file)) : [];
}

/** Source files grouped by their folder, each folder's in order and once; files no folder mutates are left out. */
export function byFolder(files) {
    const grouped = new Map();
    for (const file of files) {
        const folder = folderOf(file);
        if (folder && !grouped.get(folder)?.includes(file)) grouped.set(folder, [...(grouped.get(folder) ?? []), file]);
    }
    return grouped;
}

const resolution = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, resolveJsonModule: true };

/**
 * The repository's modules that `file` imports directly (relative paths), packages left out. An
 * `import type` loads nothing when the file runs, so a module imported only for its types is not one.
 */
export function importsOf(file) {
    if (!importsCache.has(file)) importsCache.set(file, importsRead(file));
    return importsCache.get(file);
}

const importsCache = new Map();

function importsRead(file) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const typesOnly = typeOnlySpecifiers(text);
    const { importedFiles } = ts.preProcessFile(text, true, true);
    return importedFiles.flatMap(({ fileName }) => {
        if (typesOnly.has(fileName)) return [];
        const resolved = ts.resolveModuleName(fileName, path.join(ROOT, file), resolution, ts.sys).resolvedModule;
        return resolved && !resolved.isExternalLibraryImport ? [path.relative(ROOT, resolved.resolvedFileName)] : [];
    });
}

/** The module specifiers a file imports (or re-exports) only as `import type` / `export type`. */
function typeOnlySpecifiers(text) {
    const source = ts.createSourceFile("file.ts", text, ts.ScriptTarget.Latest, false);
    const typeOnly = new Set();
    const loaded = new Set();
    for (const statement of source.statements) {
        const declaration = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement : undefined;
        if (!declaration?.moduleSpecifier || !ts.isStringLiteral(declaration.moduleSpecifier)) continue;
        const isTypeOnly = ts.isImportDeclaration(declaration) ? Boolean(declaration.importClause?.isTypeOnly) : declaration.isTypeOnly;
        (isTypeOnly ? typeOnly : loaded).add(declaration.moduleSpecifier.text);
    }
    return new Set([...typeOnly].filter((specifier) => !loaded.has(specifier)));
}

/**
 * The repository's test files as `npm test` selects them (tracked and new files alike). The
 * processes tier (*.process.ts) is left out: it runs the commands in their own processes, where
 * per-test coverage cannot see, and would only lengthen every run.
 */
export function testFiles() {
    return listed(["*.test.ts"]);
}

/** Every test file, the processes tier's too: the second pass runs code they start in child processes. */
export function allTestFiles() {
    return listed(["*.test.ts", "*.process.ts"]);
}

function listed(patterns) {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...patterns], { cwd: ROOT, encoding: "utf8" });
    return files.split("\n").filter((f) => f && (f.startsWith("test/") || f.startsWith("policies/")));
}

/** The mutation tooling's own tests, which test no source folder (one switches mutants on itself). */
const TOOLING = "test/mutation/";

/**
 * The test files of `folder`'s shard: those importing one of its modules directly, and those running
 * the program in process when it reaches the folder, quickest first (by
 * the last `npm test`): a run stops at a mutant's first failing test, so a killed one costs about its quickest.
 */
export function testsOf(folder) {
    const seconds = testSeconds();
    const programReaches = [PROGRAM, ...reachedFrom(PROGRAM)].some((file) => folderOf(file) === folder);
    return testFiles()
        .filter((test) => !test.startsWith(TOOLING))
        .filter((test) => importsOf(test).some((imported) => folderOf(imported) === folder) || (programReaches && runsProgram(test)))
        .sort((a, b) => (seconds[a] ?? 1) - (seconds[b] ?? 1));
}

/**
 * The repository's modules a file loads, directly or through others (any folder's: a test of the
 * program reaches the components through the stacks' index.ts).
 */
export function reachedFrom(file) {
    const reached = new Set();
    const queue = [...importsOf(file)];
    while (queue.length) {
        const next = queue.pop();
        if (reached.has(next)) continue;
        reached.add(next);
        queue.push(...importsOf(next));
    }
    return reached;
}

/** The program's entry point, which `pulumi up` runs. */
const PROGRAM = "index.ts";

/**
 * The tests' in-process runner of the program: it loads index.ts with require() at run time, which
 * no import shows. A test that loads it reaches everything the program imports.
 */
export const PROGRAM_RUNNER = "test/support/program.ts";

const runsProgram = (test) => reachedFrom(test).has(PROGRAM_RUNNER);

/** The repository's modules a test loads, directly or through others, the program's too when it runs it in process. */
export function loadedBy(test) {
    return runsProgram(test) ? new Set([...reachedFrom(test), PROGRAM, ...reachedFrom(PROGRAM)]) : reachedFrom(test);
}

/**
 * The folder's test files (`testsOf`) that load one of `files`, through any modules; all of them
 * when none does. The whole folder's run gives those tests the same mutants: a run over a few files
 * finds what it would.
 */
export function testsLoading(folder, files) {
    const loading = testsOf(folder).filter((test) => {
        const reached = loadedBy(test);
        return files.some((file) => reached.has(file));
    });
    return loading.length ? loading : testsOf(folder);
}

/**
 * The test files that run one of `files` in a child process (a job's program, a command), the
 * processes tier's included: those naming the file (`commands/plan/cli`) or its folder followed by
 * a template (`images/backup/src/${program}.ts`). The mutation tooling's own tests only name files.
 */
export function testsRunning(files) {
    // A file at the root (the program's index.ts) is named whole: "index" and "./${" are in most files.
    const names = files.flatMap((file) => (path.dirname(file) === "." ? [file] : [file.replace(/\.[cm]?[jt]s$/, ""), `${path.dirname(file)}/\${`]));
    return allTestFiles().filter((test) => {
        if (test.startsWith(TOOLING)) return false;
        const text = fs.readFileSync(path.join(ROOT, test), "utf8");
        return names.some((name) => text.includes(name));
    });
}

/** A test that starts the repository's programs in child processes (a plan, a command, a job's program). */
const STARTS_PROGRAMS = /\b(planOf|runPlan|runCli|runCliAsync|runProgram|spawnSync|spawn|execFile|execFileSync)\(/;

/**
 * `tests` in the order the second pass runs them, each mutant in a fresh process until one fails:
 * those that start programs last (in a fresh process each pays for its plans, which \`npm test\`'s
 * timings share between files), each group quickest first by the last \`npm test\`.
 */
export function secondPassOrder(tests) {
    const seconds = testSeconds();
    const starts = new Map(tests.map((test) => [test, STARTS_PROGRAMS.test(fs.readFileSync(path.join(ROOT, test), "utf8"))]));
    return [...tests].sort((a, b) => Number(starts.get(a)) - Number(starts.get(b)) || (seconds[a] ?? 10) - (seconds[b] ?? 10));
}

/** Seconds each test file took in the last `npm test` (test/shards/weights.json), for ordering. */
export function testSeconds() {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "test", "shards", "weights.json"), "utf8"));
}
