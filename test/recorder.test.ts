import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { RecordingMonitor, SECRET_MARKER } from "../commands/plan/recorder";
import { monitor, settled } from "./support/setup";

/** A resource of the AWS type the recorder gives an ARN, with the outputs it declares. */
class Bucket extends pulumi.CustomResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly arn: pulumi.Output<string>;
    declare readonly region: pulumi.Output<string>;
    declare readonly token: pulumi.Output<string>;

    constructor(name: string, args: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
        super("aws:s3/bucket:Bucket", name, { name: undefined, arn: undefined, ...args }, opts);
    }
}

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => (output as unknown as { promise(): Promise<T> }).promise();

describe("the plan's recording monitor", () => {
    it("records a registration as the engine receives it: URN, parent, dependencies, and inputs with secrets redacted", async () => {
        const first = new Bucket("recorder-first", { region: "eu-west-1" });
        const second = new Bucket("recorder-second", { region: "eu-west-1", token: pulumi.secret("hunter2"), source: first.urn }, { dependsOn: [first] });
        await valueOf(second.urn);
        await settled();
        const recorded = monitor.recorded.find((r) => r.name === "recorder-second")!;
        const firstUrn = await valueOf(first.urn);
        expect(recorded.urn).to.equal("urn:pulumi:test::sophia::aws:s3/bucket:Bucket::recorder-second");
        expect(recorded).to.deep.include({ type: "aws:s3/bucket:Bucket", parent: null, custom: true });
        expect(recorded.inputs).to.deep.equal({ region: "eu-west-1", token: SECRET_MARKER, source: firstUrn });
        expect(recorded.dependsOn).to.include(firstUrn);
        expect(recorded.propertyDependencies).to.deep.equal({ source: [firstUrn] });
        expect(JSON.stringify(monitor.recorded)).not.to.include("hunter2");
    });

    it("records protect and ignoreChanges, which a reviewer must see, and nothing for a resource without them", async () => {
        const kept = new Bucket("recorder-protected", { region: "eu-west-1" }, { protect: true, ignoreChanges: ["region", "token"] });
        const plain = new Bucket("recorder-unprotected", { region: "eu-west-1" }, { protect: false, ignoreChanges: [] });
        await Promise.all([valueOf(kept.urn), valueOf(plain.urn)]);
        await settled();
        expect(monitor.recorded.find((r) => r.name === "recorder-protected")).to.deep.include({ protect: true, ignoreChanges: ["region", "token"] });
        const unprotected = monitor.recorded.find((r) => r.name === "recorder-unprotected")!;
        expect(unprotected).to.not.have.any.keys("protect", "ignoreChanges");
    });

    it("answers with only what the engine adds: an id, an auto-name and an ARN, each other output its input", async () => {
        const bucket = new Bucket("recorder-outputs", { region: "us-east-2", token: pulumi.secret("s3cret") });
        expect(await valueOf(bucket.id)).to.equal("recorder-outputs-id");
        expect(await valueOf(bucket.name)).to.equal("recorder-outputs");
        expect(await valueOf(bucket.arn)).to.equal("arn:aws:s3:us-east-2:offline:recorder-outputs");
        expect(await valueOf(bucket.region)).to.equal("us-east-2");
        expect(await valueOf(bucket.token)).to.equal("s3cret");
        expect(await (bucket.token as unknown as { isSecret: Promise<boolean> }).isSecret).to.equal(true);
        const named = new Bucket("recorder-named", { name: "chosen-name" });
        expect(await valueOf(named.name)).to.equal("chosen-name");
    });

    it("gives the mocks the recorded inputs, and answers a mock's failure as the registration's error", async () => {
        const own = new RecordingMonitor();
        const seen: unknown[] = [];
        (own as unknown as { mocks: pulumi.runtime.Mocks }).mocks = {
            call: () => ({}),
            newResource: (args) => {
                seen.push(args.inputs);
                throw new Error("no capacity in eu-west-1");
            },
        };
        const request = new resproto.RegisterResourceRequest();
        request.setType("aws:s3/bucket:Bucket");
        request.setName("recorder-refused");
        request.setCustom(true);
        const answer = await new Promise<{ error: unknown; response: unknown }>((resolve) => {
            void own.registerResource(request, (error, response) => resolve({ error, response }));
        });
        expect((answer.error as Error).message).to.equal("no capacity in eu-west-1");
        expect(answer.response).to.equal(undefined);
        expect(seen).to.deep.equal([{}]);
        expect(own.recorded.map((r) => r.name)).to.deep.equal(["recorder-refused"]);
        expect(own.resources.size).to.equal(0);
    });
});
