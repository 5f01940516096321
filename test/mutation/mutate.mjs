// `npm run mutate`: StrykerJS over the source folders, one folder per run (stryker.config.mjs), then
// the scores page (docs/02-development/mutation-score.md) from every folder's last result.
//
//   npm run mutate                          every folder; unchanged code keeps its last result
//   npm run mutate -- catalog esc           these folders
//   npm run mutate -- components/edge       the source files under a path (a folder's part), against the
//                                           folder's tests that load them; kept with the folder's results
//   npm run mutate -- --changed origin/main the source files changed since that commit, each against
//                                           its folder's tests; fails below the folder threshold
//   npm run mutate -- --full catalog        every mutant again, the last result ignored
//   npm run mutate -- --page                only rewrite the scores page
//   npm run mutate -- --gather <dir> ...    take each folder's results from these result folders (the
//                                           weekly workflow's jobs, one folder each), then rewrite the page
import { spawnSync, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { byFolder, FOLDERS, ROOT, secondPassOrder, sourceFiles, testsLoading, testsRunning } from "./folders.mjs";
import { folderReport, rangeOf, scoreOf, secondPassMutants, writeScorePage, RESULTS, FOLDER_THRESHOLD } from "./scores.mjs";
import { fingerprintsOf, forgetFiles, forgetUndetected, gatherResults, runRecord, seedNested, testsChange, tidyResult } from "./resultFiles.mjs";

const USAGE = `usage: npm run mutate -- [--full] [--changed <git-ref>] [--page] [folder or path ...]
       npm run mutate -- --gather <results folder> ...
folders: ${Object.keys(FOLDERS).join(", ")}; a path inside one (components/edge) mutates the files under it`;

function fail(message) {
    process.stderr.write(`${message}\n${USAGE}\n`);
    process.exit(2);
}

function parse(argv) {
    const options = { full: false, page: false, changed: undefined, folders: [], paths: [] };
    const gather = argv.indexOf("--gather");
    if (gather !== -1) {
        options.gather = argv.slice(gather + 1);
        if (gather !== 0 || !options.gather.length || options.gather.some((dir) => dir.startsWith("-")))
            fail("--gather takes result folders and nothing else, e.g. --gather results-catalog results-esc");
        return options;
    }
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--full") options.full = true;
        else if (arg === "--page") options.page = true;
        else if (arg === "--changed") {
            options.changed = argv[++i];
            if (!options.changed || options.changed.startsWith("-")) fail("--changed needs a git ref, e.g. --changed origin/main");
        } else if (arg === "--help" || arg === "-h") {
            process.stdout.write(`${USAGE}\n`);
            process.exit(0);
        } else if (arg.startsWith("-")) fail(`unknown option ${arg}`);
        else if (arg in FOLDERS) options.folders.push(arg);
        else {
            const files = sourceFiles(arg);
            if (!files.length) fail(`"${arg}" is no folder, and no path with a folder's source files in it`);
            options.paths.push(...files);
        }
    }
    if (options.changed && (options.folders.length || options.paths.length)) fail("--changed chooses the files itself: give no folders or paths with it");
    // A folder named whole too, or all of its source files named, is a whole folder's run.
    options.parts = new Map();
    for (const [folder, files] of byFolder(options.paths)) {
        const whole = options.folders.includes(folder) || sourceFiles(FOLDERS[folder]).every((file) => files.includes(file));
        if (!whole) options.parts.set(folder, files);
        else if (!options.folders.includes(folder)) options.folders.push(folder);
    }
    return options;
}

