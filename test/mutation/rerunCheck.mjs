// Does a test pass when its suite runs again in the same process? StrykerJS's mocha runner
// (@stryker-mutator/mocha-runner, mocha-test-runner.js) loads the test files once, into one Mocha
// with cleanReferencesAfterRun(false), and runs the root suite again for every mutant. A test file
// that does work when it loads (a folder made at module scope and removed in `after`, a list of
// recorded requests never emptied, a server started once) passes the dry run and fails every run
// after: StrykerJS then counts each later mutant it covers as killed, and the score is too high.
//
//   node test/mutation/rerunCheck.mjs [--runs N] [--folder F ...] [--list] [test files or globs ...]
//
// It builds that Mocha the same way (the options StrykerJS merges from .mocharc.yml and
// stryker.config.mjs's mochaOptions, its require hooks, no timeout, its root beforeEach), runs the
// whole suite N times (2 unless --runs says), and prints each test that passed in the first run
// but failed, or did not run, in a later one, with its file and error. No files: every test file
// the mutation run gives a folder (test/mutation/folders.mjs, testsOf), or --folder's only.
// Exit 0: every test passed every run; 1: a test failed (in a later run, or already in the first,
// where StrykerJS's dry run would stop); 2: a usage error.
//
// Unlike StrykerJS it does not stop at the first failure (it would stop each mutant's run there),
// and a later run that takes longer than StrykerJS would wait for a mutant (timeoutFactor times the
// first run's time, plus timeoutMS: a hang StrykerJS counts as a detected "timeout") is reported
// with the test or hook it was in. A run blocking the event loop cannot be seen from inside.
import { createRequire } from "module";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { strykerValidationSchema } from "@stryker-mutator/mocha-runner";
import { FOLDERS, ROOT, testsOf } from "./folders.mjs";

const require = createRequire(import.meta.url);
const Mocha = require("mocha");
const { loadOptions } = require("mocha/lib/cli/options");
const { handleRequires } = require("mocha/lib/cli/run-helpers");
const collectFiles = require("mocha/lib/cli/collect-files");
const lookupFiles = require("mocha/lib/cli/lookup-files");

const USAGE = `usage: node test/mutation/rerunCheck.mjs [--runs N] [--folder F ...] [--list] [test files or globs ...]
  --runs N     run the suite N times in one process (at least 2; default 2)
  --folder F   the test files the mutation run gives folder F (repeatable); folders: ${Object.keys(FOLDERS).join(", ")}
  --list       print the test files it would run, and run nothing
no files and no --folder: every folder's test files`;

function fail(message) {
    process.stderr.write(`${message}\n${USAGE}\n`);
    process.exit(2);
}

/** The test files an argument names: a file, or a glob, relative to the working directory. */
function filesOf(arg) {
    const absolute = path.resolve(arg);
    if (fs.existsSync(absolute) && fs.statSync(absolute).isDirectory()) fail(`"${arg}" is a directory: give its test files or a glob ("${arg}/*.test.ts")`);
    try {
        return [lookupFiles(absolute, ["ts", "js"], false)].flat().map((file) => path.relative(ROOT, path.resolve(file)));
    } catch (error) {
        if (error.code === "ERR_MOCHA_NO_FILES_MATCH_PATTERN") fail(`"${arg}" matches no file`);
        throw error;
    }
}

function parse(argv) {
    const options = { runs: 2, list: false, folders: [], files: [] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--runs") {
            const value = argv[++i];
            if (!/^\d+$/.test(value ?? "") || Number(value) < 2)
                fail(`--runs needs a whole number of at least 2 (the first run and one again), not ${value ?? "nothing"}`);
            options.runs = Number(value);
        } else if (arg === "--folder") {
            const folder = argv[++i];
            if (!folder || !(folder in FOLDERS)) fail(`--folder needs one of the folders, not ${folder ?? "nothing"}`);
            options.folders.push(folder);
        } else if (arg === "--list") options.list = true;
        else if (arg === "--help" || arg === "-h") {
            process.stdout.write(`${USAGE}\n`);
            process.exit(0);
        } else if (arg.startsWith("-")) fail(`unknown option ${arg}`);
        else options.files.push(...filesOf(arg));
    }
    const folders = options.folders.length || options.files.length ? options.folders : Object.keys(FOLDERS);
    options.files = [...new Set([...options.files, ...folders.flatMap((folder) => testsOf(folder))])];
    return options;
}

