// The platform's namespaces and pods as the monitoring stack's selectors see them, in each Kubernetes
// stack's program: Prometheus' operator reads ServiceMonitors and PrometheusRules only in namespaces
// labelled as the platform's, and the charts' own NetworkPolicy (`monitoring-stack`) is meant for the
// charts' pods, which are not labelled so.
import { expect } from "chai";
import type { RecordedResource } from "../../commands/plan/recorder";
import { kubernetesStacks } from "../support/plan";
import { evaluateStack, ofType } from "../support/program";
import { matches, namespaceLabels, podOf } from "../support/reach";

type Json = Record<string, any>;

const POD_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];
const metadataOf = (r: RecordedResource): Json => r.inputs.metadata as Json;

describe("the platform's namespaces and pods under the monitoring stack's selectors", () => {
    for (const stack of kubernetesStacks()) {
        it(`${stack}: Prometheus finds every ServiceMonitor and PrometheusRule: their namespaces match the chart's namespace selectors`, async () => {
            const e = await evaluateStack(stack);
            const release = ofType(e, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack");
            expect(release, "the kube-prometheus-stack release").to.not.equal(undefined);
            const prometheus = (release!.inputs.values as Json).prometheus.prometheusSpec as Json;
            const selectors: [string, Json][] = [
                ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", prometheus.serviceMonitorNamespaceSelector],
                ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", prometheus.ruleNamespaceSelector],
            ];
            for (const [type, selector] of selectors) {
                const objects = ofType(e, type);
                expect(objects.length, type).to.be.greaterThan(0);
                for (const object of objects) {
                    const namespace = metadataOf(object).namespace as string;
                    expect(matches(selector, namespaceLabels(e.resources, namespace)), `${type} ${namespace}/${metadataOf(object).name}`).to.equal(true);
                }
            }
        });

        it(`${stack}: each platform pod is governed by its own NetworkPolicy and its namespace's default deny, not by the charts' allowances`, async () => {
            const e = await evaluateStack(stack);
            const policies = ofType(e, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            expect(
                policies.map((p) => metadataOf(p).name),
                "the charts' policy",
            ).to.include("monitoring-stack");
            const workloads = e.resources.filter((r) => POD_TYPES.includes(r.type));
            // The monitoring namespace runs platform pods (Jaeger) beside the charts' pods.
            const monitoringNamespace = metadataOf(policies.find((p) => metadataOf(p).name === "monitoring-stack")!).namespace;
            expect(workloads.map((w) => metadataOf(w).namespace)).to.include(monitoringNamespace);
            for (const workload of workloads) {
                const pod = podOf(workload);
                const selecting = policies
                    .filter((p) => metadataOf(p).namespace === pod.namespace && matches((p.inputs.spec as Json).podSelector, pod.labels))
                    .map((p) => metadataOf(p).name as string);
                expect(selecting.sort(), `the policies selecting ${pod.namespace}/${metadataOf(workload).name}'s pods`).to.deep.equal(
                    ["default-deny", metadataOf(workload).name].sort(),
                );
            }
        });
    }
});
