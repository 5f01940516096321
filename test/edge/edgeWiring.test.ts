// How the Kubernetes edge fits the cluster it runs on (components/edge under the mocks, in process):
// the routes go to the ingress controller the cluster's flavor runs, over TLS only and unbuffered;
// the ACME solver admits that controller; the gateway's pod can write what its nginx.conf makes nginx
// write, reads the config where it is mounted, and reaches oauth2-proxy through a Service.
import * as path from "path";
import { expect } from "chai";
import { publicTestServer } from "../support/workloads";
import { clearArtifacts } from "../../components/artifacts";
import { Edge } from "../../components/edge/edge";
import { EDGE_SECRETS, GATEWAY, OAUTH2_PROXY_PORT } from "../../components/edge/workloads";
import { K3S, KUBERNETES, KubernetesFlavor } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { loadStackSettings, StackSettings } from "../../stacks/settings";
import { resolveServerSpec } from "../../stacks/specs";
import type { RecordedResource } from "../../commands/plan/recorder";
import { monitor, settled } from "../support/setup";

const EDGE = { tls: "acme", acmeEmail: "ops@example.com", authMode: "oidc", oidcIssuerUrl: "https://id.example.com", oidcClientId: "edge" };
/** A Kubernetes object name (RFC 1123 label), as the API server requires of a Service's. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Builds an Edge (a program of its own: unique name, its own artifacts) for one public server on `flavor`; returns what it registered. */
async function edgeOn(name: string, flavor: KubernetesFlavor): Promise<{ settings: StackSettings; resources: RecordedResource[] }> {
    const values: Record<string, string> = {
        target: flavor.name,
        registry: "registry.example.com",
        kubeconfig: "true",
        domain: "qa.example.com",
        nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
        edge: JSON.stringify(EDGE),
    };
    const settings = loadStackSettings(name, (key) => values[key]);
    const entry = publicTestServer(`${name}-api`);
    const platform = new KubernetesPlatform(name, { flavor, namespacePrefix: name, registry: "registry.example.com" });
    clearArtifacts();
    const secretValues = new Map(Object.values(EDGE_SECRETS).map((key) => [key, `value-of-${key}`]));
    const from = monitor.recorded.length;
    new Edge(name, { settings, platform, servers: [{ spec: resolveServerSpec(entry, settings), address: `${name}-api` }], secretValues });
    await settled();
    return { settings, resources: monitor.recorded.slice(from) };
}

const inputs = (r: RecordedResource): any => r.inputs;
const ofType = (resources: RecordedResource[], type: string): any[] => resources.filter((r) => r.type === type).map(inputs);

