// .github/scripts/deployed-stacks.sh: the nightly drift check and the monthly drill run only for
// stacks that exist in Pulumi Cloud. Run for real (bash, jq) with a stand-in `pulumi` on PATH that
// answers `pulumi stack ls --json` as the CLI does; shellcheck judges the script.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformStacks } from "../../esc/needs";
import { ROOT } from "../support/plan";
import { requireBinary } from "../support/tools";

const SCRIPT = path.join(ROOT, ".github", "scripts", "deployed-stacks.sh");
const stacks = platformStacks(ROOT);

describe(".github/scripts/deployed-stacks.sh", () => {
    let bin: string;
    before(() => {
        requireBinary("jq");
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-deployed-"));
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));

    /** Runs the script with a `pulumi` that prints `answer` (or fails) and records its arguments. */
    function run(answer: string | { fail: string }, input = JSON.stringify(stacks)) {
        const fake = typeof answer === "string" ? `cat <<'JSON'\n${answer}\nJSON` : `echo '${answer.fail}' >&2; exit 255`;
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" > "${bin}/args"\n${fake}\n`, { mode: 0o755 });
        const result = spawnSync("bash", [SCRIPT], {
            input,
            encoding: "utf8",
            env: { PATH: `${bin}:${process.env.PATH}`, PULUMI_ORGANIZATION: "sophia-ai" },
        });
        return {
            code: result.status,
            stdout: result.stdout,
            stderr: result.stderr,
            args: fs.existsSync(path.join(bin, "args")) ? fs.readFileSync(path.join(bin, "args"), "utf8").trim() : "",
        };
    }

    it("is shellcheck-clean", () => {
        const result = spawnSync(requireBinary("shellcheck"), [SCRIPT], { encoding: "utf8" });
        expect(result.status, result.stdout).to.equal(0);
    });

    it("keeps the stack files' stacks that Pulumi Cloud has, plain or fully qualified, and names each one left out", () => {
        const [first, second, ...rest] = stacks;
        const answer = JSON.stringify([
            { name: first, current: false, resourceCount: 133 },
            { name: `sophia-ai/sophia/${second}`, current: false, resourceCount: 300 },
            { name: "some-other-stack", current: false },
        ]);
        const result = run(answer);
        expect(result.code, result.stderr).to.equal(0);
        expect(JSON.parse(result.stdout)).to.deep.equal([first, second]);
        expect(result.args).to.equal("stack ls --organization sophia-ai --project sophia --json");
        for (const stack of rest)
            expect(result.stderr).to.include(`::notice::stack ${stack} has a stack file but no stack in Pulumi Cloud (sophia-ai/sophia/${stack}): skipped`);
        expect(result.stderr).to.not.include("some-other-stack");
    });

    it("prints an empty list when none is deployed", () => {
        const result = run("[]");
        expect(result.code).to.equal(0);
        expect(JSON.parse(result.stdout)).to.deep.equal([]);
    });

    it("fails, skipping nothing, when pulumi stack ls fails", () => {
        const result = run({ fail: "error: getting stacks: 401 Unauthorized" });
        expect(result.code).to.not.equal(0);
        expect(result.stdout).to.equal("");
        expect(result.stderr).to.include("401 Unauthorized");
    });
});
