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
