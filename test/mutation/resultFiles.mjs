// The committed results (test/mutation/results/): what they keep, and what the second (static) pass
// may reuse after its tests change. Its command runner sees one test (the mocha command), so
// StrykerJS cannot tell which test files a result depends on: the files are fingerprinted here
// instead (<folder>.static.json.tests), one hash each.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./folders.mjs";

/** Each test file's content hash, by its path. */
export function fingerprintsOf(tests) {
    return Object.fromEntries(
        tests.map((test) => [
            test,
            createHash("sha256")
                .update(fs.readFileSync(path.join(ROOT, test)))
                .digest("hex"),
        ]),
    );
}

/**
 * How `fingerprints` differ from those recorded in `testsFile`: "same"; "added" when every recorded
 * file is still selected, unchanged, and others joined them; else "changed" (a file changed or left,
 * or there is no record in this form).
 */
export function testsChange(testsFile, fingerprints) {
    let recorded;
    try {
        recorded = JSON.parse(fs.readFileSync(testsFile, "utf8"));
    } catch {
        return "changed";
    }
    if (typeof recorded !== "object" || recorded === null || Array.isArray(recorded)) return "changed";
    if (!Object.entries(recorded).every(([test, hash]) => fingerprints[test] === hash)) return "changed";
    return Object.keys(fingerprints).length === Object.keys(recorded).length ? "same" : "added";
}

/** Results a test file that only joined the others cannot undo: the mutant was detected, or never ran. */
const SETTLED = new Set(["Killed", "Timeout", "CompileError", "RuntimeError"]);

/**
 * Drops from an incremental result every mutant that survived or was reached by no test, so that the
 * next run tests those again (with the added tests) and reuses the rest.
 */
export function forgetUndetected(incrementalFile) {
    if (!fs.existsSync(incrementalFile)) return 0;
    const report = JSON.parse(fs.readFileSync(incrementalFile, "utf8"));
    let forgotten = 0;
    for (const file of Object.values(report.files)) {
        const kept = file.mutants.filter((m) => SETTLED.has(m.status));
        forgotten += file.mutants.length - kept.length;
        file.mutants = kept;
    }
    writeResult(incrementalFile, report);
    return forgotten;
}

/** Drops from an incremental result every result of `files`, so that the next run tests those again. */
export function forgetFiles(incrementalFile, files) {
    if (!fs.existsSync(incrementalFile)) return;
    const report = JSON.parse(fs.readFileSync(incrementalFile, "utf8"));
    for (const file of files) delete report.files[file];
    writeResult(incrementalFile, report);
}

/**
 * Gives the static pass the first pass's result for each mutant nested in a second-pass mutant's range
 * (the statements of a function whose static mutant empties it, the checks inside a rule's object):
 * StrykerJS's mutate ranges select those too, and would run each again in a fresh process. Its
 * command runner reports no coverage, so StrykerJS reuses any result it finds for an unchanged
 * mutant; only those in the ranges are run. A file whose earlier static result was taken on other
 * source is left to StrykerJS's own diff. Returns how many results were added.
 */
export function seedNested(incrementalFile, firstReport, secondPass) {
    const report = fs.existsSync(incrementalFile)
        ? JSON.parse(fs.readFileSync(incrementalFile, "utf8"))
        : { schemaVersion: firstReport.schemaVersion, thresholds: firstReport.thresholds, files: {} };
    const running = new Set(secondPass.map((s) => s.mutant.id));
    let added = 0;
    for (const file of new Set(secondPass.map((s) => s.file))) {
        const current = firstReport.files[file];
        const entry = (report.files[file] ??= { language: current.language, source: current.source, mutants: [] });
        if (entry.source !== current.source) continue;
        const ranges = secondPass.filter((s) => s.file === file).map((s) => s.mutant.location);
        const known = new Set(entry.mutants.map(mutantKey));
        for (const m of current.mutants) {
            if (running.has(m.id) || known.has(mutantKey(m)) || !ranges.some((range) => within(m.location, range))) continue;
            const { id, mutatorName, replacement, location, status } = m;
            entry.mutants.push({ id, mutatorName, replacement, location, status });
            added++;
        }
    }
    writeResult(incrementalFile, report);
    return added;
}

