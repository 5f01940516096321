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
