// policies/engine.ts in process: the engine's wire values as rules read them, and the requests the
// pack keeps. test/pack/engine.pack.ts drives the whole pack over gRPC.
import type * as grpc from "@grpc/grpc-js";
import type { StackValidationArgs } from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { expect } from "chai";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { engineProps, keepEngineRequests, plainValue, secretConfig, secretConfigValues } from "../../policies/engine";
import { toStackPolicy } from "../../policies/pack";
import { SECRET, UNKNOWN } from "../../policies/rule";
import { disallowSecretOutputs, STACK } from "../../policies/stack/disallowSecretOutputs";

const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

/** A service definition whose decoders return the given request, as the generated one decodes bytes. */
function fakeService(requests: Record<string, unknown>): grpc.ServiceDefinition {
    const method = (request: unknown) => ({ requestDeserialize: () => request }) as unknown as grpc.MethodDefinition<unknown, unknown>;
    return Object.fromEntries(Object.entries(requests).map(([name, request]) => [name, method(request)]));
}

const decode = (service: grpc.ServiceDefinition, name: string) => (service[name].requestDeserialize as (b: Buffer) => unknown)(Buffer.alloc(0));

describe("the engine's values as rules read them (policies/engine.ts)", () => {
    after(() => {
        // The kept secret config is the pack's state: leave none for other tests.
        const service = fakeService({ configureStack: new analyzer.AnalyzerStackConfigureRequest() });
        keepEngineRequests(service);
        decode(service, "configureStack");
    });

    it("turns secrets into SECRET, keeping their plaintext aside, and unknowns into UNKNOWN", () => {
        const secrets: string[] = [];
        const value = plainValue(
            {
                password: secret("hunter2-hunter2"),
                data: secret({ KEY: "value-in-a-map", nested: [rpc.unknownValue, "second-secret"] }),
                bucket: rpc.unknownValue,
                list: [1, true, null, rpc.unknownValue],
                provider: { [rpc.specialSigKey]: rpc.specialResourceSig, urn: "urn:pulumi:s::p::t::n" },
                file: { [rpc.specialSigKey]: rpc.specialAssetSig, path: "a.txt" },
                archive: { [rpc.specialSigKey]: rpc.specialArchiveSig },
            },
            secrets,
        );
        expect(value).to.deep.equal({
            password: SECRET,
            data: SECRET,
            bucket: UNKNOWN,
            list: [1, true, null, UNKNOWN],
            provider: "urn:pulumi:s::p::t::n",
            file: { asset: "a.txt" },
            archive: { asset: "[inline]" },
        });
        expect(secrets).to.deep.equal(["hunter2-hunter2", "value-in-a-map", "second-secret"]);
    });

    it("names a remote asset by its URI, and looks for a secret's strings only, not its numbers or flags", () => {
        const secrets: string[] = [];
        const value = plainValue(
            {
                remote: { [rpc.specialSigKey]: rpc.specialAssetSig, uri: "https://example.com/a.tgz" },
                both: { [rpc.specialSigKey]: rpc.specialArchiveSig, path: "local.tgz", uri: "https://example.com/b.tgz" },
                settings: secret({ port: 5432, tls: true, none: null, name: "db-user-name" }),
                count: secret(3),
            },
            secrets,
        );
        expect(value).to.deep.equal({
            remote: { asset: "https://example.com/a.tgz" },
            both: { asset: "local.tgz" },
            settings: SECRET,
            count: SECRET,
        });
        expect(secrets).to.deep.equal(["db-user-name"]);
    });

    it("reads the SDK's props through its proxies when no request was kept", () => {
        const props = unknownCheckingProxy({ bucket: rpc.unknownValue, tags: { a: "b" } });
        expect(() => (props as Record<string, unknown>).bucket).to.throw(/can't be known/);
        expect(engineProps("urn:pulumi:t::p::never-sent::x", props)).to.deep.equal({ bucket: UNKNOWN, tags: { a: "b" } });
        expect(engineProps("urn:pulumi:t::p::never-sent::y", undefined)).to.deep.equal({});
    });

    it("takes the secret config values from ConfigureStack, by the keys it marks secret", () => {
        const request = new analyzer.AnalyzerStackConfigureRequest().setConfigSecretKeysList(["sophia:token"]);
        request.getConfigMap().set("sophia:token", "the-secret-token").set("sophia:target", "swarm");
        expect(secretConfigValues(request)).to.deep.equal(["the-secret-token"]);
        expect(secretConfigValues({ getConfigMap: () => request.getConfigMap() })).to.deep.equal([]);
    });

    it("keeps Analyze, AnalyzeStack and ConfigureStack requests; the stack rule then tells secret outputs from leaks", async () => {
        const stackUrn = "urn:pulumi:engine-unit::sophia::pulumi:pulumi:Stack::sophia-engine-unit";
        const secretUrn = "urn:pulumi:engine-unit::sophia::kubernetes:core/v1:Secret::api";
        const configure = new analyzer.AnalyzerStackConfigureRequest().setConfigSecretKeysList(["sophia:token"]);
        configure.getConfigMap().set("sophia:token", "config-secret-value");
        const resource = (urn: string, type: string, props: Record<string, unknown>) =>
            new analyzer.AnalyzerResource()
                .setUrn(urn)
                .setType(type)
                .setProperties(Struct.fromJavaScript(props as never));
        const outputs = {
            secretCopy: secret("input-secret-value"),
            leakedInput: "input-secret-value",
            leakedConfig: "config-secret-value",
            pending: rpc.unknownValue,
        };
        const stack = new analyzer.AnalyzeStackRequest().setResourcesList([
            resource(stackUrn, STACK, outputs),
            resource(secretUrn, "kubernetes:core/v1:Secret", { stringData: secret({ KEY: "input-secret-value" }) }),
        ]);
        const single = new analyzer.AnalyzeRequest().setUrn("urn:pulumi:engine-unit::sophia::aws:s3/bucket:Bucket::b").setProperties(Struct.fromJavaScript({}));
        const service = fakeService({ analyze: single, analyzeStack: stack, configureStack: configure });
        keepEngineRequests(service);
        keepEngineRequests(fakeService({}));
        expect(decode(service, "configureStack")).to.equal(configure);
        decode(service, "analyzeStack");
        decode(service, "analyze");
        expect(secretConfig()).to.deep.equal(["config-secret-value"]);
        expect(engineProps("urn:pulumi:engine-unit::sophia::aws:s3/bucket:Bucket::b", { unwrapped: true })).to.deep.equal({});

        // What the SDK hands the pack: secrets unwrapped, so a secret output looks like a leak.
        const unwrapped = { secretCopy: "input-secret-value", leakedInput: "input-secret-value", leakedConfig: "config-secret-value" };
        const args = {
            resources: [
                { urn: stackUrn, type: STACK, name: "sophia-engine-unit", props: unwrapped, dependencies: [], propertyDependencies: {} },
                { urn: secretUrn, type: "kubernetes:core/v1:Secret", name: "api", props: { stringData: { KEY: "input-secret-value" } } },
            ],
            getConfig: () => ({}),
        } as unknown as StackValidationArgs;
        const reported: string[] = [];
        await toStackPolicy(disallowSecretOutputs).validateStack(args, (message) => reported.push(String(message)));
        expect(reported.sort()).to.deep.equal([
            "stack output leakedConfig contains a secret value in plain text",
            "stack output leakedInput contains a secret value in plain text",
        ]);
    });
});
