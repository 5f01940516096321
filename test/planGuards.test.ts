// What the plan refuses: secret values in the artifacts it writes out, and a clean exit code when a
// mandatory rule failed or a manifest is invalid.
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { contributeArtifact, contributedArtifacts } from "../components/artifacts";
import type { SchemaResult } from "../commands/plan/manifests";
import { planExitCode, resolveArtifact } from "../commands/plan/plan";
import type { PlanFile, PolicyViolation } from "../commands/plan/planFile";

describe("plan artifacts", () => {
    it("are written as their text when they hold no secret", async () => {
        expect(await resolveArtifact("monitoring/prometheus.yml", pulumi.output("global: {}\n"))).to.equal("global: {}\n");
    });

    it("refuse a secret value, naming the artifact, and never return the secret", async () => {
        const password = pulumi.secret("hunter2-artifact");
        const config = password.apply((p) => `password: ${p}\n`);
        let failure: unknown;
        const text = await resolveArtifact("edge/nginx.conf", config).catch((error: unknown) => (failure = error));
        expect(failure, `the artifact was written: ${String(text)}`).to.be.instanceOf(Error);
        expect((failure as Error).message).to.equal("artifact edge/nginx.conf contains a secret value; reference secrets by file instead");
        expect((failure as Error).message).to.not.include("hunter2");
    });
});

describe("contributed artifacts", () => {
    it("are kept by their plain relative path, each once", async () => {
        for (const file of ["plan-guards/a.txt", "plan-guards/Rules/X-1_y.YML", "plan-guards/b/c/d"]) {
            contributeArtifact(file, `text of ${file}`);
            expect(await resolveArtifact(file, contributedArtifacts().get(file)!)).to.equal(`text of ${file}`);
        }
        expect(() => contributeArtifact("plan-guards/a.txt", "again")).to.throw("artifact plan-guards/a.txt is contributed twice");
    });

    it("refuse a path that is absolute, climbs, or is not plain", () => {
        for (const file of ["/etc/passwd", "../out.txt", "plan-guards/../x", "plan-guards//x", "plan-guards/", ".hidden", "a b", "", "plan-guards/.x", "x:y"]) {
            expect(() => contributeArtifact(file, "x"), file).to.throw(`artifact path must be relative and plain, got "${file}"`);
            expect(contributedArtifacts().has(file), file).to.equal(false);
        }
    });
});

describe("plan exit code", () => {
    const violation = (level: PolicyViolation["level"]): PolicyViolation => ({ policy: "some-rule", level, urn: "urn:pulumi:dev::sophia::x::y", message: "m" });
    const plan = (...violations: PolicyViolation[]) => ({ policy: { violations } }) as unknown as PlanFile;
    const manifest = (error?: string): SchemaResult => ({ file: "k8s/a.yaml", urn: "urn:pulumi:dev::sophia::x::y", error });

    it("is 0 with no violations, only advisory ones, and valid manifests", () => {
        expect(planExitCode(plan(), [])).to.equal(0);
        expect(planExitCode(plan(violation("advisory"), violation("advisory")), [manifest()])).to.equal(0);
    });

    it("is 1 with exactly one mandatory violation, alone or among advisory ones", () => {
        expect(planExitCode(plan(violation("mandatory")), [])).to.equal(1);
        expect(planExitCode(plan(violation("advisory"), violation("mandatory")), [manifest()])).to.equal(1);
    });

    it("is 1 with one invalid manifest among valid ones", () => {
        expect(planExitCode(plan(), [manifest(), manifest("spec.replicas: expected integer")])).to.equal(1);
    });
});
