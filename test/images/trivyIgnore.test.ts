import { expect } from "chai";
import { MAX_ACCEPTANCE_DAYS, readTrivyIgnore, trivyIgnoreProblems } from "../../commands/images/trivyIgnore";

const today = new Date();
const inDays = (days: number) => new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
const file = (entry: string) => `vulnerabilities:\n  - ${entry}\n`;
const REASON = "no fixed bookworm package yet; the affected code path is not reachable from the jobs";

describe("accepted Trivy findings (images/trivyignore.yaml)", () => {
    it("the committed list is valid and has nothing expired", () => {
        expect(trivyIgnoreProblems(readTrivyIgnore(), today)).to.deep.equal([]);
    });
    it("accepts an entry with an id, a reason and an expiry within the review period", () => {
        expect(trivyIgnoreProblems(file(`{ id: CVE-2026-12345, statement: "${REASON}", expired_at: ${inDays(30)} }`), today)).to.deep.equal([]);
    });
    it("fails an expired entry, naming it", () => {
        const problems = trivyIgnoreProblems(file(`{ id: CVE-2026-12345, statement: "${REASON}", expired_at: ${inDays(-1)} }`), today);
        expect(problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
            `trivyignore.yaml vulnerabilities[0] (CVE-2026-12345): expired on ${inDays(-1)}: fix the finding or review it again and set a new expired_at`,
        ]);
    });
    it(`fails an acceptance longer than ${MAX_ACCEPTANCE_DAYS} days`, () => {
        expect(
            trivyIgnoreProblems(file(`{ id: CVE-2026-12345, statement: "${REASON}", expired_at: ${inDays(MAX_ACCEPTANCE_DAYS + 2)} }`), today)[0].message,
        ).to.match(/more than 180 days ahead/);
    });
    it("fails an entry without a reason or an expiry, or with an id Trivy does not use", () => {
        const messages = trivyIgnoreProblems(file(`{ id: "12345", statement: "because" }`), today).map((p) => `${p.where}: ${p.message}`);
        expect(messages.join("\n")).to.match(/vulnerabilities\[0\]\.id: expected a CVE, GHSA or Trivy check id/);
        expect(messages.join("\n")).to.match(/vulnerabilities\[0\]\.statement: say why/);
        expect(messages.join("\n")).to.match(/vulnerabilities\[0\]\.expired_at/);
    });
});
