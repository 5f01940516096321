// npm run test:coverage-twice: measures the suite's coverage (c8 over its shards, as npm test does) and
// compares it with a second measurement of the same code; exit 1 when any figure differs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { runCommand, UsageError } from "../../commands/command";
import { coverageDifferences, CoverageSummary, differencesReport } from "./compare";

const ROOT = path.resolve(__dirname, "..", "..");

const figuresSchema = z.object({ total: z.number(), covered: z.number(), pct: z.union([z.number(), z.literal("Unknown")]) });
const summarySchema = z.record(z.string(), z.object({ lines: figuresSchema, statements: figuresSchema, functions: figuresSchema, branches: figuresSchema }));

/** A json-summary report, checked for its shape before its figures are trusted. */
function readSummary(file: string): CoverageSummary {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`--first ${file}: no such file; run npm test first, or leave --first out to measure twice`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new UsageError(`--first ${file}: not JSON; expected c8's json-summary report (coverage/coverage-summary.json)`);
    }
    const result = summarySchema.safeParse(parsed);
    if (!result.success || !("total" in result.data)) {
        throw new UsageError(`--first ${file}: not a c8 json-summary report (it needs "total" and per-file lines/statements/functions/branches)`);
    }
    return result.data;
}

/** One measurement into coverage/<name>/; the suite's thresholds and file selection come from .c8rc.json. */
function measure(name: string): CoverageSummary | undefined {
    const dir = path.join("coverage", name);
    process.stdout.write(`\nMeasuring coverage (${name} run) into ${dir}/\n`);
    const c8 = require.resolve("c8/bin/c8.js");
    const runner = ["node", "-r", "ts-node/register/transpile-only", "test/shards/run.ts", "--reporter", "dot"];
    const run = spawnSync(process.execPath, [c8, "--report-dir", dir, "--reporter", "json-summary", "--reporter", "text-summary", ...runner], {
        cwd: ROOT,
        stdio: "inherit",
    });
    if (run.status !== 0) {
        process.stdout.write(`The ${name} run failed (exit ${run.status ?? run.signal}): its figures are not comparable.\n`);
        return undefined;
    }
    return readSummary(path.join(ROOT, dir, "coverage-summary.json"));
}

runCommand(
    {
        name: "npm run test:coverage-twice",
        usage: "[-- --first <coverage-summary.json>]",
        description: "Measures the test suite's coverage and compares it with a second measurement of the same code, file by file.",
        options: {
            first: {
                type: "string",
                value: "<file>",
                description: "the first measurement's json-summary (npm test writes coverage/coverage-summary.json); without it, measures twice",
            },
        },
        examples: ["npm run test:coverage-twice", "npm test && npm run test:coverage-twice -- --first coverage/coverage-summary.json"],
        exitCodes: [
            [0, "both measurements agree on every figure of every file"],
            [1, "a figure differs, or a run failed"],
            [2, "usage error, or --first is not a json-summary report"],
        ],
    },
    (values) => {
        const first = typeof values.first === "string" ? readSummary(path.resolve(values.first)) : measure("first");
        const second = first && measure("second");
        if (!first || !second) return 1;
        const differences = coverageDifferences(first, second, ROOT);
        process.stdout.write(differencesReport(differences, first));
        return differences.length === 0 ? 0 : 1;
    },
);
