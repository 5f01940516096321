// The policy pack under the engine's protocol: started through run-policy-pack, called over gRPC as
// `pulumi preview --policy-pack policies` calls it, for every stack's plan as planned, as a first
// preview (computed values unknown) and with violations planted into that preview. It must report
// what the offline runner reports, and catch every planted violation.
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { expect } from "chai";
import { platformStacks } from "../../esc/needs";
import type { PlanFile, PolicyViolation } from "../../commands/plan/planFile";
import { RULES } from "../../policies/rules";
import { EnginePack, type EngineResource } from "../support/engine";
import { engineResources, lines, runnerViolations, secretConfig, STACK_TYPE, stackRun } from "../support/engineRuns";
import { planOf, ROOT } from "../support/plan";

const STACKS = platformStacks(ROOT);
const TLS_DENY = "aws:SecureTransport";
const LOG_ERROR = 3;

interface Planted {
    readonly resources: EngineResource[];
    /** Violations the preview must report (policy, URN, a part of the message). */
    readonly expected: { policy: string; urn: string; message: string }[];
    /** Stack outputs that must not be reported. */
    readonly fine: string[];
}

const urnOf = (plan: PlanFile, type: string, name: string) => `urn:pulumi:${plan.stack}::${plan.project}::${type}::${name}`;
const resource = (plan: PlanFile, type: string, name: string, inputs: Record<string, unknown>, propertyDependencies = {}): EngineResource => ({
    urn: urnOf(plan, type, name),
    type,
    name,
    dependencies: Object.values(propertyDependencies).flat() as string[],
    propertyDependencies,
    inputs,
    outputs: inputs,
});

/** A bucket whose only policy lacks the TLS deny, related by its (unknown) id alone. */
function plantBucketWithoutTls(plan: PlanFile): Planted {
    const bucket = resource(plan, "aws:s3/bucket:Bucket", "planted-bucket", { bucket: "planted-bucket-name" });
    const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetObject" }] };
    const policy = resource(
        plan,
        "aws:s3/bucketPolicy:BucketPolicy",
        "planted-bucket-policy",
        { bucket: rpc.unknownValue, policy: JSON.stringify(document) },
        { bucket: [bucket.urn] },
    );
    return { resources: [bucket, policy], expected: [{ policy: "require-bucket-tls-only-policy", urn: bucket.urn, message: "without TLS" }], fine: [] };
}

/** The stack's own bucket policies lose their TLS deny (the documents stay known: they name buckets, not ARNs). */
function stripTlsDeny(resources: EngineResource[]): Planted {
    const expected: Planted["expected"] = [];
    const changed = resources.map((r) => {
        const text = r.inputs.policy;
        if (r.type !== "aws:s3/bucketPolicy:BucketPolicy" || typeof text !== "string" || !text.includes(TLS_DENY)) return r;
        const document = JSON.parse(text) as { Statement: unknown[] };
        const policy = JSON.stringify({ ...document, Statement: document.Statement.filter((s) => !JSON.stringify(s).includes(TLS_DENY)) });
        expected.push({ policy: "require-bucket-tls-only-policy", urn: r.propertyDependencies.bucket[0], message: "without TLS" });
        return { ...r, inputs: { ...r.inputs, policy }, outputs: { ...r.outputs, policy } };
    });
    return { resources: changed, expected, fine: [] };
}

/** An IAM policy whose resources are unknown, one of its statements a known wildcard. */
function plantWildcardStatement(plan: PlanFile): Planted {
    const document = {
        Version: "2012-10-17",
        Statement: [
            { Sid: "Writes", Effect: "Allow", Action: ["s3:PutObject"], Resource: rpc.unknownValue },
            { Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: rpc.unknownValue },
        ],
    };
    const policy = resource(plan, "aws:iam/policy:Policy", "planted-wildcard-policy", { policy: document });
    return {
        resources: [policy],
        expected: [{ policy: "disallow-iam-wildcards", urn: policy.urn, message: '"Everything" allows wildcard action s3:*' }],
        fine: [],
    };
}

