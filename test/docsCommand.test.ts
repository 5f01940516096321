// `sophia docs` as a whole: every stack planned in a temporary folder (a plan with findings still
// counts, any other failure stops the run with the plan's own output), then the pages written or,
// with --check, only listed.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanFile } from "../commands/plan/planFile";
import { docsMain, planAll, StackPlanRun } from "../docs/generate/index";
import { GENERATED_DOCS } from "../docs/generate/list";

/** A planner that writes a minimal plan.json for each stack and answers with `status`; it records the folders it was given. */
function cannedPlanner(status: (stack: string) => number | null) {
    const folders: string[] = [];
    const plan = (stack: string, out: string): StackPlanRun => {
        folders.push(out);
        fs.mkdirSync(path.join(out, stack), { recursive: true });
        fs.writeFileSync(path.join(out, stack, "plan.json"), JSON.stringify({ stack, resources: [] }));
        return { status: status(stack), stderr: `the plan of ${stack} said why\n` };
    };
    return { plan, folders };
}

/** Runs `main` with stdout and stderr captured. */
function captured(main: () => number): { code: number; stdout: string; stderr: string } {
    const out = { stdout: "", stderr: "" };
    const writes = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
    Object.assign(process.stdout, { write: (text: string) => ((out.stdout += text), true) });
    Object.assign(process.stderr, { write: (text: string) => ((out.stderr += text), true) });
    try {
        return { code: main(), ...out };
    } finally {
        Object.assign(process.stdout, { write: writes.stdout });
        Object.assign(process.stderr, { write: writes.stderr });
    }
}

describe("sophia docs: planning the stacks", () => {
    it("reads every stack's plan in the stacks' order, a plan with policy findings (exit 1) included, from a temporary folder it removes", () => {
        const planner = cannedPlanner((stack) => (stack === "staging" ? 1 : 0));
        const plans = planAll(["dev", "staging", "prod"], planner.plan);
        expect(plans.map((p) => p.stack)).to.deep.equal(["dev", "staging", "prod"]);
        const [folder] = new Set(planner.folders);
        expect(path.dirname(folder)).to.equal(os.tmpdir());
        expect(fs.existsSync(folder), "the temporary folder is removed").to.equal(false);
    });

    for (const status of [2, 3, null]) {
        it(`stops at a plan that fails (exit ${status}), with the plan's own output, and removes its temporary folder`, () => {
            const planner = cannedPlanner((stack) => (stack === "staging" ? status : 0));
            expect(() => planAll(["dev", "staging", "prod"], planner.plan)).to.throw(
                `plan of staging failed (exit ${status}):\nthe plan of staging said why\n`,
            );
            expect(planner.folders).to.have.length(2, "no stack after the failed one is planned");
            expect(fs.existsSync(planner.folders[0])).to.equal(false);
        });
    }

    it("plans with the real plan command, and names a stack it cannot plan with the plan's reason", () => {
        expect(() => planAll(["nosuch"])).to.throw(/^plan of nosuch failed \(exit 2\):\n[\s\S]*nosuch/);
    });
});

describe("sophia docs: the pages", () => {
    const noPlans = (): readonly PlanFile[] => [];
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-docs-root-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const written = () => GENERATED_DOCS.filter((doc) => fs.existsSync(path.join(root, doc.file))).map((doc) => doc.file);

    it("--check writes nothing and exits 1 listing the stale pages; without it the pages are written, exit 0", () => {
        const check = captured(() => docsMain({ check: true }, noPlans, root));
        expect(check.code).to.equal(1);
        expect(written()).to.deep.equal([]);
        expect(check.stderr).to.equal(`Stale generated docs (run npm run docs):\n${GENERATED_DOCS.map((doc) => `  ${doc.file}\n`).join("")}`);

        const write = captured(() => docsMain({}, noPlans, root));
        expect(write.code).to.equal(0);
        expect(write.stdout).to.equal(`Wrote ${GENERATED_DOCS.map((doc) => doc.file).join(", ")}\n`);
        expect(written()).to.deep.equal(GENERATED_DOCS.map((doc) => doc.file));

        expect(captured(() => docsMain({ check: true }, noPlans, root))).to.deep.equal({ code: 0, stdout: "Generated docs are up to date.\n", stderr: "" });
    });
});
