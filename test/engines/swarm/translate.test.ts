import { expect } from "chai";
import { planOf } from "../../support/plan";
import { adaptService, reservationScale } from "./sandbox";
import { applyOrder, engineBody, nanoseconds, plannedId, PlanResource, TranslationContext, UntranslatableField } from "./translate";
import { unkeptFields } from "./cluster";
import { recipeFor, sdkAssignment } from "./images";
import { loadCatalog } from "../../../catalog";

/** Resolves a planned id to a recognisable engine id, and records what was asked. */
function fakeRefs(): TranslationContext & { asked: string[] } {
    const asked: string[] = [];
    return { asked, ref: (id) => (asked.push(id), `engine:${id}`) };
}

const SERVICE = "docker:index/service:Service";

describe("the Swarm engine test's translation of the docker provider's inputs", function () {
    const resources = planOf("dev").plan!.resources as PlanResource[];
    const service = (name: string) => resources.find((r) => r.type === SERVICE && r.name === `${name}-service`)!;

    it("translates every docker resource of the dev plan", function () {
        for (const resource of applyOrder(resources)) expect(() => engineBody(resource, fakeRefs()), resource.name).to.not.throw();
    });

    it("orders every resource after the resources it depends on", function () {
        const ordered = applyOrder(resources);
        const position = new Map(ordered.map((r, i) => [r.urn, i]));
        expect(ordered.length).to.equal(resources.filter((r) => r.type.startsWith("docker:")).length);
        for (const resource of ordered)
            for (const dependency of resource.dependsOn ?? [])
                if (position.has(dependency)) expect(position.get(dependency)).to.be.lessThan(position.get(resource.urn)!);
    });

    it("maps the provider's fields to the Engine API's, durations in nanoseconds and references through the apply", function () {
        const refs = fakeRefs();
        const postgres = service("postgres");
        const body = engineBody(postgres, refs) as any;
        const inputs = postgres.inputs;
        expect(body.Name).to.equal(inputs.name);
        expect(body.TaskTemplate.ContainerSpec.Image).to.equal(inputs.taskSpec.containerSpec.image);
        expect(body.TaskTemplate.ContainerSpec.Env).to.include(`POSTGRES_USER=${inputs.taskSpec.containerSpec.env.POSTGRES_USER}`);
        expect(body.TaskTemplate.ContainerSpec.HealthCheck.Test).to.deep.equal(inputs.taskSpec.containerSpec.healthcheck.tests);
        expect(body.TaskTemplate.ContainerSpec.HealthCheck.Interval).to.equal(nanoseconds(inputs.taskSpec.containerSpec.healthcheck.interval));
        expect(body.TaskTemplate.ContainerSpec.Secrets[0]).to.deep.include({ SecretID: `engine:${inputs.taskSpec.containerSpec.secrets[0].secretId}` });
        expect(body.TaskTemplate.ContainerSpec.Secrets[0].File.Name).to.equal(inputs.taskSpec.containerSpec.secrets[0].fileName);
        expect(body.TaskTemplate.Networks.map((n: any) => n.Target)).to.deep.equal(inputs.taskSpec.networksAdvanceds.map((n: any) => `engine:${n.name}`));
        expect(body.UpdateConfig).to.include({
            FailureAction: inputs.updateConfig.failureAction,
            MaxFailureRatio: Number(inputs.updateConfig.maxFailureRatio),
        });
        expect(body.Labels[inputs.labels[0].label]).to.equal(inputs.labels[0].value);
        expect(refs.asked).to.include(inputs.taskSpec.containerSpec.secrets[0].secretId);
    });

    it("fails by the field's full name on a field it cannot translate", function () {
        const codacy = service("codacy");
        const planted = {
            ...codacy,
            inputs: { ...codacy.inputs, taskSpec: { ...codacy.inputs.taskSpec, containerSpec: { ...codacy.inputs.taskSpec.containerSpec, privileges: {} } } },
        };
        expect(() => engineBody(planted, fakeRefs())).to.throw(UntranslatableField, "docker.Service(codacy-service).taskSpec.containerSpec.privileges");
        expect(() => applyOrder([{ ...codacy, type: "docker:index/container:Container" }])).to.throw(
            UntranslatableField,
            "docker:index/container:Container (codacy-service)",
        );
    });

    it("reads Go durations and refuses anything else", function () {
        expect(nanoseconds("15s")).to.equal(15e9);
        expect(nanoseconds("1m30s")).to.equal(90e9);
        expect(nanoseconds("250ms")).to.equal(250e6);
        expect(() => nanoseconds("15 seconds", "x.interval")).to.throw('x.interval: "15 seconds" is not a duration');
    });

    it("names each resource as the plan's references do: its name input, else its resource name", function () {
        const secret = resources.find((r) => r.type === "docker:index/secret:Secret")!;
        expect(engineBody({ ...secret, inputs: { ...secret.inputs, data: "eA==" } }, fakeRefs()).Name).to.equal(secret.name);
        expect(plannedId(secret)).to.equal(`${secret.name}-id`);
    });

    it("adapts a service to the sandbox only in the ways sandbox.ts lists, saying each", function () {
        const edge = engineBody(service("edge-gateway"), fakeRefs());
        const { spec, changes } = adaptService(edge, { cores: 2, dockerSocket: "/tmp/x/docker.sock" }, 0.5);
        expect((spec as any).EndpointSpec).to.deep.equal({ Mode: "dnsrr" });
        expect(changes.join("\n")).to.contain("vip -> dnsrr").and.contain("published ports 443->8443, 80->8080 dropped").and.contain("scaled by 0.500");
        expect((edge as any).EndpointSpec.Mode, "the translated spec itself is untouched").to.equal("vip");
        expect(reservationScale([{ TaskTemplate: { Resources: { Reservations: { NanoCPUs: 4e9 } } } }], 2)).to.equal(0.45);
        expect(reservationScale([{ TaskTemplate: { Resources: { Reservations: { NanoCPUs: 1e9 } } } }], 2)).to.equal(1);
    });

    it("finds a field the engine did not keep, whatever the case of its name", function () {
        expect(unkeptFields({ HealthCheck: { Test: ["CMD", "true"] }, Secrets: [] }, { Healthcheck: { Test: ["CMD", "true"] } }, "s")).to.deep.equal([]);
        expect(unkeptFields({ CapabilityDrops: ["ALL"] }, {}, "s")).to.deep.equal(['s.CapabilityDrops: sent ["ALL"], stored undefined']);
        expect(unkeptFields({ Mode: "dnsrr" }, { Mode: "vip" }, "s")).to.deep.equal(['s.Mode: sent "dnsrr", stored "vip"']);
    });

    it("knows how to build every image the dev plan names, and refuses one it does not know", function () {
        const planned = new Set(resources.filter((r) => r.type === "sophia:platform:McpServer").map((r) => r.name));
        const sdks = sdkAssignment(loadCatalog().servers.filter((s) => planned.has(s.name)));
        for (const r of resources.filter((x) => x.type === SERVICE))
            expect(() => recipeFor(String(r.inputs.taskSpec.containerSpec.image), sdks)).to.not.throw();
        expect(() => recipeFor("registry.example/mirror/docker.io/library/busybox:1", sdks)).to.throw(
            "cannot build image registry.example/mirror/docker.io/library/busybox:1",
        );
    });

    it("builds the catalog's servers with both SDKs, each among the public and among the internal servers", function () {
        const catalog = loadCatalog().servers;
        const sdks = sdkAssignment(catalog);
        for (const expose of ["public", "internal"]) {
            const group = catalog.filter((s) => s.expose === expose);
            if (group.length > 1) expect(new Set(group.map((s) => sdks.get(s.name))), expose).to.deep.equal(new Set(["mcp-typescript", "mcp-python"]));
        }
    });
});