/** A plain output leaking a secret config value (in no Secret resource), next to a secret output holding the same value. */
function plantOutputs(plan: PlanFile, resources: EngineResource[]): Planted {
    const [key, value] = Object.entries(secretConfig(plan))[0];
    const stack = resources.find((r) => r.type === STACK_TYPE)!;
    const outputs = { ...stack.outputs, plantedLeak: `token=${value}`, plantedSecret: { [rpc.specialSigKey]: rpc.specialSecretSig, value } };
    return {
        resources: resources.map((r) => (r === stack ? { ...r, outputs } : r)),
        expected: [{ policy: "disallow-secret-outputs", urn: stack.urn, message: `stack output plantedLeak contains a secret value` }],
        fine: [`plantedSecret (${key})`],
    };
}

function plantAll(plan: PlanFile, preview: EngineResource[]): Planted {
    const stripped = stripTlsDeny(preview);
    const bucket = plantBucketWithoutTls(plan);
    const wildcard = plantWildcardStatement(plan);
    const outputs = plantOutputs(plan, [...stripped.resources, ...bucket.resources, ...wildcard.resources]);
    return { resources: outputs.resources, expected: [stripped, bucket, wildcard, outputs].flatMap((p) => p.expected), fine: outputs.fine };
}

const unknownCount = (value: unknown): number =>
    value === rpc.unknownValue ? 1 : value && typeof value === "object" ? Object.values(value).reduce((n: number, v) => n + unknownCount(v), 0) : 0;

describe("the policy pack under the engine's protocol", function () {
    this.timeout(600_000);
    let pack: EnginePack;

    before(async () => {
        pack = await EnginePack.start();
    });

    after(async () => {
        await pack?.stop();
    });

    it("serves every rule of the pack with its metadata", async () => {
        const info = await pack.info();
        expect(info.getName()).to.equal("sophia-platform");
        expect(info.getPoliciesList().map((p) => p.getName())).to.have.members(RULES.map((r) => r.id));
    });

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let plan: PlanFile;
            let planned: PolicyViolation[];
            let preview: EngineResource[];

            before(() => {
                plan = planOf(stack).plan!;
                preview = engineResources(plan, true);
            });

            it("as planned: the pack reports what the offline runner and the plan report", async () => {
                const run = stackRun(plan, engineResources(plan, false));
                planned = await pack.analyze(run);
                expect(lines(planned)).to.deep.equal(lines(runnerViolations(run)));
                expect(lines(planned)).to.deep.equal(lines(plan.policy.violations));
            });

            it("first preview: computed values unknown, the same violations and no rule gives up", async () => {
                const aws = plan.resources.some((r) => r.type.startsWith("aws:s3/"));
                if (aws)
                    expect(
                        preview.reduce((n, r) => n + unknownCount(r.inputs), 0),
                        "values made unknown",
                    ).to.be.greaterThan(0);
                const run = stackRun(plan, preview);
                const reported = await pack.analyze(run);
                expect(reported.filter((v) => v.message.includes("can't run")).map((v) => v.message)).to.deep.equal([]);
                expect(lines(reported)).to.deep.equal(lines(runnerViolations(run)));
                expect(lines(reported)).to.deep.equal(lines(planned));
            });

            it("first preview with planted violations: each is caught, as the runner catches it; secret outputs stay fine", async () => {
                const planted = plantAll(plan, preview);
                const run = stackRun(plan, planted.resources);
                const reported = await pack.analyze(run);
                expect(lines(reported)).to.deep.equal(lines(runnerViolations(run)));
                for (const e of planted.expected) {
                    const found = reported.filter((v) => v.policy === e.policy && v.urn === e.urn && v.message.includes(e.message));
                    expect(found, `${e.policy} on ${e.urn} (${e.message})`).to.have.length.greaterThan(0);
                }
                expect(reported.filter((v) => v.message.includes("plantedSecret")).map((v) => v.message)).to.deep.equal([]);
                expect(pack.logs.filter((l) => l.severity >= LOG_ERROR).map((l) => l.message)).to.deep.equal([]);
            });
        });
    }
});
