// Mutation scores from StrykerJS's reports (the mutation-testing-report schema), by
// mutation-testing-metrics, the library StrykerJS itself scores with: killed and timed-out mutants over
// all valid ones (survivors and uncovered ones count against; mutants that do not compile do not count).
import * as fs from "fs";
import * as path from "path";
import { calculateMetrics } from "mutation-testing-metrics";
import { FOLDERS, ROOT, sourceFiles } from "./folders.mjs";

export const RESULTS = path.join(ROOT, "test", "mutation", "results");
export const PAGE = path.join(ROOT, "docs", "02-development", "mutation-score.md");
export const OVERALL_THRESHOLD = 90;
export const FOLDER_THRESHOLD = 85;

/** The score of a report's files (all of them, or those named), with the counts behind it. */
export function scoreOf(report, only) {
    const files = only ? Object.fromEntries(Object.entries(report.files).filter(([name]) => only.includes(name))) : report.files;
    const { metrics } = calculateMetrics(files);
    const score = metrics.totalValid ? metrics.mutationScore : undefined;
    return { metrics, score, text: score === undefined ? "no mutants" : `${score.toFixed(1)}%` };
}

const STATIC = /^Static mutant/;
const key = (file, m) =>
    `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column}:${m.mutatorName}:${m.replacement}`;

/**
 * The mutants the first pass could not judge in its process: the static ones (left out as "Ignored",
 * or run because a test loaded their module, which then kept the value it computed before the mutant
 * was active, so they survive whatever the tests check) and those no in-process test reaches
 * ("NoCoverage": code that runs in a child process, such as a job's program or a command). The
 * second pass runs each in a fresh process.
 */
export const secondPass = (m) => staticNotRunYet(m) || (m.static === true && m.status === "Survived") || m.status === "NoCoverage";

/** A static mutant the first pass left out ("Ignored" with StrykerJS's reason), not run by a second pass yet. */
const staticNotRunYet = (m) => m.status === "Ignored" && STATIC.test(m.statusReason ?? "");

/** The first pass's mutants for the second pass (`secondPass`), with their files. */
export function secondPassMutants(report) {
    return Object.entries(report.files).flatMap(([file, { mutants }]) => mutants.filter(secondPass).map((m) => ({ file, mutant: m })));
}

/** A StrykerJS mutate range that selects exactly `mutant` (ranges count columns from 0, reports from 1). */
export function rangeOf(file, mutant) {
    const { start, end } = mutant.location;
    return `${file}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`;
}

/** The first pass's report with the second pass's result for each mutant it ran (static or unreached). */
export function mergeStatic(report, staticReport) {
    if (!staticReport) return report;
    const second = new Map(Object.entries(staticReport.files).flatMap(([file, { mutants }]) => mutants.map((m) => [key(file, m), m])));
    const files = Object.fromEntries(
        Object.entries(report.files).map(([file, entry]) => [
            file,
            {
                ...entry,
                mutants: entry.mutants.map((m) => (secondPass(m) && second.get(key(file, m))) || m),
            },
        ]),
    );
    return { ...report, files };
}

/** A folder's last result: its first pass merged with its static pass (undefined when never measured). */
export function folderReport(folder, dir = RESULTS) {
    const read = (name) => (fs.existsSync(path.join(dir, name)) ? JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) : undefined);
    const first = read(`${folder}.json`);
    return first && mergeStatic(first, read(`${folder}.static.json`));
}

const percent = (value) => (value === undefined ? "–" : `${value.toFixed(1)}%`);

/** The scores page: one row per folder with the date and commit its last result was measured on. */
export function scorePage(dir = RESULTS) {
    const runsFile = path.join(dir, "runs.json");
    const runs = fs.existsSync(runsFile) ? JSON.parse(fs.readFileSync(runsFile, "utf8")) : {};
    const rows = [];
    const measured = [];
    const incomplete = [];
    const partial = [];
    for (const folder of Object.keys(FOLDERS)) {
        const report = folderReport(folder, dir);
        if (!report) {
            rows.push(`| \`${folder}\` | not measured yet | | | | | | | | | |`);
            continue;
        }
        measured.push(report);
        const { metrics, score } = scoreOf(report);
        const run = runs[folder] ?? {};
        // A static mutant still "Ignored" after the merge is one the second pass has not run: the score is not the folder's yet.
        const notRun = staticNotRun(report);
        if (notRun) incomplete.push(folder);
        // Measured in parts (`npm run mutate -- components/edge`) and never whole: the score is of those files only.
        if (run.files) partial.push(`\`${folder}\` (${run.files.length} of ${sourceFiles(FOLDERS[folder]).length} files)`);
        const verdict = score === undefined ? "" : run.files ? "partial" : notRun ? "incomplete" : score >= FOLDER_THRESHOLD ? "meets" : "below";
        rows.push(
            `| \`${folder}\` | ${percent(score)} ${verdict} | ${Object.keys(report.files).length} | ${metrics.totalValid} | ${metrics.killed + metrics.timeout} | ${metrics.survived} | ${metrics.noCoverage} | ${metrics.compileErrors} | ${metrics.ignored - notRun} | ${notRun} | ${run.date ?? "?"}, \`${run.commit ?? "?"}\`, ${run.seconds === undefined ? "?" : `${Math.round(run.seconds / 60)} min`} |`,
        );
    }
    const all = measured.length ? scoreOf({ files: Object.assign({}, ...measured.map((r) => r.files)) }) : undefined;
    return `<!-- Generated by \`npm run mutate\` (test/mutation/scores.mjs) from test/mutation/results/: do not edit. -->
# Mutation scores

Score = killed (and timed-out) mutants over all valid mutants; a survivor or a mutant no test
reaches counts against it, a mutant that does not compile does not count. Goals: at least
${OVERALL_THRESHOLD}% overall and ${FOLDER_THRESHOLD}% in every folder. How the runs work and how to read a
survivor: [mutation testing](mutation-testing.md).

Overall, over the measured folders: **${all ? all.text : "nothing measured yet"}** (${measured.length} of ${Object.keys(FOLDERS).length} folders${partial.length ? `; only part of ${partial.join(", ")}` : ""}${incomplete.length ? `; without the static mutants of ${incomplete.map((f) => `\`${f}\``).join(", ")}, whose second pass has not run` : ""}).

| folder | score | files | valid mutants | killed | survived | no test reaches | do not compile | disabled (reason in the code) | static, not run | measured (date, commit, wall time) |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
}

/** The static mutants of a merged report that the second pass has not run. */
export function staticNotRun(report) {
    return Object.values(report.files).reduce((count, { mutants }) => count + mutants.filter(staticNotRunYet).length, 0);
}

export function writeScorePage() {
    fs.writeFileSync(PAGE, scorePage());
    process.stdout.write(`wrote ${path.relative(ROOT, PAGE)}\n`);
}