/** StrykerJS's config, read as a mutation run reads it; MUTATE_TESTS keeps it from listing a folder's tests again. */
async function strykerConfig(folder) {
    const saved = { MUTATE_FOLDER: process.env.MUTATE_FOLDER, MUTATE_TESTS: process.env.MUTATE_TESTS };
    Object.assign(process.env, { MUTATE_FOLDER: folder, MUTATE_TESTS: "[]" });
    try {
        return (await import(pathToFileURL(path.join(ROOT, "stryker.config.mjs")).href)).default;
    } finally {
        for (const [name, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    }
}

/**
 * The mocha options as StrykerJS's MochaOptionsLoader merges them: its defaults, what mocha reads from
 * .mocharc.yml (the options StrykerJS supports only: not the timeout, not parallel), the config's.
 */
function mochaOptions(configured, files) {
    const supported = Object.keys(strykerValidationSchema.properties.mochaOptions.properties);
    const overrides = { ...configured, spec: files };
    const args = ["no-config", "no-opts", "no-package"].filter((flag) => overrides[flag]).map((flag) => `--${flag}`);
    for (const option of ["package", "opts", "config"]) if (overrides[option]) args.push(`--${option}`, overrides[option]);
    const read = loadOptions(args) ?? {};
    const fromFiles = Object.fromEntries(Object.entries(read).filter(([option]) => supported.includes(option)));
    if (read._?.length) fromFiles.spec = [...(fromFiles.spec ?? []), ...read._];
    const defaults = { extension: ["js"], require: [], file: [], ignore: [], spec: ["test"], ui: "bdd", "async-only": false };
    return { ...defaults, ...fromFiles, ...overrides };
}

/** What one run saw: each test or hook that passed or failed, keyed by file and full title. */
let seen;
let current;

/** Mocha's reporter for the runs: records, prints nothing (StrykerJS's reporter is silent too). */
class Recorder {
    constructor(runner) {
        const key = (runnable) => `${runnable.file ?? "(no file)"}\u0000${runnable.parent ? runnable.fullTitle() : runnable.title}`;
        runner.on("test", (test) => (current = `${test.file}: ${test.fullTitle()}`));
        runner.on("hook", (hook) => (current = `${hook.file}: ${hook.fullTitle()}`));
        runner.on("pass", (test) => seen.passed.add(key(test)));
        runner.on("pending", (test) => seen.pending.add(key(test)));
        runner.on("fail", (runnable, error) => seen.failed.set(key(runnable), { hook: runnable.type === "hook", error }));
    }
}

function bail(suite, value) {
    suite.bail(value);
    for (const child of suite.suites) bail(child, value);
}

/** Runs the loaded suite once; resolves when it ends, or with `timedOut` after `limitMs`. */
function runOnce(mocha, limitMs) {
    seen = { passed: new Set(), pending: new Set(), failed: new Map(), timedOut: undefined };
    current = undefined;
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            seen.timedOut = current ?? "(before any test or hook started)";
            resolve(seen);
        }, limitMs);
        mocha.run(() => {
            clearTimeout(timer);
            resolve(seen);
        });
    });
}

const fileOf = (key) => key.slice(0, key.indexOf("\u0000"));
const titleOf = (key) => key.slice(key.indexOf("\u0000") + 1);

