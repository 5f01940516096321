// The stack settings' errors as a user reads them: one subject naming the stack, every problem at
// the value it is about, and the kubeconfig read as a secret.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../../stacks/problems";
import { kubeconfigFromConfig, loadStackSettings, settingSource } from "../../stacks/settings";

const minimal: Record<string, string> = {
    target: "k3s",
    registry: "registry.sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
};
const errorOf = (config: Record<string, string>): InvalidInputError => {
    try {
        loadStackSettings("qa", (key) => config[key]);
    } catch (error) {
        if (error instanceof InvalidInputError) return error;
        throw error;
    }
    throw new Error("the settings loaded");
};

describe("stack settings errors", () => {
    it("name the stack in their subject, for a value the schema refuses and for tiers that contradict each other", () => {
        const schema = errorOf({ ...minimal, target: "nomad" });
        expect(schema.message.split("\n")[0]).to.equal('Invalid stack settings for stack "qa": 1 problem(s)');
        const tiers = errorOf({ ...minimal, tiers: JSON.stringify({ low: { replicas: 3, maxReplicas: 2 } }) });
        expect(tiers.message).to.equal(
            'Invalid stack settings for stack "qa": 1 problem(s)\n  - Pulumi.qa.yaml sophia:tiers.low.maxReplicas: got 2, below replicas 3: raise maxReplicas to 3 or more',
        );
    });

    it("point a tier's problem at its value, not its key", () => {
        const [problem] = errorOf({ ...minimal, tiers: JSON.stringify({ low: { replicas: 3, maxReplicas: 2 } }) }).problems;
        expect(problem.source).to.deep.equal({ file: "Pulumi.qa.yaml", path: ["config", "sophia:tiers", "low", "maxReplicas"], atKey: false });
        expect(settingSource("qa", ["target"])).to.deep.equal({ file: "Pulumi.qa.yaml", path: ["config", "sophia:target"], atKey: false });
    });

    it("list the auth modes the edge knows", () => {
        const edge = { tls: "provided", authMode: "saml", oidcIssuerUrl: "https://id.sophia-ai.com", oidcClientId: "edge" };
        const error = errorOf({ ...minimal, domain: "qa.sophia-ai.com", edge: JSON.stringify(edge) });
        expect(error.problems.map((p) => p.message)).to.deep.equal(['got "saml"; unknown auth mode: expected one of oidc']);
    });

    it("read the kubeconfig as a secret from sophia:kubeconfig", async () => {
        pulumi.runtime.setAllConfig({ "sophia:kubeconfig": "apiVersion: v1" }, ["sophia:kubeconfig"]);
        try {
            const kubeconfig = kubeconfigFromConfig()!;
            const internal = kubeconfig as unknown as { isSecret: Promise<boolean>; promise(): Promise<string> };
            expect(await internal.isSecret).to.equal(true);
            expect(await internal.promise()).to.equal("apiVersion: v1");
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
        expect(kubeconfigFromConfig()).to.equal(undefined);
    });
});
