import { z } from "zod";

/** The parts of Trivy's JSON report (`trivy image --format json`, SchemaVersion 2) the audit issue shows. */
const vulnerability = z.object({
    VulnerabilityID: z.string(),
    PkgName: z.string(),
    InstalledVersion: z.string().default(""),
    FixedVersion: z.string().optional(),
    Severity: z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]),
    Title: z.string().optional(),
    PrimaryURL: z.string().optional(),
});

export const trivyReportSchema = z.object({
    SchemaVersion: z.literal(2),
    ArtifactName: z.string(),
    Results: z.array(z.object({ Target: z.string(), Class: z.string().optional(), Vulnerabilities: z.array(vulnerability).nullish() })).nullish(),
});

export type TrivyReport = z.infer<typeof trivyReportSchema>;
type Vulnerability = z.infer<typeof vulnerability>;

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;

/** Table cells hold one line and no pipe. */
const cell = (value: string | undefined): string => (value ?? "").replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

function row(v: Vulnerability): string {
    const id = v.PrimaryURL ? `[${cell(v.VulnerabilityID)}](${v.PrimaryURL})` : cell(v.VulnerabilityID);
    return `| ${v.Severity} | ${id} | ${cell(v.PkgName)} | ${cell(v.InstalledVersion)} | ${cell(v.FixedVersion) || "no fix yet"} | ${cell(v.Title)} |`;
}

/** One image's findings, most severe first, each vulnerability once per package even when several targets list it. */
function findingsOf(report: TrivyReport): Vulnerability[] {
    const seen = new Map<string, Vulnerability>();
    for (const result of report.Results ?? [])
        for (const v of result.Vulnerabilities ?? []) seen.set(`${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion}`, v);
    return [...seen.values()].sort(
        (a, b) => SEVERITIES.indexOf(a.Severity) - SEVERITIES.indexOf(b.Severity) || a.VulnerabilityID.localeCompare(b.VulnerabilityID),
    );
}

export interface AuditInput {
    readonly reports: readonly TrivyReport[];
    /** Images Trivy could not scan (not pullable, registry down), with the reason. */
    readonly failures?: readonly { image: string; reason: string }[];
    /** What the scan reported: "HIGH,CRITICAL". */
    readonly severities: string;
}

/** The container audit issue's body: a summary line per image, then each image's findings grouped by severity. */
export function renderAudit({ reports, failures = [], severities }: AuditInput): string {
    const images = [...reports].sort((a, b) => a.ArtifactName.localeCompare(b.ArtifactName)).map((r) => ({ name: r.ArtifactName, findings: findingsOf(r) }));
    const total = images.reduce((n, i) => n + i.findings.length, 0);
    const lines = [`Scanned ${images.length} image(s) for ${severities} vulnerabilities not in images/trivyignore.yaml.`, ""];
    if (total === 0 && failures.length === 0) return [...lines, "No findings."].join("\n") + "\n";
    lines.push("| image | " + SEVERITIES.join(" | ") + " |", "|---|" + SEVERITIES.map(() => "---").join("|") + "|");
    for (const image of images.filter((i) => i.findings.length > 0)) {
        const counts = SEVERITIES.map((s) => image.findings.filter((f) => f.Severity === s).length);
        lines.push(`| \`${image.name}\` | ${counts.join(" | ")} |`);
    }
    const clean = images.filter((i) => i.findings.length === 0).length;
    lines.push("", `${clean} image(s) without findings.`);
    for (const image of images.filter((i) => i.findings.length > 0)) {
        lines.push("", `### \`${image.name}\``, "", "| severity | vulnerability | package | installed | fixed in | title |", "|---|---|---|---|---|---|");
        lines.push(...image.findings.map(row));
    }
    if (failures.length > 0) {
        lines.push("", "### Not scanned", "", ...failures.map((f) => `- \`${f.image}\`: ${cell(f.reason)}`));
    }
    return lines.join("\n") + "\n";
}
