// The Helm charts of the Kubernetes edge (ingress-nginx, cert-manager) as the program installs them
// from each stack file, evaluated in process: every image the charts can run comes through the stack
// registry's mirror of the chart's own upstream registry, and the hardening a reviewer expects is set.
import { expect } from "chai";
import { platformStacks } from "../../esc/needs";
import { ROOT } from "../support/plan";
import { evaluateStack, ofType, policyViolations, stackConfigOf, type Evaluated } from "../support/program";

const RELEASE = "kubernetes:helm.sh/v3:Release";
type Release = { chart: string; version: string; namespace: string; createNamespace: boolean; repositoryOpts: { repo: string }; values: any };
const releasesOf = (e: Evaluated): Release[] => ofType(e, RELEASE).map((r) => r.inputs as Release);
const edgeChart = (e: Evaluated, chart: string) => releasesOf(e).find((r) => r.chart === chart);

/**
 * Runs `check` on each stack file whose edge installs `chart`, evaluated in this test (not once in a
 * hook: a mutant runs only the tests whose own evaluation reached it); returns how many stacks did.
 */
async function eachInstalling(chart: string, check: (stack: string, e: Evaluated, release: Release) => void): Promise<number> {
    let installing = 0;
    for (const stack of platformStacks(ROOT)) {
        const e = await evaluateStack(stack);
        const release = edgeChart(e, chart);
        if (!release) continue;
        installing++;
        check(stack, e, release);
    }
    return installing;
}

describe("the edge's Helm charts", function () {
    this.timeout(300_000);
    it("pull ingress-nginx's every image through the mirror of registry.k8s.io, and keep Ingress snippets and the server version off", async () => {
        const installing = await eachInstalling("ingress-nginx", (stack, e, release) => {
            const registry = e.settings.registry;
            expect(release.repositoryOpts.repo).to.equal("https://kubernetes.github.io/ingress-nginx");
            expect(release.namespace).to.equal("ingress-nginx");
            expect(release.createNamespace).to.equal(true);
            const mirror = { registry: `${registry}/mirror/registry.k8s.io` };
            const { controller, defaultBackend } = release.values;
            expect(controller.image, stack).to.deep.equal(mirror);
            expect(controller.admissionWebhooks.patch.image, stack).to.deep.equal(mirror);
            expect(controller.opentelemetry.image, stack).to.deep.equal(mirror);
            expect(defaultBackend.image, stack).to.deep.equal(mirror);
            // An Ingress's snippet annotations would let any namespace rewrite the shared controller's config.
            expect(controller.allowSnippetAnnotations, stack).to.equal(false);
            expect(controller.config, stack).to.deep.equal({ "hsts-include-subdomains": "true", "server-tokens": "false" });
            // The routes name the class the chart creates, which is not the cluster's default.
            const classes = ofType(e, "kubernetes:networking.k8s.io/v1:Ingress").map(
                (r) => (r.inputs as { spec: { ingressClassName: string } }).spec.ingressClassName,
            );
            expect(classes, stack).to.not.be.empty;
            expect(controller.ingressClassResource, stack).to.deep.equal({ name: classes[0], default: false });
            expect(new Set(classes).size, stack).to.equal(1);
        });
        expect(installing, "stack files installing ingress-nginx (full Kubernetes)").to.be.greaterThan(0);
    });

    it("pull cert-manager's every image through the mirror of quay.io, and install its CRDs with it", async () => {
        const installing = await eachInstalling("cert-manager", (stack, e, release) => {
            expect(release.repositoryOpts.repo).to.equal("https://charts.jetstack.io");
            expect(release.namespace).to.equal("cert-manager");
            const jetstack = `${e.settings.registry}/mirror/quay.io/jetstack/cert-manager-`;
            const { values } = release;
            expect(values.image, stack).to.deep.equal({ repository: `${jetstack}controller` });
            for (const part of ["webhook", "cainjector", "startupapicheck", "acmesolver"])
                expect(values[part], `${stack} ${part}`).to.deep.equal({ image: { repository: `${jetstack}${part}` } });
            // The ClusterIssuer the edge registers is one of the chart's CRDs.
            expect(values.crds, stack).to.deep.equal({ enabled: true });
        });
        expect(installing, "stack files installing cert-manager (ACME certificates)").to.be.greaterThan(0);
    });

    it("pass the policy pack's rules on every stack that installs them", async () => {
        let installing = 0;
        for (const stack of platformStacks(ROOT)) {
            const e = await evaluateStack(stack);
            const releaseUrns = new Set(ofType(e, RELEASE).map((r) => r.urn));
            if (releaseUrns.size === 0) continue;
            installing++;
            const violations = policyViolations(e, stackConfigOf(stack)).filter((v) => v.urn !== undefined && releaseUrns.has(v.urn));
            expect(violations, stack).to.deep.equal([]);
        }
        expect(installing).to.be.greaterThan(0);
    });
});
