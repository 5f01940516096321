import { expect } from "chai";
import { warningTexts } from "./client";
import { customGroups, KubeObject, orderManifests, podFor } from "./workloads";

// The engine test's own translation (manifests → apply order, workload → the pod its controller
// makes), checked without an API server so a mistake here cannot hide behind the engine.
const template = {
    metadata: { labels: { app: "web" }, annotations: { note: "kept" } },
    spec: { serviceAccountName: "web", containers: [{ name: "web", image: "web:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
};
const workload = (apiVersion: string, kind: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name: "web", namespace: "apps" },
    spec,
});

describe("engine test: workloads to pods", function () {
    it("stamps the pod of a Deployment from its template", function () {
        const pod = podFor(workload("apps/v1", "Deployment", { template }))!;
        expect(pod.metadata).to.deep.equal({ name: "web-engine-check", namespace: "apps", labels: { app: "web" }, annotations: { note: "kept" } });
        expect(pod.spec).to.deep.equal(template.spec);
    });

    it("reaches a CronJob's pod template through its job template", function () {
        const pod = podFor(workload("batch/v1", "CronJob", { schedule: "0 * * * *", jobTemplate: { spec: { template } } }))!;
        expect(pod.spec).to.deep.equal(template.spec);
    });

    it("gives a StatefulSet's first pod its claim volumes, hostname and subdomain, as the controller does", function () {
        const pod = podFor(
            workload("apps/v1", "StatefulSet", { serviceName: "web-headless", template, volumeClaimTemplates: [{ metadata: { name: "data" } }] }),
        )!;
        expect(pod.metadata.name).to.equal("web-0");
        expect(pod.spec).to.include({ hostname: "web-0", subdomain: "web-headless" });
        expect((pod.spec as { volumes: unknown[] }).volumes).to.deep.equal([{ name: "data", persistentVolumeClaim: { claimName: "data-web-0" } }]);
    });

    it("makes no pod for a kind that runs none", function () {
        expect(podFor(workload("v1", "Service", { ports: [] }))).to.equal(undefined);
    });

    it("applies namespaces first and names the API groups that need CRDs", function () {
        const m = (apiVersion: string, kind: string) => ({ file: `${kind}.yaml`, object: { apiVersion, kind, metadata: { name: kind } } });
        const manifests = [
            m("apps/v1", "Deployment"),
            m("v1", "Namespace"),
            m("monitoring.coreos.com/v1", "ServiceMonitor"),
            m("cert-manager.io/v1", "ClusterIssuer"),
        ];
        const { namespaces, rest } = orderManifests(manifests);
        expect(namespaces.map((n) => n.object.kind)).to.deep.equal(["Namespace"]);
        expect(rest.map((n) => n.object.kind)).to.deep.equal(["Deployment", "ServiceMonitor", "ClusterIssuer"]);
        expect(customGroups(rest, (g) => g === "apps")).to.deep.equal(["cert-manager.io", "monitoring.coreos.com"]);
    });

    it("reads the text of the server's Warning headers", function () {
        expect(warningTexts(['299 - "would violate PodSecurity \\"restricted:latest\\""', "odd"])).to.deep.equal([
            'would violate PodSecurity "restricted:latest"',
            "odd",
        ]);
    });
});