for (const flavor of [KUBERNETES, K3S]) {
    describe(`the edge on ${flavor.name}: how it fits the cluster`, () => {
        it(`routes every host through the ingress class ${flavor.name} runs, which also answers the ACME challenges`, async () => {
            const { resources } = await edgeOn(`ew-${flavor.name}-class`, flavor);
            const ingresses = ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress");
            expect(ingresses).to.have.length.above(0);
            for (const ingress of ingresses) expect(ingress.spec.ingressClassName, ingress.metadata.name).to.equal(flavor.ingressClassName);
            const [issuer] = ofType(resources, "kubernetes:cert-manager.io/v1:ClusterIssuer");
            expect(issuer.spec.acme.solvers.map((s: any) => s.http01.ingress.ingressClassName)).to.deep.equal([flavor.ingressClassName]);
        });

        it("lets the ACME solver be reached from the namespace the ingress controller runs in", async () => {
            const { resources } = await edgeOn(`ew-${flavor.name}-solver`, flavor);
            const solver = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.metadata.name === "acme-http01-solver");
            const admitted = solver.spec.ingress.flatMap((rule: any) =>
                rule.from.map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
            );
            expect(admitted).to.deep.equal([flavor.ingressControllerNamespace]);
            // Where the program installs the controller itself, that is the namespace of its release.
            const controller = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.chart === "ingress-nginx");
            if (controller) expect(admitted).to.deep.equal([controller.namespace]);
        });

        it("keeps the routes on TLS, and on ingress-nginx unbuffered with the edge's stream timeout and body limit", async () => {
            const { settings, resources } = await edgeOn(`ew-${flavor.name}-tls`, flavor);
            const edge = settings.edge!;
            for (const ingress of ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress")) {
                const annotations: Record<string, string> = ingress.metadata.annotations;
                if (flavor.ingressClassName === "traefik") {
                    // Traefik serves a route on every entrypoint unless told otherwise, the plain HTTP one too.
                    expect(annotations).to.include({
                        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                        "traefik.ingress.kubernetes.io/router.tls": "true",
                    });
                } else {
                    expect(annotations).to.include({
                        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                        // ingress-nginx buffers and cuts a response after 60 s by default: an event stream would stall, then end.
                        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
                        "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
                        "nginx.ingress.kubernetes.io/proxy-read-timeout": String(edge.streamTimeoutSeconds),
                        "nginx.ingress.kubernetes.io/proxy-send-timeout": String(edge.streamTimeoutSeconds),
                        "nginx.ingress.kubernetes.io/proxy-body-size": edge.maxRequestBodySize,
                    });
                }
            }
        });

        it("gives the gateway's nginx a writable place for everything its config makes it write, and the config where it reads it", async () => {
            const { resources } = await edgeOn(`ew-${flavor.name}-pod`, flavor);
            const [configMap] = ofType(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.data?.["nginx.conf"]);
            const config: string = configMap.data["nginx.conf"];
            const deployment = ofType(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === GATEWAY);
            const pod = deployment.spec.template.spec;
            const [container] = pod.containers;
            expect(container.securityContext.readOnlyRootFilesystem).to.equal(true);
            const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
            const writable: string[] = container.volumeMounts.filter((m: any) => volume(m.name)?.emptyDir).map((m: any) => m.mountPath);
            const written = [...config.matchAll(/^\s*(?:pid|[a-z]+_temp_path) (\S+);$/gm)].map((m) => m[1]);
            expect(written).to.have.length.above(0);
            for (const file of written) {
                expect(path.isAbsolute(file), file).to.equal(true);
                expect(
                    writable.some((dir) => file.startsWith(`${dir}/`)),
                    `${file} under one of ${writable.join(", ")}`,
                ).to.equal(true);
            }
            // The file the command reads is the one the ConfigMap's nginx.conf is mounted as.
            const configFile = container.command[container.command.indexOf("-c") + 1];
            expect(path.isAbsolute(configFile), configFile).to.equal(true);
            const mount = container.volumeMounts.find((m: any) => m.mountPath === configFile);
            expect(mount, `a mount at ${configFile}`).to.not.equal(undefined);
            expect(volume(mount.name).configMap.name).to.equal(configMap.metadata.name);
            expect(mount.subPath).to.equal("nginx.conf");
        });

        it("reaches oauth2-proxy through a Service of its pods, on the port it listens on", async () => {
            const { resources } = await edgeOn(`ew-${flavor.name}-auth`, flavor);
            const [configMap] = ofType(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.data?.["nginx.conf"]);
            const [, host, port] = /upstream oauth2_proxy \{\s*server ([^\s:;]+):(\d+);/.exec(configMap.data["nginx.conf"]) ?? [];
            const service = ofType(resources, "kubernetes:core/v1:Service").find(
                (s) => host === `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`,
            );
            expect(service, `a Service answering ${host}`).to.not.equal(undefined);
            expect(service.metadata.name).to.match(DNS_LABEL);
            expect(service.spec.ports.map((p: any) => p.port)).to.include(Number(port));
            const pods = ofType(resources, "kubernetes:apps/v1:Deployment").find((d) =>
                Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
            );
            expect(pods.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort)).to.include(OAUTH2_PROXY_PORT);
            expect(Number(port)).to.equal(OAUTH2_PROXY_PORT);
        });
    });
}
