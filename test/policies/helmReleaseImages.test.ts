// How the Helm rules read a release's chart and values when keys are left empty or the chart is not
// named, and which resources count as a Helm release at all.
import { expect } from "chai";
import { requireHelmImageOverrides } from "../../policies/helm/requireHelmImageOverrides";
import { helmImagesOf, HELM_RELEASE } from "../../policies/helm/values";
import { requireApprovedRegistry } from "../../policies/workloads/requireApprovedRegistry";
import { checkResource, urnOf, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const config = { approvedRegistries: ["registry.sophia-ai.com"] };

const release = (chart: string | undefined, values: Obj): Fixture => ({
    type: HELM_RELEASE,
    urn: urnOf(HELM_RELEASE, chart ?? "release"),
    name: chart ?? "release",
    props: { ...(chart === undefined ? {} : { chart }), version: "1.0.0", namespace: "x", values },
});

describe("Helm release values with empty or missing keys", () => {
    it("require-helm-image-overrides counts an empty registry and repository as no override", () => {
        // Charts' own values.yaml often ship `registry: ""`; copying it overrides nothing.
        expect(checkResource(requireHelmImageOverrides, release("prometheus-adapter", { image: { registry: "", repository: "" } }))).to.deep.equal([
            "values.image leaves the image at the chart's default registry",
        ]);
    });

    it("require-helm-image-overrides reports a release that names no chart as unnamed", () => {
        expect(checkResource(requireHelmImageOverrides, release(undefined, {}))).to.deep.equal([
            "chart (unnamed) has no list of image keys, so its images cannot be checked; add them to policies/helm/chartImages.ts",
        ]);
    });

    it("require-approved-registry judges a whole image string next to an empty repository key", () => {
        const values = { sidecar: { repository: "", image: "quay.io/kiwigrid/k8s-sidecar:1.28.0" } };
        expect(checkResource(requireApprovedRegistry, release("x", values), config)).to.deep.equal([
            "values.sidecar runs quay.io/kiwigrid/k8s-sidecar:1.28.0, which is not from an approved registry (registry.sophia-ai.com)",
        ]);
    });

    it("reads values only from a Helm release, not from a v4 Chart whose rendered workloads are checked themselves", () => {
        const chart = { type: "kubernetes:helm.sh/v4:Chart", props: { chart: "x", values: { image: { registry: "quay.io", repository: "a/b" } } } };
        expect(helmImagesOf(chart)).to.deep.equal([]);
        expect(helmImagesOf({ ...chart, type: HELM_RELEASE })).to.deep.equal([{ where: "values.image", image: "quay.io/a/b" }]);
    });
});
