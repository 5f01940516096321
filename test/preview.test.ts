import { expect } from "chai";
import { changeLines, countsLine, displayType, formatPreview, formatValue } from "../commands/plan/preview";
import type { PlanFile } from "../commands/plan/planFile";

import { planOf } from "./support/plan";

/** The prod plan, deep-copied so a test can change it. */
const prodPlan = (): PlanFile => JSON.parse(JSON.stringify(planOf("prod").plan)) as PlanFile;

describe("the plan preview (pulumi preview's tree)", () => {
    it("lists every resource under its parent, with tree branches, type and name", () => {
        const plan = prodPlan();
        const { lines, counts } = formatPreview(plan);
        expect(lines[0]).to.match(/^ {5}Type +Name +Plan$/);
        expect(lines).to.have.length(plan.resources.length + 1);
        expect(lines[1]).to.match(/^ \+ {3}pulumi:pulumi:Stack +sophia-prod +create$/);
        const server = lines.findIndex((l) => / sophia:platform:McpServer +codacy +create$/.test(l));
        expect(lines[server + 1], "a server's children follow it, one level deeper").to.match(/^ \+ {3}│ {2}├─ kubernetes:\S+ +codacy-\S+ +create$/);
        expect(counts).to.equal(`Resources: + ${plan.resources.length} to create`);
    });

    it("against a previous plan: +, ~ with old → new, - for what is gone, and sames only as parents", () => {
        const before = prodPlan();
        const after = prodPlan();
        const secret = after.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && JSON.stringify(r.inputs).includes("[secret]"))!;
        const metadata = secret.inputs.metadata as { name: string };
        const oldName = metadata.name;
        metadata.name = `${oldName}-renamed`;
        const gone = after.resources.findIndex((r) => r.name === "codacy-netpol");
        const [removed] = after.resources.splice(gone, 1);
        const { lines, counts } = formatPreview(after, { before });
        const text = lines.join("\n");
        expect(text).to.match(new RegExp(`^ - +[│ ]*[├└]─ kubernetes:networking.k8s.io/v1:NetworkPolicy +${removed.name} +delete$`, "m"));
        expect(text).to.match(
            new RegExp(`^ ~ +[│ ]*[├└]─ kubernetes:core/v1:Secret +${secret.name} +update\\n[ │]+~ metadata\\.name: "${oldName}" → "${oldName}-renamed"$`, "m"),
        );
        expect(text).to.match(/^ {5}pulumi:pulumi:Stack +sophia-prod$/m);
        expect(text).to.not.match(/McpServer +ai-memory/);
        expect(text).to.not.include("[secret] →");
        expect(counts).to.equal(`Resources: ~ 1 to update, - 1 to delete, ${after.resources.length - 1} unchanged`);
        expect(formatPreview(after, { before, showSames: true }).lines).to.have.length(before.resources.length + 1 + 1);
        expect(formatPreview(before, { before }).counts).to.equal(`Resources: no changes, ${before.resources.length} unchanged`);
    });

    it("shows values on one line, secrets as [secret], and a changed file by its changed lines", () => {
        expect(formatValue("[secret]")).to.equal("[secret]");
        expect(formatValue({ a: 1 })).to.equal('{"a":1}');
        expect(formatValue("x".repeat(500)))
            .to.have.length(120)
            .and.match(/…$/);
        expect(changeLines({ path: "inputs.spec.replicas", before: 2, after: 3 })).to.deep.equal(["~ spec.replicas: 2 → 3"]);
        expect(changeLines({ path: "inputs.spec.paused", after: true })).to.deep.equal(["+ spec.paused: true"]);
        expect(changeLines({ path: "inputs.data", before: { k: "[secret]" } })).to.deep.equal(['- data: {"k":"[secret]"}']);
        expect(changeLines({ path: "inputs.data.conf", before: "a: 1\nb: 2\nc: 3", after: "a: 1\nb: 5\nc: 3" })).to.deep.equal([
            "~ data.conf: (multi-line value)",
            "    - b: 2",
            "    + b: 5",
        ]);
        const many = changeLines({ path: "f", before: Array.from({ length: 20 }, (_, i) => `old ${i}`).join("\n"), after: "new\n" });
        expect(many.at(-1)).to.equal("    … 10 more changed line(s)");
    });

    it("cuts two long values around where they first differ, so the change shows on both sides", () => {
        const [head, tail] = ["--config.file=/etc/prometheus/prometheus.yml ".repeat(5), " --web.enable-lifecycle".repeat(4)];
        const [line] = changeLines({
            path: "inputs.args",
            before: `${head}--storage.tsdb.retention.time=15d${tail}`,
            after: `${head}--storage.tsdb.retention.time=30d${tail}`,
        });
        const [before, after] = line.replace("~ args: ", "").split(" → ");
        expect(before).to.not.equal(after);
        expect(before).to.include("retention.time=15d").and.match(/^…/);
        expect(after).to.include("retention.time=30d").and.match(/^…/);
        for (const side of [before, after]) expect(side.length).to.be.at.most(120);
        const file = changeLines({ path: "inputs.data.conf", before: `a: 1\n${head}old${tail}\n`, after: `a: 1\n${head}new${tail}\n` });
        expect(file[1]).to.match(/^ {4}- …[^…]*old/);
        expect(file[2]).to.match(/^ {4}\+ …[^…]*new/);
        // A difference within the first line's width is shown from the start, as before.
        expect(changeLines({ path: "x", before: `a${"b".repeat(300)}`, after: `c${"b".repeat(300)}` })[0]).to.match(/^~ x: "ab+… → "cb+…$/);
    });

    it("shortens a type whose module is named after it, as pulumi does", () => {
        expect(displayType("aws:s3/bucketPolicy:BucketPolicy")).to.equal("aws:s3:BucketPolicy");
        expect(displayType("kubernetes:apps/v1:Deployment")).to.equal("kubernetes:apps/v1:Deployment");
        expect(displayType("sophia:platform:McpServer")).to.equal("sophia:platform:McpServer");
    });

    it("counts each operation", () => {
        expect(countsLine({ create: 7, update: 2, delete: 1, same: 384 })).to.equal("Resources: + 7 to create, ~ 2 to update, - 1 to delete, 384 unchanged");
        expect(countsLine({ create: 0, update: 0, delete: 0, same: 0 })).to.equal("Resources: no changes");
    });
});
