// Positions in YAML files as problems carry them: a syntax error's own, without YAML's suffix, and
// a located problem never located twice.
import { expect } from "chai";
import * as YAML from "yaml";
import { locateProblems, syntaxProblems, yamlPositions } from "../../stacks/yamlSource";

describe("YAML positions in problems", () => {
    it("give a syntax error's line and column once, in front, whatever their number of digits", () => {
        const lines = Array.from({ length: 10 }, (_, i) => `  key${i}: ${i}`);
        const text = ["config:", ...lines, "  sophia:tiers:            { low: 1 }}", ""].join("\n");
        expect(syntaxProblems(YAML.parseDocument(text), "Pulumi.qa.yaml")).to.deep.equal([
            { where: "Pulumi.qa.yaml:12:38", message: 'Unexpected flow-map-end token in YAML stream: "}"' },
        ]);
    });

    it("leave a problem that already names its line and column as it is", () => {
        const text = "config:\n  sophia:target: nomad\n";
        const problem = { where: "Pulumi.qa.yaml sophia:target", message: "m", source: { file: "Pulumi.qa.yaml", path: ["config", "sophia:target"] } };
        const once = locateProblems([problem], "Pulumi.qa.yaml", text);
        expect(once.map((p) => p.where)).to.deep.equal(["Pulumi.qa.yaml:2:18 sophia:target"]);
        expect(locateProblems(once, "Pulumi.qa.yaml", text)).to.deep.equal(once);
    });
});

describe("YAML positions past the end of a list", () => {
    it("fall back to the list only below the document's top-level key", () => {
        const at = yamlPositions("config:\n  - a\n  - b\nother:\n  list:\n    - c\n");
        expect(at(["config", 2])).to.equal(undefined);
        expect(at(["config", 2, "name"])).to.equal(undefined);
        expect(at(["other", "list", 1])).to.deep.equal({ line: 6, column: 5 });
        expect(at(["other", "list", 0])).to.deep.equal({ line: 6, column: 7 });
    });
});
