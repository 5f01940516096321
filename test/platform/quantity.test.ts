// Memory quantities as the catalog and the stack files write them, in the bytes Swarm limits a task
// to, Redis's maxmemory and the memory alerts' thresholds are computed from. What the catalog's
// schema accepts converts as the Kubernetes API server reads it; anything else is refused by name,
// never read as some other size.
import { expect } from "chai";
import { memoryQuantity } from "../../catalog/schema";
import { memoryBytes } from "../../components/platform/quantity";

const GiB = 2 ** 30;

describe("memory quantities", () => {
    it("converts every binary unit, and fractions of one, as Kubernetes does", () => {
        const cases: [string, number][] = [
            ["64Ki", 64 * 2 ** 10],
            ["512Mi", 512 * 2 ** 20],
            ["1Gi", GiB],
            ["2Ti", 2 * 2 ** 40],
            ["1.5Gi", 1.5 * GiB],
            ["0.25Gi", GiB / 4],
            ["2.125Mi", 2.125 * 2 ** 20],
        ];
        for (const [quantity, bytes] of cases) {
            expect(memoryQuantity.safeParse(quantity).success, `the catalog accepts ${quantity}`).to.equal(true);
            expect(memoryBytes(quantity), quantity).to.equal(bytes);
        }
    });

    it("refuses, naming it, every quantity the catalog's schema refuses: a decimal or Docker unit, a sign, a prefix, a suffix", () => {
        for (const quantity of ["512MiB", "512M", "1G", "-1Gi", "+1Gi", "~1Gi", "x512Mi", " 1Gi", "1Gi ", "1Gi5", "1.Gi", ".5Gi", "1e3Mi", "512"]) {
            expect(memoryQuantity.safeParse(quantity).success, `the catalog refuses ${JSON.stringify(quantity)}`).to.equal(false);
            expect(() => memoryBytes(quantity), JSON.stringify(quantity)).to.throw(Error, `not a memory quantity: ${quantity}`);
        }
    });
});
