// What the pack adapter hands a rule (its types only, its context, relationships by URN) and the
// properties the pack keeps from the engine's AnalyzeStack requests.
import type * as grpc from "@grpc/grpc-js";
import type { PolicyResource as PackResource, ResourceValidationArgs } from "@pulumi/policy";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { expect } from "chai";
import { randomUUID } from "crypto";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { engineProps, keepEngineRequests } from "../../policies/engine";
import { fromPackResource, toResourcePolicy } from "../../policies/pack";
import { SECRET, type ResourceRule, type RuleContext } from "../../policies/rule";
import { enforceSwarmUpdateRollback } from "../../policies/swarm/enforceSwarmUpdateRollback";
import { compliantPodSpec, packOptions, resourceArgs, swarmService, urnOf, workload } from "./fixtures";

/** Runs a resource rule through the pack's policy and collects what it reports. */
function validate(rule: ResourceRule, args: ResourceValidationArgs): string[] {
    const reported: string[] = [];
    (toResourcePolicy(rule).validateResource as (a: ResourceValidationArgs, report: (m: string) => void) => void)(args, (m) => reported.push(m));
    return reported;
}

describe("the pack adapter", () => {
    it("applies a rule only to its own resource types: a Kubernetes Deployment is no Swarm service", () => {
        const deployment = workload("kubernetes:apps/v1:Deployment", compliantPodSpec());
        expect(validate(enforceSwarmUpdateRollback, resourceArgs(deployment))).to.deep.equal([]);
        const paused = swarmService("web", { updateConfig: { failureAction: "pause" } });
        expect(validate(enforceSwarmUpdateRollback, resourceArgs(paused))).to.deep.equal(["updateConfig.failureAction is pause, not rollback"]);
    });

    it("gives a resource rule its settings over the defaults, no stack name and no secret values", () => {
        let seen: RuleContext | undefined;
        const probe: ResourceRule = {
            ...enforceSwarmUpdateRollback,
            configSchema: {
                exempt: { type: "array", description: "Test setting.", default: [] },
                mode: { type: "string", description: "A mode.", default: "strict" },
            },
            check: (_resource, context) => ((seen = context), []),
        };
        validate(probe, resourceArgs(swarmService(), { exempt: ["a"] }));
        expect(seen).to.deep.equal({ stack: "", config: { exempt: ["a"], mode: "strict" }, secretValues: [] });
    });

    it("gives a stack rule no dependencies for a resource the engine sends without any", () => {
        const urn = urnOf("docker:index/service:Service", "lonely");
        const r = { type: "docker:index/service:Service", urn, name: "lonely", props: {}, opts: packOptions } as unknown as PackResource;
        expect(fromPackResource(r)).to.deep.equal({
            type: r.type,
            urn,
            name: "lonely",
            props: {},
            dependencies: [],
            propertyDependencies: {},
            parent: undefined,
        });
    });
});

describe("the properties the pack keeps from the engine", () => {
    it("come from the AnalyzeStack request, secrets marked, over the SDK's unwrapped props", () => {
        // A fresh URN: the kept requests are the module's state and outlive a test.
        const urn = `urn:pulumi:keep-${randomUUID()}::sophia::kubernetes:core/v1:Secret::api`;
        const props = { stringData: { [rpc.specialSigKey]: rpc.specialSecretSig, value: { KEY: "kept-secret-value" } }, type: "Opaque" };
        const request = new analyzer.AnalyzeStackRequest().setResourcesList([
            new analyzer.AnalyzerResource().setUrn(urn).setType("kubernetes:core/v1:Secret").setProperties(Struct.fromJavaScript(props)),
        ]);
        const service = { analyzeStack: { requestDeserialize: () => request } } as unknown as grpc.ServiceDefinition;
        keepEngineRequests(service);
        (service.analyzeStack.requestDeserialize as (b: Buffer) => unknown)(Buffer.alloc(0));
        const secrets: string[] = [];
        expect(engineProps(urn, { stringData: { KEY: "kept-secret-value" }, type: "Opaque" }, secrets)).to.deep.equal({ stringData: SECRET, type: "Opaque" });
        expect(secrets).to.deep.equal(["kept-secret-value"]);
    });

    it("are none for a resource the engine sent with null properties and no request", () => {
        expect(engineProps(`urn:pulumi:keep-${randomUUID()}::sophia::aws:s3/bucket:Bucket::b`, null)).to.deep.equal({});
    });
});
