/**
 * Checkov, a scanner nobody here wrote, over what the platform ships: the Kubernetes manifests of
 * each stack's offline plan, the GitHub workflows and the Dockerfiles. Findings fail unless
 * test/scanners/checkov-accepted.yaml accepts them with a reason; docs/07-security/scanner-findings.md
 * is generated from that list.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const CHECKOV_VERSION = "3.3.30";
export const ACCEPTED_FILE = path.join(__dirname, "checkov-accepted.yaml");

export interface AcceptedFinding {
    readonly check: string;
    readonly resources: readonly string[];
    readonly reason: string;
}

export interface Finding {
    readonly check: string;
    readonly name: string;
    readonly resource: string;
    readonly file: string;
}

export function readAccepted(file = ACCEPTED_FILE): AcceptedFinding[] {
    const data = YAML.parse(fs.readFileSync(file, "utf8")) as { accepted?: AcceptedFinding[] };
    return data.accepted ?? [];
}

/** A resource pattern: "*" matches any run of characters. */
const matches = (pattern: string, value: string): boolean => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);

export const acceptedBy = (finding: Finding, accepted: readonly AcceptedFinding[]): AcceptedFinding | undefined =>
    accepted.find((a) => a.check === finding.check && a.resources.some((r) => matches(r, finding.resource)));

/** A virtualenv with the pinned Checkov, created on first use (pip from PyPI), bounded in time. */
export const ensureCheckov = (venv: string): string => ensurePipTool(venv, { pip: "checkov", version: CHECKOV_VERSION, binary: "checkov" });

/**
 * A tool from PyPI in a virtualenv, installed on first use at the pinned version: `binary --version`
 * must mention it, or pip installs it again.
 */
export function ensurePipTool(venv: string, tool: { pip: string; version: string; binary: string }): string {
    const binary = path.join(venv, "bin", tool.binary);
    const version = fs.existsSync(binary) ? spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 120_000 }).stdout.trim() : "";
    if (version.split(/\s+/).includes(tool.version)) return binary;
    const run = (command: string, args: string[]) => {
        const r = spawnSync(command, args, { encoding: "utf8", timeout: 900_000 });
        if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}`);
    };
    run("python3", ["-m", "venv", venv]);
    run(path.join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", `${tool.pip}==${tool.version}`]);
    return binary;
}

/** Runs Checkov over a directory or file for one framework; returns every failed check. */
export function scan(checkov: string, target: { dir?: string; file?: string }, framework: string): Finding[] {
    const where = target.dir ? ["-d", target.dir] : ["-f", target.file!];
    const r = spawnSync(checkov, [...where, "--framework", framework, "--quiet", "--compact", "-o", "json", "--skip-download"], {
        encoding: "utf8",
        timeout: 600_000,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, BC_SKIP_MAPPING: "TRUE" },
    });
    // Exit 1 means "findings"; anything else without JSON is Checkov failing.
    if (r.status !== 0 && r.status !== 1) throw new Error(`checkov failed (${r.status ?? r.signal}):\n${r.stderr}`);
    const parsed = JSON.parse(r.stdout) as unknown;
    const reports = (Array.isArray(parsed) ? parsed : [parsed]) as { results?: { failed_checks?: Record<string, unknown>[] } }[];
    return reports.flatMap((report) =>
        (report.results?.failed_checks ?? []).map((f) => ({
            check: String(f.check_id),
            name: String(f.check_name),
            resource: String(f.resource),
            file: String(f.file_path),
        })),
    );
}