/** Source files changed between `ref` and the working tree (committed, staged or not), by folder. */
function changedFiles(ref) {
    const run = (args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
    const base = run(["merge-base", ref, "HEAD"]);
    if (base.status !== 0) fail(`--changed ${ref}: git cannot find it (${base.stderr.trim()})`);
    const diff = run(["diff", "--name-only", "--diff-filter=d", base.stdout.trim()]);
    const untracked = run(["ls-files", "--others", "--exclude-standard"]);
    return byFolder([...diff.stdout.split("\n"), ...untracked.stdout.split("\n")].filter(Boolean));
}

/** One StrykerJS run (`config`: the first pass's or the static pass's); exits when it fails. */
function runStryker(folder, config, { files, tests, full, incrementalFile, plan } = {}) {
    const args = ["stryker", "run", config];
    if (files) args.push("--mutate", files.join(","));
    if (full) args.push("--force");
    if (incrementalFile) args.push("--incrementalFile", incrementalFile);
    const env = {
        ...process.env,
        MUTATE_FOLDER: folder,
        ...(plan ? { MUTATE_STATIC_PLAN: plan } : {}),
        ...(tests ? { MUTATE_TESTS: JSON.stringify(tests) } : {}),
    };
    const run = spawnSync("npx", args, { cwd: ROOT, stdio: "inherit", env });
    if (run.status !== 0) {
        process.stderr.write(`StrykerJS failed on ${folder} (exit ${run.status ?? run.signal})\n`);
        process.exit(1);
    }
}

/**
 * Both passes over `folder` (or only `files` of it): the first in process with per-test coverage,
 * then the mutants it could not run there (static or unreached), each in a fresh process against
 * the tests that load or run their module. `incremental` names the two result files to reuse and rewrite. Returns the wall seconds.
 */
function mutateFolder(folder, { files, full, incremental }) {
    const started = Date.now();
    // A few changed files run against the tests that load them, not the folder's every test: the
    // dry run (every selected test once, measuring coverage) is most of a small run's time.
    const tests = files ? testsLoading(folder, files) : undefined;
    process.stderr.write(`\n== mutate ${folder}${files ? `: ${files.join(", ")} (${tests.length} test files)` : ""}: in process, per-test coverage\n`);
    runStryker(folder, "stryker.config.mjs", { files, tests, full, incrementalFile: incremental.first });
    tidyResult(incremental.first);
    // The report carries the folder's other files' results too: a run over a few files takes theirs.
    const firstReport = JSON.parse(fs.readFileSync(path.join(ROOT, "reports", "mutation", `${folder}.json`), "utf8"));
    const secondPass = secondPassMutants(firstReport).filter((s) => !files || files.includes(s.file));
    if (secondPass.length) {
        // Quickest first: the run stops at the first failure, so a killed mutant costs about its quickest test.
        const mutated = [...new Set(secondPass.map((s) => s.file))];
        const unreached = [...new Set(secondPass.filter((s) => s.mutant.status === "NoCoverage").map((s) => s.file))];
        const tests = secondPassOrder([...new Set([...testsLoading(folder, mutated), ...testsRunning(unreached)])]);
        const plan = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutate-static-")), "plan.json");
        fs.writeFileSync(plan, JSON.stringify({ ranges: secondPass.map((s) => rangeOf(s.file, s.mutant)), tests }));
        // The command runner sees one test, so StrykerJS would reuse a static mutant's result after its
        // tests changed: a changed or removed test file runs the pass again whole (its results are
        // dropped); test files that only joined run again the mutants that survived (or that no test reached).
        const testsFile = `${incremental.static}.tests`;
        const fingerprints = fingerprintsOf(tests);
        const change = full ? "changed" : testsChange(testsFile, fingerprints);
        if (change === "changed") forgetFiles(incremental.static, mutated);
        const again =
            change === "added"
                ? ` (test files added: the ${forgetUndetected(incremental.static)} undetected again)`
                : change === "changed"
                  ? " (their tests changed: all again)"
                  : "";
        const nested = seedNested(incremental.static, firstReport, secondPass);
        process.stderr.write(
            `\n== mutate ${folder}: ${secondPass.length} static or unreached mutant(s), each in a fresh process${again}; ${nested} nested in their ranges keep the first pass's result\n`,
        );
        runStryker(folder, "test/mutation/static.config.mjs", { incrementalFile: incremental.static, plan });
        tidyResult(incremental.static);
        fs.writeFileSync(testsFile, `${JSON.stringify(fingerprints, null, 2)}\n`);
    }
    return Math.round((Date.now() - started) / 1000);
}

function commit() {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
}

const options = parse(process.argv.slice(2));
if (options.gather) {
    let gathered;
    try {
        gathered = gatherResults(options.gather, RESULTS, Object.keys(FOLDERS));
    } catch (error) {
        fail(error.message);
    }
    for (const { folder, dir } of gathered) process.stdout.write(`${folder}: taken from ${dir}\n`);
    writeScorePage();
    process.exit(0);
}
if (options.page) {
    writeScorePage();
    process.exit(0);
}

if (options.changed) {
    // The committed results stay as they are: each folder's run reads a copy of its last result.
    const changed = changedFiles(options.changed);
    if (changed.size === 0) {
        process.stdout.write(`no source file changed since ${options.changed}: nothing to mutate\n`);
        process.exit(0);
    }
    const below = [];
    for (const [folder, files] of changed) {
        // Copies of the last results, so that a partial run leaves the committed ones as they are.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-mutate-"));
        for (const name of [`${folder}.json`, `${folder}.static.json`, `${folder}.static.json.tests`])
            if (fs.existsSync(path.join(RESULTS, name))) fs.copyFileSync(path.join(RESULTS, name), path.join(dir, name));
        mutateFolder(folder, { files, incremental: { first: path.join(dir, `${folder}.json`), static: path.join(dir, `${folder}.static.json`) } });
        const score = scoreOf(folderReport(folder, dir), files);
        process.stdout.write(`${folder}: ${score.text} over ${files.length} changed file(s)\n`);
        if (score.score !== undefined && score.score < FOLDER_THRESHOLD) below.push(`${folder} ${score.text}`);
    }
    if (below.length) {
        process.stdout.write(`below ${FOLDER_THRESHOLD}%: ${below.join("; ")}\n`);
        process.exit(1);
    }
    process.exit(0);
}

const folders = options.folders.length || options.parts.size ? options.folders : Object.keys(FOLDERS);
const runsFile = path.join(RESULTS, "runs.json");
const runs = [...folders.map((folder) => [folder, undefined]), ...options.parts];
for (const [folder, files] of runs) {
    const incremental = { first: path.join(RESULTS, `${folder}.json`), static: path.join(RESULTS, `${folder}.static.json`) };
    const seconds = mutateFolder(folder, { files, full: options.full, incremental });
    const recorded = fs.existsSync(runsFile) ? JSON.parse(fs.readFileSync(runsFile, "utf8")) : {};
    recorded[folder] = runRecord(recorded[folder], { date: new Date().toISOString().slice(0, 10), commit: commit(), seconds, full: options.full }, files);
    fs.writeFileSync(runsFile, `${JSON.stringify(Object.fromEntries(Object.entries(recorded).sort()), null, 4)}\n`);
}
writeScorePage();
