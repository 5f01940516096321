import { expect } from "chai";
import { createHash } from "crypto";
import { InvalidInputError } from "../stacks/problems";
import { DEFAULT_TIERS, loadStackSettings } from "../stacks/settings";
import { resolveServerSpecs } from "../stacks/specs";
import { loadCatalog } from "../catalog";

const base = {
    target: "kubernetes",
    registry: "registry.sophia-ai.com",
    domain: "sophia-ai.com",
    kubeconfig: "apiVersion: v1",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
};

const reader = (values: Record<string, string | undefined>) => (key: string) => values[key];

function problems(values: Record<string, string | undefined>, stack = "prod"): string[] {
    try {
        loadStackSettings(stack, reader(values));
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the settings to be rejected");
}

describe("stack settings", () => {
    it("loads a minimal stack with project defaults", () => {
        const settings = loadStackSettings("qa", reader(base));
        expect(settings).to.include({ stack: "qa", environment: "qa", target: "kubernetes", namespace: "sophia", highAvailability: false });
        expect(settings.tiers).to.deep.equal(DEFAULT_TIERS);
    });

    it("merges tier overrides field by field", () => {
        const settings = loadStackSettings("qa", reader({ ...base, tiers: JSON.stringify({ low: { replicas: 0 } }) }));
        expect(settings.tiers.low).to.deep.equal({ ...DEFAULT_TIERS.low, replicas: 0 });
        expect(settings.tiers.high).to.deep.equal(DEFAULT_TIERS.high);
    });

    it("takes any stack name with a target, without code changes", () => {
        const settings = loadStackSettings("edge-lab", reader({ ...base, target: "k3s", kubeconfig: undefined }));
        expect(settings.target).to.equal("k3s");
    });

    it("rejects an unknown target", () => {
        expect(problems({ ...base, target: "nomad" })).to.deep.equal(['Pulumi.prod.yaml sophia:target: got "nomad"; expected one of swarm | k3s | kubernetes']);
    });

    it("needs a Docker host for swarm and a kubeconfig for kubernetes", () => {
        expect(problems({ ...base, target: "swarm", kubeconfig: undefined })).to.deep.equal([
            "Pulumi.prod.yaml sophia:dockerHost: not set; target swarm needs the Swarm manager's Docker host, e.g. ssh://deploy@swarm-manager",
        ]);
        expect(problems({ ...base, kubeconfig: undefined })[0]).to.match(/^Pulumi.prod.yaml sophia:kubeconfig: not set; target kubernetes needs a kubeconfig/);
    });

    it("refuses an empty kubeconfig, which the provider would take for this machine's own, on any target", () => {
        for (const target of ["kubernetes", "k3s"]) {
            for (const empty of ["", "  \n"]) {
                const found = problems({ ...base, target, kubeconfig: empty });
                expect(found, `${target} ${JSON.stringify(empty)}`).to.have.length(1);
                expect(found[0]).to.match(/^Pulumi.prod.yaml sophia:kubeconfig: set but empty; .* pulumi config set --secret kubeconfig/);
            }
        }
    });

    it("reports malformed structured values and every other problem together", () => {
        const found = problems({ ...base, nodeCapacity: "{nodes: 3", registry: "Not A Registry", target: undefined });
        expect(found).to.have.length(3);
        expect(found[0]).to.equal('Pulumi.prod.yaml sophia:nodeCapacity: got "{nodes: 3"; expected an object');
        expect(found.join("\n"))
            .to.include('Pulumi.prod.yaml sophia:registry: got "Not A Registry"; expected a registry such as')
            .and.include("Pulumi.prod.yaml sophia:target: not set; expected one of swarm | k3s | kubernetes");
    });

    it("enforces two replicas for critical and high tiers under highAvailability", () => {
        const found = problems({ ...base, highAvailability: "true", tiers: JSON.stringify({ high: { replicas: 1 } }) });
        expect(found).to.deep.equal(["Pulumi.prod.yaml sophia:tiers.high.replicas: got 1; highAvailability needs at least 2 replicas for high servers"]);
    });

    it("rejects a maxReplicas below replicas", () => {
        const found = problems({ ...base, tiers: JSON.stringify({ critical: { replicas: 3, maxReplicas: 2 } }) });
        expect(found).to.deep.equal(["Pulumi.prod.yaml sophia:tiers.critical.maxReplicas: got 2, below replicas 3: raise maxReplicas to 3 or more"]);
    });
});

describe("server specs", () => {
    const catalog = loadCatalog();

    it("derive image, sizes and replicas from the entry and the stack's tier settings", () => {
        const settings = loadStackSettings("prod", reader({ ...base, registry: "ghcr.io/sophia-ai" }));
        const specs = new Map(resolveServerSpecs(catalog, settings).map((s) => [s.name, s]));
        const memory = specs.get("ai-memory")!;
        expect(memory.image).to.equal("ghcr.io/sophia-ai/sophia-ai-memory:1.4.2");
        expect(memory.replicas).to.equal(DEFAULT_TIERS.critical.replicas);
        expect(memory.resources).to.deep.equal(DEFAULT_TIERS.critical.resources);
        expect(memory.autoscaling).to.deep.equal({ minReplicas: 2, maxReplicas: DEFAULT_TIERS.critical.maxReplicas });
        expect(specs.get("mem0-server")!.resources.limits).to.deep.equal({ cpu: "1", memory: "2Gi" });
        expect(specs.get("codacy")!.autoscaling).to.equal(undefined);
    });

    it("take a per-environment replica override from the entry", () => {
        const entry = { ...catalog.servers[1], replicas: { prod: 3, dev: 0 } };
        const prod = loadStackSettings("prod", reader(base));
        const dev = loadStackSettings("dev", reader(base));
        expect(resolveServerSpecs({ servers: [entry] }, prod)[0].replicas).to.equal(3);
        expect(resolveServerSpecs({ servers: [entry] }, dev)[0].replicas).to.equal(0);
        expect(resolveServerSpecs({ servers: [entry] }, dev)[0].autoscaling).to.equal(undefined);
    });

    it("pull a server by its digest when the catalog entry carries one", () => {
        const digest = `sha256:${createHash("sha256").update("a manifest").digest("hex")}`;
        const entry = { ...catalog.servers[0], digest };
        const settings = loadStackSettings("prod", reader({ ...base, registry: "ghcr.io/sophia-ai" }));
        expect(resolveServerSpecs({ servers: [entry] }, settings)[0].image).to.equal(`ghcr.io/sophia-ai/sophia-${entry.name}:${entry.version}@${digest}`);
    });
});
