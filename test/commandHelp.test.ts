// Every command's --help tells a new user what it does, how to call it, what each option means, an
// example to copy and what each exit code means, in lines a terminal shows whole.
import { expect } from "chai";
import { CommandSpec, helpText } from "../commands/command";
import { IMAGES_COMMAND } from "../commands/images/cli";
import { RECORD_COMMAND } from "../commands/images/recordCli";
import { REPORT_COMMAND } from "../commands/images/reportCli";
import { PLAN_COMMAND } from "../commands/plan/cli";
import { PARITY_COMMAND } from "../commands/plan/parityCli";
import { POLICY_COMMAND } from "../commands/policy/cli";
import { DRIFT_COMMAND } from "../commands/release/driftCli";
import { DRILL_COMMAND } from "../commands/release/drillCli";
import { NOTIFY_COMMAND } from "../commands/release/notifyCli";
import { ROLLBACK_COMMAND } from "../commands/release/rollbackCli";
import { VERIFY_COMMAND } from "../commands/release/verifyCli";
import { DOCS_COMMAND } from "../docs/generate/index";
import { BENCH_COMMAND } from "./bench/plan.bench";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { COMMANDS } = require("../commands/sophia.js") as { COMMANDS: [string, string, string][] };

const SPECS: readonly CommandSpec[] = [
    PLAN_COMMAND,
    PARITY_COMMAND,
    POLICY_COMMAND,
    IMAGES_COMMAND,
    RECORD_COMMAND,
    REPORT_COMMAND,
    VERIFY_COMMAND,
    ROLLBACK_COMMAND,
    NOTIFY_COMMAND,
    DRILL_COMMAND,
    DRIFT_COMMAND,
    DOCS_COMMAND,
    BENCH_COMMAND,
];

/** A description line longer than this wraps in the middle of a word in a usual terminal. */
const DESCRIPTION_WIDTH = 110;

describe("every command's --help", () => {
    it("covers every command sophia lists", () => {
        expect(SPECS.map((spec) => spec.name).sort()).to.deep.equal(COMMANDS.map(([name]) => `npm run ${name}`).sort());
    });

    for (const spec of SPECS) {
        describe(spec.name, () => {
            it("says what the command does, in lines a terminal shows whole, and how to call it", () => {
                const lines = spec.description.split("\n");
                expect(lines.every((line) => line.trim().length > 0)).to.equal(true, "no empty description line");
                for (const line of lines) expect(line.length, line).to.be.at.most(DESCRIPTION_WIDTH);
                expect(spec.usage.trim()).to.not.equal("");
            });

            it("describes every option", () => {
                for (const [name, option] of Object.entries(spec.options)) expect(option.description.trim(), `--${name}`).to.not.equal("");
            });

            it("gives examples to copy, none of them empty, and one at least running the command", () => {
                for (const example of spec.examples) expect(example.trim()).to.not.equal("");
                // `npm run -s` is npm run without npm's own lines, as an example piping the output uses it.
                const runs = (example: string) => example.replace(/npm run -s /g, "npm run ").includes(spec.name);
                expect(spec.examples.some(runs)).to.equal(true, `an example runs ${spec.name}`);
            });

            it("says what success and a usage error exit with, and what every exit code means, once each", () => {
                const codes = spec.exitCodes.map(([code]) => code);
                expect(codes).to.include.members([0, 2]);
                expect(codes, "each code once, in order").to.deep.equal([...new Set(codes)].sort((a, b) => a - b));
                for (const [code, meaning] of spec.exitCodes) expect(meaning.trim(), `exit ${code}`).to.not.equal("");
                expect(helpText(spec)).to.include(`Exit codes:\n  0  ${spec.exitCodes[0][1]}`);
            });
        });
    }
});
