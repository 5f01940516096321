// The in-process program evaluation under a mutation run (test/support/program.ts): with one mutant
// switched on, the tests that reached it share one evaluation per config; a new mutant, another
// config, the dry run and a plain test run evaluate afresh. A stale evaluation would let a mutant
// survive on the result of the code without it.
import { expect } from "chai";
import { platformStacks } from "../../esc/needs";
import { ROOT } from "../support/plan";
import { evaluate, evaluationCount, stackConfigOf } from "../support/program";

type StrykerGlobal = { __stryker__?: { activeMutant?: string } };
const stryker = globalThis as StrykerGlobal;

describe("the program's evaluation in a mutation run", function () {
    this.timeout(120_000);
    const [stack, other] = platformStacks(ROOT);
    const before = stryker.__stryker__;
    afterEach(() => {
        if (before === undefined) delete stryker.__stryker__;
        else stryker.__stryker__ = before;
    });
    const switchOn = (activeMutant: string | undefined) => (stryker.__stryker__ = { ...before, activeMutant });

    it("evaluates in every test when no mutant is on (a plain run, StrykerJS's dry run)", async () => {
        switchOn(undefined);
        const start = evaluationCount();
        await evaluate(stackConfigOf(stack));
        await evaluate(stackConfigOf(stack));
        expect(evaluationCount() - start).to.equal(2);
    });

    it("shares one evaluation per config while one mutant is on, each test getting its own copy", async () => {
        switchOn("7");
        const start = evaluationCount();
        const first = await evaluate(stackConfigOf(stack));
        const second = await evaluate(stackConfigOf(stack));
        expect(evaluationCount() - start).to.equal(1);
        expect(second).to.not.equal(first);
        expect(second.resources).to.deep.equal(first.resources);
        expect([...second.artifacts.keys()]).to.deep.equal([...first.artifacts.keys()]);
        // A test that changes its copy changes no other test's.
        second.resources.length = 0;
        expect((await evaluate(stackConfigOf(stack))).resources).to.deep.equal(first.resources);
        // Another config (another stack's) is evaluated on its own.
        await evaluate(stackConfigOf(other));
        expect(evaluationCount() - start).to.equal(2);
    });

    it("evaluates again when another mutant is switched on", async () => {
        switchOn("8");
        const start = evaluationCount();
        await evaluate(stackConfigOf(stack));
        switchOn("9");
        await evaluate(stackConfigOf(stack));
        switchOn("9");
        await evaluate(stackConfigOf(stack));
        expect(evaluationCount() - start).to.equal(2);
    });
});