const mutantKey = (m) =>
    `${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName}: ${m.replacement}`;
const before = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
const within = (inner, outer) => before(outer.start, inner.start) && before(inner.end, outer.end);

/**
 * Keeps of a result what the next run and the scores page read: each mutant's place, change, status
 * and tests. A killing test's output (its stack trace), the project's folder and the run's options
 * name the machine and the sandbox it ran in; the full report stays in reports/mutation/.
 */
export function tidyResult(incrementalFile) {
    const report = JSON.parse(fs.readFileSync(incrementalFile, "utf8"));
    delete report.projectRoot;
    delete report.config;
    // An ignored mutant's reason says why (static: the second pass runs it); the others' are test output.
    for (const file of Object.values(report.files)) for (const mutant of file.mutants) if (mutant.status !== "Ignored") delete mutant.statusReason;
    writeResult(incrementalFile, report);
}

function writeResult(file, report) {
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * A folder's entry in runs.json after a run: a whole folder's run replaces it. A run over some of
 * its files (`files`) keeps a complete result complete; before the folder's first whole run, it
 * adds its files to those measured (`files`) and its time to theirs, so the page tells a partial result.
 */
export function runRecord(previous, run, files) {
    if (!files) return run;
    if (previous && !previous.files) return run;
    return { ...run, seconds: (previous?.seconds ?? 0) + run.seconds, files: [...new Set([...(previous?.files ?? []), ...files])].sort() };
}

/**
 * Takes into `resultsDir` the results of the folders measured elsewhere (the weekly workflow runs one
 * folder per job): a folder whose first-pass result `<folder>.json` is in one of `dirs` takes from it
 * its result files, replacing its own (a run with no second pass leaves no static result), and its
 * entry of that directory's runs.json. Throws, changing nothing, when a directory holds no folder's
 * result or two hold the same folder. Returns the folders taken, by directory.
 */
export function gatherResults(dirs, resultsDir, folders) {
    const owners = new Map();
    const problems = [];
    for (const dir of dirs) {
        const owned = folders.filter((folder) => fs.existsSync(path.join(dir, `${folder}.json`)));
        if (!owned.length) problems.push(`${dir}: holds no folder's result (<folder>.json for one of ${folders.join(", ")})`);
        for (const folder of owned) {
            if (owners.has(folder)) problems.push(`${dir}: ${folder} is in ${owners.get(folder)} too; give each folder's result once`);
            else owners.set(folder, dir);
        }
        if (owned.length && !fs.existsSync(path.join(dir, "runs.json")))
            problems.push(`${dir}: has no runs.json, which says when and on which commit its folders ran`);
    }
    if (problems.length) throw new Error(problems.join("\n"));
    const runsFile = path.join(resultsDir, "runs.json");
    const runs = fs.existsSync(runsFile) ? JSON.parse(fs.readFileSync(runsFile, "utf8")) : {};
    for (const [folder, dir] of owners) {
        for (const name of [`${folder}.json`, `${folder}.static.json`, `${folder}.static.json.tests`]) {
            fs.rmSync(path.join(resultsDir, name), { force: true });
            if (fs.existsSync(path.join(dir, name))) fs.copyFileSync(path.join(dir, name), path.join(resultsDir, name));
        }
        const theirs = JSON.parse(fs.readFileSync(path.join(dir, "runs.json"), "utf8"));
        if (theirs[folder]) runs[folder] = theirs[folder];
        else delete runs[folder];
    }
    fs.writeFileSync(runsFile, `${JSON.stringify(Object.fromEntries(Object.entries(runs).sort()), null, 4)}\n`);
    return [...owners].map(([folder, dir]) => ({ folder, dir }));
}
