// npm run images:report -- --reports <dir> [--failed <file>] [--severity <list>]
// The weekly container audit's issue body, from the Trivy JSON reports of every scanned image.
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { renderAudit, TrivyReport, trivyReportSchema } from "./trivyReport";

export const REPORT_COMMAND: CommandSpec = {
    name: "npm run images:report",
    usage: "-- --reports <dir> [--failed <file>] [--severity <list>]",
    description: [
        "Renders Trivy's JSON reports (trivy image --format json, one *.json per image) as the container",
        "audit's markdown: counts per image, then findings by severity.",
    ].join("\n"),
    options: {
        reports: { type: "string", value: "<dir>", description: "the folder of Trivy JSON reports" },
        failed: { type: "string", value: "<file>", description: "images that could not be scanned: one `<image><TAB><reason>` per line" },
        severity: { type: "string", value: "<list>", description: "the severities the scan reported (default HIGH,CRITICAL)" },
    },
    examples: ["npm run -s images:report -- --reports reports/ --failed reports/failed.tsv > issue.md"],
    exitCodes: [
        [0, "rendered (findings or not)"],
        [2, "usage error, or a report that is not Trivy JSON (named)"],
        [3, "unexpected failure"],
    ],
};

function readReport(file: string): TrivyReport {
    let data: unknown;
    try {
        data = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
    }
    const parsed = trivyReportSchema.safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UsageError(`${file} is not a Trivy JSON report (SchemaVersion 2): ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    return parsed.data;
}

function readFailures(file: string | undefined): { image: string; reason: string }[] {
    if (file === undefined) return [];
    if (!fs.existsSync(file)) throw new UsageError(`--failed: ${file} does not exist`);
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
            const [image, ...reason] = line.split("\t");
            return { image, reason: reason.join(" ") || "scan failed" };
        });
}

function report(values: CommandValues): number {
    if (!values.reports) throw new UsageError("--reports <dir> is required");
    const dir = String(values.reports);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--reports: ${dir} is not a folder`);
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort();
    const reports = files.map((f) => readReport(path.join(dir, f)));
    const severities = String(values.severity ?? "HIGH,CRITICAL");
    process.stdout.write(renderAudit({ reports, failures: readFailures(values.failed as string | undefined), severities }));
    return 0;
}

/** What `sophia images:report` runs (commands/sophia.js). */
export const command: Command = { spec: REPORT_COMMAND, main: report };

if (require.main === module) runCommand(REPORT_COMMAND, report);
