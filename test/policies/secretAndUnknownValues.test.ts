// What a reviewer sees of secret and not-yet-known values: the engine's wire values as the pack turns
// them into "[secret]" and "[unknown]", a plan file that records them so, and "[plaintext secret]",
// the text a written plan puts in place of a leaked output. The markers are written out literally
// here, as they appear in plan files and findings, not through the pack's constants.
import type { ResourceValidationArgs } from "@pulumi/policy";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { expect } from "chai";
import { toResourcePolicy } from "../../policies/pack";
import type { ResourceRule } from "../../policies/rule";
import { disallowSecretOutputs, redactPlainSecrets } from "../../policies/stack/disallowSecretOutputs";
import { disallowSecretEnvLiterals } from "../../policies/workloads/disallowSecretEnvLiterals";
import { checkStack, compliantPodSpec, resourceArgs, swarmService, urnOf, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const res = (type: string, name: string, props: Obj): Fixture => ({ type, urn: urnOf(type, name), name, props });
const stack = (outputs: Obj) => res("pulumi:pulumi:Stack", "sophia-test", outputs);
const leak = (path: string) => ({ urn: urnOf("pulumi:pulumi:Stack", "sophia-test"), message: `stack output ${path} contains a secret value in plain text` });

/** A value as the engine sends a secret one: the SDK's secret signature around the plaintext. */
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

/** Runs a resource rule the way `pulumi preview --policy-pack policies` does, on the props the engine sent. */
function viaPack(rule: ResourceRule, r: Fixture): string[] {
    const reported: string[] = [];
    (toResourcePolicy(rule).validateResource as (a: ResourceValidationArgs, report: (m: string) => void) => void)(resourceArgs(r), (m) => reported.push(m));
    return reported;
}

describe("a literal env value the program marks secret, or a preview cannot know yet, is still a literal", () => {
    it("refuses a Swarm service's DB_PASSWORD whose value is a Pulumi secret", () => {
        const s = swarmService("web");
        s.props.taskSpec.containerSpec.env = { PORT: "8080", DB_PASSWORD: secret("hunter2-hunter2") };
        expect(viaPack(disallowSecretEnvLiterals, s)).to.deep.equal(["the service sets DB_PASSWORD to a literal value; reference a secret instead"]);
    });

    it("refuses a container's DB_PASSWORD set from a generated password a first preview cannot know", () => {
        const pod = compliantPodSpec("web");
        pod.containers[0].env = [{ name: "DB_PASSWORD", value: rpc.unknownValue }];
        const d = workload("kubernetes:apps/v1:Deployment", pod, "web");
        expect(viaPack(disallowSecretEnvLiterals, d)).to.deep.equal(['container "web" sets DB_PASSWORD to a literal value; reference a secret instead']);
    });
});

describe(`${disallowSecretOutputs.id} on a plan that records secret and unknown values as "[secret]" and "[unknown]"`, () => {
    it("finds no leak in a secret output next to a Secret whose values are secret too", () => {
        const apiSecret = res("kubernetes:core/v1:Secret", "api-secrets", { stringData: { API_KEY: "[secret]" } });
        expect(checkStack(disallowSecretOutputs, [stack({ apiKey: "[secret]" }), apiSecret])).to.deep.equal([]);
    });

    it("finds no leak in an unknown output next to a Secret whose value a preview cannot know", () => {
        const dbSecret = res("kubernetes:core/v1:Secret", "db", { stringData: { PASSWORD: "[unknown]" } });
        expect(checkStack(disallowSecretOutputs, [stack({ dbPassword: "[unknown]" }), dbSecret])).to.deep.equal([]);
    });
});

describe(`${disallowSecretOutputs.id} and "[plaintext secret]", the mark a written plan leaves on a leaked output`, () => {
    it("writes the mark in place of an output holding a secret, leaving the others", () => {
        expect(redactPlainSecrets({ dsn: "postgres://app:pg-password-123@db/app", host: "db" }, ["pg-password-123"])).to.deep.equal({
            dsn: "[plaintext secret]",
            host: "db",
        });
    });

    it("reports an output a plan file marks as a plaintext secret, with no secret values at hand", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ db: { dsn: "[plaintext secret]" } })])).to.deep.equal([leak("db.dsn")]);
    });

    it("does not take an empty output for a leak", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ grafanaUrl: "", note: "" })])).to.deep.equal([]);
    });
});

describe("the secret config a freshly loaded pack knows", () => {
    it("is none until the engine's ConfigureStack names some", () => {
        // A fresh copy of policies/engine.ts, as `pulumi preview --policy-pack` loads it, whatever earlier tests sent.
        const entry = require.resolve("../../policies/engine");
        const loaded = require.cache[entry];
        delete require.cache[entry];
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const fresh = require(entry) as typeof import("../../policies/engine");
            expect(fresh.secretConfig()).to.deep.equal([]);
        } finally {
            if (loaded) require.cache[entry] = loaded;
        }
    });
});
