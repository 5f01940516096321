// How input problems read: the error's name, values cut to one line, bounds of sets, unknown fields
// with no schema to suggest from, and when a field's own message already names the value it got.
import { expect } from "chai";
import { z } from "zod";
import { formatValue, friendlyIssueMessage, InvalidInputError, objectKeysAt, valueAt, zodProblems } from "../../stacks/problems";

const problemsOf = (schema: z.ZodType, data: unknown, withData = true) => {
    const parsed = schema.safeParse(data, { error: friendlyIssueMessage });
    expect(parsed.success, "the data is invalid").to.equal(false);
    return zodProblems(parsed.error!.issues, (p) => p.join("."), withData ? { data, schema } : {}).map((p) => `${p.where}: ${p.message}`);
};

describe("input problems, as a user reads them", () => {
    it("come as an InvalidInputError, named so in a printed error", () => {
        const error = new InvalidInputError("Invalid input", [{ where: "Pulumi.qa.yaml sophia:target", message: "not set" }]);
        expect(String(error)).to.equal("InvalidInputError: Invalid input: 1 problem(s)\n  - Pulumi.qa.yaml sophia:target: not set");
    });

    it("show a value of up to 80 characters whole, and cut a longer one to 80 with an ellipsis", () => {
        const exactly80 = "x".repeat(78);
        expect(formatValue(exactly80)).to.equal(JSON.stringify(exactly80));
        const longer = formatValue("x".repeat(79));
        expect(longer).to.have.length(80);
        expect(longer.endsWith("...")).to.equal(true);
    });

    it("count the items of a set, and take a bound zod leaves unmarked as inclusive", () => {
        expect(problemsOf(z.strictObject({ hosts: z.set(z.string()).min(2) }), { hosts: new Set(["a"]) })[0]).to.match(/expected at least 2 item\(s\)$/);
        const raw = { code: "too_small", minimum: 3, origin: "number", input: 1 } as unknown as Parameters<typeof friendlyIssueMessage>[0];
        expect(friendlyIssueMessage(raw)).to.equal("expected at least 3");
    });

    it("report an unknown field without suggestions when there is no schema to take them from", () => {
        const parsed = z.strictObject({ name: z.string() }).safeParse({ name: "a", extra: 1 });
        const [problem] = zodProblems(parsed.error!.issues, (p) => p.join("."), { data: { name: "a", extra: 1 } });
        expect(problem.message).to.equal("got 1; unknown field");
    });

    it("report a field that is set but wrong, next to a misspelling of it", () => {
        const schema = z.strictObject({ target: z.enum(["swarm", "k3s"]) });
        expect(problemsOf(schema, { target: "nomad", targett: "k3s" })).to.deep.equal([
            'target: got "nomad"; expected one of swarm | k3s',
            'targett: got "k3s"; unknown field: did you mean target?',
        ]);
    });

    it("name no value when the data is not given", () => {
        expect(problemsOf(z.strictObject({ count: z.number() }), { count: "3" }, false)).to.deep.equal(["count: expected a number"]);
    });

    it("add the value to a field's own message unless the message names it as a word", () => {
        const own = (message: string) => z.strictObject({ answer: z.string().refine(() => false, message) });
        const answer = (value: string | undefined, message: string) => problemsOf(own(message), value === undefined ? {} : { answer: value })[0];
        // Named as a word: not repeated; a word of fewer than 3 characters is not looked for.
        expect(answer("yes", "expected yes or no, not yes")).to.equal("answer: expected yes or no, not yes");
        expect(answer("no", "expected yes, not no")).to.equal('answer: got "no"; expected yes, not no');
        // Special characters of the value are taken literally.
        expect(answer("1.5x", "1.5x is not a size")).to.equal("answer: 1.5x is not a size");
        expect(answer("1a5x", "1.5x is not a size")).to.equal('answer: got "1a5x"; 1.5x is not a size');
        // A missing value is "not set", even when the message says "nothing".
        const required = z.strictObject({ answer: z.string({ error: "expected an answer, nothing else" }) });
        expect(problemsOf(required, {})).to.deep.equal(["answer: not set; expected an answer, nothing else"]);
    });

    it("find no value past null or a scalar", () => {
        expect(valueAt({ a: null }, ["a", "b"])).to.equal(undefined);
        expect(valueAt({ a: "text" }, ["a", "length"])).to.equal(undefined);
        expect(valueAt({ a: [{ b: 2 }] }, ["a", 0, "b"])).to.equal(2);
    });

    it("find no fields inside a list of scalars or past a scalar", () => {
        const schema = z.strictObject({ tags: z.array(z.string()), name: z.string(), nested: z.strictObject({ size: z.number() }).optional() });
        expect(objectKeysAt(schema, ["tags", 0])).to.deep.equal([]);
        expect(objectKeysAt(schema, ["name", "x"])).to.deep.equal([]);
        expect(objectKeysAt(schema, ["nested"])).to.deep.equal(["size"]);
    });
});
