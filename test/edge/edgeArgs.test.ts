// What the Edge component refuses to build from: settings without an edge or a domain, and secret
// values that leave out one it needs. The inputs' validation refuses both first (stacks/inputs.ts);
// these are the component's own guards, for a program that wires it by hand.
import { expect } from "chai";
import { clearArtifacts } from "../../components/artifacts";
import { Edge } from "../../components/edge/edge";
import { EDGE_SECRETS } from "../../components/edge/workloads";
import { KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { loadStackSettings } from "../../stacks/settings";

const EDGE = JSON.stringify({ tls: "acme", acmeEmail: "ops@example.com", authMode: "oidc", oidcIssuerUrl: "https://id.example.com", oidcClientId: "edge" });

function settingsOf(name: string, extra: Record<string, string>) {
    const values: Record<string, string> = {
        target: "kubernetes",
        registry: "registry.example.com",
        kubeconfig: "true",
        nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
        ...extra,
    };
    return loadStackSettings(name, (key) => values[key]);
}

const platformOf = (name: string) => new KubernetesPlatform(name, { flavor: KUBERNETES, namespacePrefix: name, registry: "registry.example.com" });
const allSecrets = () => new Map<string, string>(Object.values(EDGE_SECRETS).map((key) => [key, `value-of-${key}`]));

describe("the Edge component's own guards", () => {
    it("refuses settings without an edge, or without a domain, naming both settings", () => {
        const valid = (name: string) => settingsOf(name, { domain: "qa.example.com", edge: EDGE });
        // Settings as a program wiring the component by hand could pass them: loadStackSettings refuses both.
        for (const [name, settings] of [
            ["edge-no-edge", { ...valid("edge-no-edge"), edge: undefined }],
            ["edge-no-domain", { ...valid("edge-no-domain"), domain: undefined }],
        ] as const) {
            const build = () => new Edge(name, { settings, platform: platformOf(name), servers: [], secretValues: allSecrets() });
            expect(build, name).to.throw("the edge needs sophia:edge and sophia:domain (checked when the inputs load)");
        }
        // With both, it builds (its gateway config is one artifact per program: this Edge is a program of its own).
        clearArtifacts();
        expect(
            () => new Edge("edge-both", { settings: valid("edge-both"), platform: platformOf("edge-both"), servers: [], secretValues: allSecrets() }),
        ).to.not.throw();
    });

    it("names the secret whose value it was not given, and never a value", () => {
        const secretValues = allSecrets();
        secretValues.delete(EDGE_SECRETS.cookieSecret);
        const name = "edge-no-cookie";
        const build = () =>
            new Edge(name, { settings: settingsOf(name, { domain: "qa.example.com", edge: EDGE }), platform: platformOf(name), servers: [], secretValues });
        expect(build).to.throw(`edge: no value for secret ${EDGE_SECRETS.cookieSecret}`);
        let message = "";
        try {
            build();
        } catch (e) {
            message = (e as Error).message;
        }
        for (const value of secretValues.values()) expect(message).to.not.include(value);
    });
});
