import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { platformCopy } from "./support/esc";
import { ROOT, runPlan } from "./support/plan";

/** A copy of the project whose stack file `stack` is the real one with `edit` applied to its text. */
function withStackFile(stack: string, edit: (text: string) => string): { dir: string; text: string } {
    const dir = platformCopy();
    const original = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
    const text = edit(original);
    expect(text, "the edit changed the stack file").to.not.equal(original);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return { dir, text };
}

const lineOf = (text: string, start: string) => text.split("\n").findIndex((l) => l.startsWith(start)) + 1;

describe("strict stack config, through the plan", function () {
    this.timeout(180_000);
    const dirs: string[] = [];
    after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it("stops prod on a misspelt highAvailability, at its line, before anything is registered", () => {
        const { dir, text } = withStackFile("prod", (t) => t.replace("sophia:highAvailability: true", "sophia:highAvailabilty: true"));
        dirs.push(dir);
        const run = runPlan(["--stack", "prod", "--project-dir", dir]);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include("Invalid input: 1 problem(s)");
        expect(run.stderr).to.include(
            `Pulumi.prod.yaml:${lineOf(text, "  sophia:highAvailabilty:")}:3 sophia:highAvailabilty: got true; unknown key: did you mean sophia:highAvailability?`,
        );
        expect(run.stderr).to.include("No plan written; 0 resources were registered.");
        expect(run.plan).to.equal(undefined);
    });

    it("names the misspelt target itself and a secret nothing uses, not the target it left unset", () => {
        const { dir, text } = withStackFile(
            "dev",
            (t) => `${t.replace("sophia:target: swarm", "sophia:targett: swarm")}  sophia:SEARCH_API_KEY:\n    secure: AAABAJbLyS4=\n`,
        );
        dirs.push(dir);
        const run = runPlan(["--stack", "dev", "--project-dir", dir]);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include("Invalid input: 2 problem(s)");
        expect(run.stderr).to.include(
            `Pulumi.dev.yaml:${lineOf(text, "  sophia:targett:")}:3 sophia:targett: got "swarm"; unknown key: did you mean sophia:target?`,
        );
        expect(run.stderr).to.include(
            `Pulumi.dev.yaml:${lineOf(text, "  sophia:SEARCH_API_KEY:")}:3 sophia:SEARCH_API_KEY: got [secret]; secret SEARCH_API_KEY is supplied but no server or component uses it`,
        );
        expect(run.stderr).to.not.include("AAABAJbLyS4=");
    });

    it("names the line and column of a stack file that is not YAML, with exit 2", () => {
        const { dir, text } = withStackFile("dev", (t) => `${t}  sophia:monitoring: { replicas: [\n`);
        dirs.push(dir);
        const run = runPlan(["--stack", "dev", "--project-dir", dir]);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include("Invalid Pulumi.dev.yaml: ");
        expect(run.stderr).to.include(
            `  - Pulumi.dev.yaml:${text.split("\n").length}:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
        );
        expect(run.stderr).to.not.match(/\n\s+at /);
    });

    it("checks the config the program receives from the engine, also a key no stack file holds", () => {
        const run = runPlan(["--stack", "dev"], { PULUMI_CONFIG: JSON.stringify({ "sophia:tierz": JSON.stringify({ low: { replicas: 0 } }) }) });
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include('  - Pulumi.dev.yaml sophia:tierz: got {"low":{"replicas":0}}; unknown key: did you mean sophia:tiers?');
    });
});
