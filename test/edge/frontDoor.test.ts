// The Kubernetes front door of the edge (components/edge/edge.ts) under the mocks, in process: the
// ingress controller and the certificates per target and TLS mode. No stack file combines full
// Kubernetes with provided certificates, so the program's own test never builds that one.
import { expect } from "chai";
import { publicTestServer } from "../support/workloads";
import { clearArtifacts } from "../../components/artifacts";
import { Edge } from "../../components/edge/edge";
import { EDGE_SECRETS } from "../../components/edge/workloads";
import { K3S, KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { loadStackSettings } from "../../stacks/settings";
import { resolveServerSpec } from "../../stacks/specs";
import { monitor, recordedUnder, settled } from "../support/setup";

/** Builds an Edge named `name` (unique: the mocks are global) for one public server; returns what it registered. */
async function frontDoor(name: string, target: "kubernetes" | "k3s", tls: "acme" | "provided") {
    const settings = loadStackSettings(name, (key) =>
        key === "target"
            ? target
            : (
                  {
                      registry: "registry.example.com",
                      kubeconfig: "true",
                      domain: "qa.example.com",
                      nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
                      edge: JSON.stringify({
                          tls,
                          acmeEmail: "ops@example.com",
                          authMode: "oidc",
                          oidcIssuerUrl: "https://id.example.com",
                          oidcClientId: "edge",
                      }),
                  } as Record<string, string>
              )[key],
    );
    const entry = publicTestServer(`${name}-api`);
    const platform = new KubernetesPlatform(name, { flavor: target === "k3s" ? K3S : KUBERNETES, namespacePrefix: name, registry: "registry.example.com" });
    // The gateway's config is one artifact per program: each Edge here is a program of its own.
    clearArtifacts();
    const secretValues = new Map(Object.values(EDGE_SECRETS).map((key) => [key, `value-of-${key}`]));
    new Edge(name, { settings, platform, servers: [{ spec: resolveServerSpec(entry, settings), address: `${name}-api` }], secretValues });
    await settled();
    const resources = recordedUnder(name);
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return { resources, ofType, releases: ofType("kubernetes:helm.sh/v3:Release").map((r) => (r.inputs as { chart: string }).chart) };
}

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

describe("the edge's Kubernetes front door", () => {
    it("installs ingress-nginx on full Kubernetes with provided certificates too, and serves them from one TLS secret", async () => {
        const { ofType, releases, resources } = await frontDoor("fd-k8s-provided", "kubernetes", "provided");
        expect(releases).to.deep.equal(["ingress-nginx"]);
        const [tlsSecret] = ofType("kubernetes:core/v1:Secret").filter((s) => (s.inputs as { type?: string }).type === "kubernetes.io/tls");
        expect(tlsSecret.inputs).to.deep.include({ metadata: { name: "edge-tls", namespace: "fd-k8s-provided-edge" } });
        // The certificate and key stay secret: the plan keeps only their names.
        expect((tlsSecret.inputs as { stringData: unknown }).stringData).to.equal("[secret]");
        expect(monitor.secretMapKeys.get(tlsSecret.urn)).to.deep.equal({ stringData: ["tls.crt", "tls.key"] });
        const [ingress] = ofType(INGRESS);
        const spec = (ingress.inputs as { spec: { ingressClassName: string; tls: { hosts: string[]; secretName: string }[] } }).spec;
        expect(spec.ingressClassName).to.equal("nginx");
        expect(spec.tls).to.deep.equal([{ hosts: ["fd-k8s-provided-api.mcp.qa.example.com"], secretName: "edge-tls" }]);
        // The route waits for the controller that serves it and the certificate it names; no ACME issuer is involved.
        const urnOf = (type: string) => resources.find((r) => r.type === type)!.urn;
        expect(ingress.dependsOn).to.include.members([urnOf("kubernetes:helm.sh/v3:Release"), tlsSecret.urn]);
        expect(JSON.stringify(ingress.inputs)).to.not.contain("cert-manager.io/cluster-issuer");
        expect(ofType("kubernetes:cert-manager.io/v1:ClusterIssuer")).to.deep.equal([]);
    });

    it("on full Kubernetes with ACME, issues certificates once the controller that answers the challenges is installed", async () => {
        const { ofType, releases, resources } = await frontDoor("fd-k8s-acme", "kubernetes", "acme");
        expect(releases).to.have.members(["ingress-nginx", "cert-manager"]);
        const [issuer] = ofType("kubernetes:cert-manager.io/v1:ClusterIssuer");
        const releaseUrns = ofType("kubernetes:helm.sh/v3:Release").map((r) => r.urn);
        expect(issuer.dependsOn).to.include.members(releaseUrns);
        const [ingress] = ofType(INGRESS);
        expect(ingress.dependsOn).to.include.members([...releaseUrns, issuer.urn]);
        expect(ofType("kubernetes:core/v1:Secret").filter((s) => (s.inputs as { type?: string }).type === "kubernetes.io/tls")).to.deep.equal([]);
        expect(resources.filter((r) => r.name.endsWith("-acme-solver"))).to.have.length(1);
    });

    it("on K3s uses the bundled Traefik: no controller to install, with either kind of certificate", async () => {
        expect((await frontDoor("fd-k3s-provided", "k3s", "provided")).releases).to.deep.equal([]);
        expect((await frontDoor("fd-k3s-acme", "k3s", "acme")).releases).to.deep.equal(["cert-manager"]);
    });
});
