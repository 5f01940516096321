// Artifacts are written out in plaintext for review, so the plan refuses one that holds a secret.
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { resolveArtifact } from "../stacks/plan/plan";

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
