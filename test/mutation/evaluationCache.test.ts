// The in-process program evaluation under a mutation run (test/support/program.ts): with one mutant
// switched on, the tests that reached it share one evaluation per config; a new mutant, another
// config and the dry run evaluate afresh; a plain test run shares one evaluation per config. A stale
// evaluation would let a mutant survive on the result of the code without it.
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

    it("evaluates in every test in StrykerJS's dry run (its context on, no mutant), which measures what each test reaches", async () => {
        switchOn(undefined);
        const start = evaluationCount();
        await evaluate(stackConfigOf(stack));
        await evaluate(stackConfigOf(stack));
        expect(evaluationCount() - start).to.equal(2);
    });

    it("shares one evaluation per config in a plain run (no StrykerJS), each test getting its own copy", async () => {
        delete stryker.__stryker__;
        const first = await evaluate(stackConfigOf(stack));
        const start = evaluationCount();
        const second = await evaluate(stackConfigOf(stack));
        expect(evaluationCount() - start).to.equal(0);
        expect(second).to.not.equal(first);
        expect(second.resources).to.deep.equal(first.resources);
        second.resources.length = 0;
        expect((await evaluate(stackConfigOf(stack))).resources).to.deep.equal(first.resources);
        // Another config (another stack's) has its own evaluation, shared in turn (an earlier test file may have made it).
        const otherStack = await evaluate(stackConfigOf(other));
        expect(otherStack.settings).to.not.deep.equal(first.settings);
        const afterOther = evaluationCount();
        await evaluate(stackConfigOf(other));
        expect(evaluationCount()).to.equal(afterOther);
        // A mutant switched on afterwards is not given the plain run's evaluation.
        switchOn("6");
        await evaluate(stackConfigOf(stack));
        expect(evaluationCount()).to.equal(afterOther + 1);
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