/** An error's message (its first lines) and the first frame in a test file, indented. */
function describeError(error) {
    const message = String(error?.message ?? error)
        .split("\n")
        .slice(0, 6)
        .join("\n");
    const frame = String(error?.stack ?? "")
        .split("\n")
        .find((line) => /^\s+at .*[(/]test\//.test(line) && !line.includes("node_modules"));
    return [message, frame?.trim()].filter(Boolean).join("\n").replace(/^/gm, "      ");
}

/** The lines reporting what run `n` lost against the first run; empty when it lost nothing. */
function lostIn(n, first, later) {
    const lines = [];
    const byFile = new Map();
    const add = (key, line) => byFile.set(fileOf(key), [...(byFile.get(fileOf(key)) ?? []), line]);
    for (const [key, { hook, error }] of later.failed) {
        if (first.failed.has(key)) continue;
        const what = hook ? "hook failed" : first.passed.has(key) ? "failed, passed in run 1" : "failed";
        add(key, `  run ${n}: ${titleOf(key)} (${what})\n${describeError(error)}`);
    }
    const unrun = [...first.passed].filter((key) => !later.passed.has(key) && !later.failed.has(key));
    const why = (key) => (later.pending.has(key) ? "skipped" : later.timedOut ? "the run timed out" : "a hook failed");
    for (const key of unrun) add(key, `  run ${n}: ${titleOf(key)} (passed in run 1, did not run: ${why(key)})`);
    for (const [file, found] of byFile) lines.push(path.relative(ROOT, file), ...found);
    if (later.timedOut)
        lines.push(`run ${n} did not end in time (StrykerJS would count a mutant's run this long as a detected timeout); it was in:\n  ${later.timedOut}`);
    return lines;
}

async function main() {
    const options = parse(process.argv.slice(2));
    if (options.list) {
        process.stdout.write(options.files.map((file) => `${file}\n`).join(""));
        return 0;
    }
    if (!options.files.length) fail("no test files to run");
    process.chdir(ROOT);
    const config = await strykerConfig(options.folders[0] ?? Object.keys(FOLDERS)[0]);

    // As StrykerJS's MochaTestRunner.init(): the options, the files, the require hooks, then one Mocha.
    const merged = mochaOptions(config.mochaOptions, options.files);
    const exit = process.exit;
    let files;
    try {
        // mocha's file lookup ends the process when nothing matches; StrykerJS stops that too.
        process.exit = () => {};
        files = collectFiles(merged).files;
    } finally {
        process.exit = exit;
    }
    const rootHooks = merged.require ? (await handleRequires(merged.require))?.rootHooks : undefined;
    const mocha = new Mocha({ reporter: Recorder, timeout: 0, rootHooks });
    mocha.cleanReferencesAfterRun(false);
    for (const file of files) mocha.addFile(file);
    if (merged["async-only"]) mocha.asyncOnly();
    if (merged.ui) mocha.ui(merged.ui);
    if (merged.grep) mocha.grep(merged.grep);
    // StrykerJS's root beforeEach: in the dry run (per-test coverage) it names the current test.
    const instrumenter = (globalThis.__stryker__ ??= {});
    let dryRun = true;
    mocha.suite.beforeEach(function () {
        if (dryRun) instrumenter.currentTestId = this.currentTest?.fullTitle();
    });
    await mocha.loadFilesAsync();
    bail(mocha.suite, false);

    process.stderr.write(`rerunCheck: ${files.length} test file(s), ${options.runs} runs in one process\n`);
    const runs = [];
    let firstMs = 0;
    for (let n = 1; n <= options.runs; n++) {
        // The dry run has no mutant on; every later run has one (test/support/program.ts shares evaluations then).
        dryRun = n === 1;
        instrumenter.activeMutant = dryRun ? undefined : `rerun-check-${n}`;
        const limitMs = n === 1 ? (config.dryRunTimeoutMinutes ?? 5) * 60_000 : (config.timeoutFactor ?? 1.5) * firstMs + (config.timeoutMS ?? 5000);
        const started = Date.now();
        const run = await runOnce(mocha, limitMs);
        const ms = Date.now() - started;
        if (n === 1) firstMs = ms;
        runs.push(run);
        const failing = [...run.failed.values()].length;
        process.stderr.write(
            `run ${n}/${options.runs}: ${run.passed.size} passing, ${failing} failing, ${run.pending.size} pending (${(ms / 1000).toFixed(1)} s)${run.timedOut ? ", timed out" : ""}\n`,
        );
        if (run.timedOut) break;
    }
    delete instrumenter.activeMutant;

    const [first, ...later] = runs;
    const report = [];
    if (first.failed.size || first.timedOut) {
        report.push("Failing in run 1 already (StrykerJS's dry run would stop here):");
        for (const [key, { error }] of first.failed) report.push(`${path.relative(ROOT, fileOf(key))}\n  ${titleOf(key)}\n${describeError(error)}`);
        if (first.timedOut) report.push(`run 1 did not end in time; it was in:\n  ${first.timedOut}`);
    }
    const lost = later.flatMap((run, i) => lostIn(i + 2, first, run));
    if (lost.length) report.push("Passed in run 1, failed or did not run in a later run (StrykerJS counts every later mutant they cover as killed):", ...lost);
    process.stdout.write(`\n${report.length ? report.join("\n") : `rerunCheck: every test passed all ${runs.length} runs`}\n`);
    return report.length ? 1 : 0;
}

// Tests may leave servers or timers behind (StrykerJS ends its workers too): the check ends the process.
main().then(
    (code) => process.exit(code),
    (error) => {
        process.stderr.write(`rerunCheck: ${error?.stack ?? error}\n`);
        process.exit(1);
    },
);
