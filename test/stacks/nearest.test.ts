// The "did you mean" of every unknown key and field: the nearest candidate, and the first of equals.
import { expect } from "chai";
import { nearest } from "../../stacks/nearest";

describe("the nearest valid name", () => {
    it("takes the closest candidate wherever it is in the list", () => {
        expect(nearest("target", ["target", "targets"])).to.equal("target");
        expect(nearest("target", ["targets", "target"])).to.equal("target");
        expect(nearest("tagret", ["tags", "target", "targets"])).to.equal("target");
    });

    it("keeps the first of candidates that are equally near", () => {
        expect(nearest("target", ["targets", "targetz"])).to.equal("targets");
        expect(nearest("target", ["targetz", "targets"])).to.equal("targetz");
    });

    it("counts a shortened name of 4 characters or more as one edit, and a shorter one by its edits", () => {
        // "regi" is 4 edits from "registry": only the shortened-name rule finds it.
        expect(nearest("regi", ["registry"])).to.equal("registry");
        // "tar" is 3 edits from "target", above the limit of 2: too short to be taken for it.
        expect(nearest("tar", ["target"])).to.equal(undefined);
    });
});

describe("the nearest valid name, ignoring case", () => {
    it("takes a name that differs only in case over a longer one it shortens", () => {
        expect(nearest("HighAvailability", ["highAvailabilityZones", "highAvailability"])).to.equal("highAvailability");
    });
});
