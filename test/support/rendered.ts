// Reading an evaluated program (test/support/program.ts) as its targets would: a component's
// workloads, the names a workload is deployed and resolved under, its container as its runtime
// starts it, and what Prometheus' service discovery reports for it.
import * as crypto from "crypto";
import * as YAML from "yaml";
import type { RecordedResource } from "../../commands/plan/recorder";
import { Container, kubernetesContainer, podTemplateOf, SecretValue, swarmContainer } from "./containers";
import { artifact, Evaluated } from "./program";
import { podOf } from "./reach";
import { DiscoveredTarget, metaLabel } from "./scrape";

export type Json = Record<string, any>;

export const isKubernetes = (r: RecordedResource): boolean => r.type.startsWith("kubernetes:");

/** Long-running workloads on either target. */
export const WORKLOAD_TYPES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "docker:index/service:Service"];
/** Kubernetes kinds that run pods. */
export const POD_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job"];

/** A component's resource (sophia:platform:<type>) and its children. */
export function componentOf(e: Evaluated, type: string): { component: RecordedResource; children: RecordedResource[] } {
    const component = e.resources.find((r) => r.type === `sophia:platform:${type}`);
    if (!component) throw new Error(`the program of ${e.settings.stack} registers no ${type}`);
    return { component, children: e.resources.filter((r) => r.parent === component.urn) };
}

/** The name a workload is deployed under: its object's on Kubernetes, its service's without the stack's prefix on Swarm. */
export function workloadName(e: Evaluated, workload: RecordedResource): string {
    if (isKubernetes(workload)) return (workload.inputs.metadata as Json).name;
    return String(workload.inputs.name).slice(`${e.settings.namespace}-`.length);
}

/** A workload's labels: its pods' on Kubernetes, its service's on Swarm. */
export function labelsOf(workload: RecordedResource): Record<string, string> {
    if (isKubernetes(workload)) return podTemplateOf(workload).metadata?.labels ?? {};
    return Object.fromEntries((workload.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}

/** The literal variables of a workload's (or job's) first container (none for a resource that runs no container). */
export function envOf(r: RecordedResource): Record<string, string> {
    if (r.type === "docker:index/service:Service") return ((r.inputs.taskSpec as Json).containerSpec.env ?? {}) as Record<string, string>;
    if (!POD_TYPES.includes(r.type)) return {};
    const env = ((podTemplateOf(r).spec.containers as Json[])[0].env ?? []) as Json[];
    return Object.fromEntries(env.filter((v) => v.value !== undefined).map((v) => [v.name as string, v.value as string]));
}

/** The literal values of a workload's (or job's) container environment. */
export const envValues = (r: RecordedResource): string[] => Object.values(envOf(r));

/** A stand-in for each secret's content: distinct per secret and key, like a generated password. */
export const secretValue: SecretValue = (secret, key) => crypto.createHash("sha256").update(`${secret}/${key}`).digest("hex").slice(0, 32);

/** The Kubernetes Services that select a workload's pods. */
export function servicesOf(e: Evaluated, workload: RecordedResource): Json[] {
    const pod = podOf(workload);
    return e.resources
        .filter((r) => r.type === "kubernetes:core/v1:Service")
        .map((r) => r.inputs as Json)
        .filter(
            (s) =>
                s.metadata.namespace === pod.namespace &&
                Object.entries((s.spec.selector ?? {}) as Record<string, string>).every(([k, v]) => pod.labels[k] === v),
        );
}

/** The key names of a Kubernetes Secret of the plan (its values are redacted). */
function secretKeys(e: Evaluated, namespace: string, name: string): string[] | undefined {
    const secret = e.resources.find(
        (r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as Json).name === name && (r.inputs.metadata as Json).namespace === namespace,
    );
    return secret ? (e.secretMapKeys.get(secret.urn)?.stringData ?? Object.keys((secret.inputs.stringData as Json) ?? {})) : undefined;
}

/** The container the workload's runtime starts, with `value` as every secret's content. */
export function containerOf(e: Evaluated, workload: RecordedResource, value: SecretValue = secretValue): Container {
    if (!isKubernetes(workload)) return swarmContainer(workload, e.resources, value);
    const namespace = (workload.inputs.metadata as Json).namespace;
    return kubernetesContainer(workload, (name) => secretKeys(e, namespace, name), value);
}

/** The names the platform's DNS resolves to the workload: its Services' on Kubernetes, its service name and network aliases on Swarm. */
export function dnsNames(e: Evaluated, workload: RecordedResource): string[] {
    if (isKubernetes(workload)) {
        const namespace = podOf(workload).namespace;
        return servicesOf(e, workload).flatMap((s) => [`${s.metadata.name}.${namespace}.svc.cluster.local`, `${s.metadata.name}.${namespace}.svc`]);
    }
    const aliases = ((workload.inputs.taskSpec as Json).networksAdvanceds as { aliases?: string[] }[]).flatMap((n) => n.aliases ?? []);
    return [...new Set([String(workload.inputs.name), ...aliases])];
}

/** The workloads and jobs whose environment names one of `addresses` (alone, or with a port or path after it). */
export function clientsOf(e: Evaluated, addresses: readonly string[]): RecordedResource[] {
    const names = (v: string) => addresses.some((a) => v === a || v.startsWith(`${a}:`) || v.startsWith(`http://${a}:`) || v.startsWith(`http://${a}/`));
    return e.resources.filter((r) => envValues(r).some(names));
}

/** Swarm: what dockerswarm discovery (role tasks) reports for a service's task: a target per network it joins, at port 80 (no published port). */
function swarmDiscovery(e: Evaluated, service: RecordedResource): DiscoveredTarget[] {
    const networks = e.resources.filter((r) => r.type === "docker:index/network:Network");
    const labels = Object.fromEntries(Object.entries(labelsOf(service)).map(([k, v]) => [metaLabel("__meta_dockerswarm_service_label_", k), v]));
    return ((service.inputs.taskSpec as Json).networksAdvanceds as { name: string }[]).map(({ name }) => ({
        targets: ["127.0.0.1:80"],
        labels: {
            ...labels,
            __meta_dockerswarm_network_name: String(networks.find((n) => `${n.name}-id` === name)!.inputs.name),
            __meta_dockerswarm_task_desired_state: "running",
            __meta_dockerswarm_task_slot: "1",
            __meta_dockerswarm_service_name: String(service.inputs.name),
        },
    }));
}

/** Kubernetes: what endpoints discovery reports for a workload's pod: a target per port of each Service selecting it. */
function kubernetesDiscovery(e: Evaluated, workload: RecordedResource): DiscoveredTarget[] {
    const pod = podOf(workload);
    const meta = (prefix: string, values: Record<string, string> | undefined) =>
        Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [metaLabel(prefix, k), v]));
    return servicesOf(e, workload).flatMap((service) =>
        (service.spec.ports as Json[]).map((port) => ({
            targets: [`127.0.0.1:${typeof port.targetPort === "number" ? port.targetPort : pod.ports.get(port.targetPort ?? port.name)}`],
            labels: {
                ...meta("__meta_kubernetes_service_annotation_", service.metadata.annotations),
                ...meta("__meta_kubernetes_service_label_", service.metadata.labels),
                __meta_kubernetes_namespace: pod.namespace,
                __meta_kubernetes_service_name: service.metadata.name,
                __meta_kubernetes_pod_name: `${(workload.inputs.metadata as Json).name}-0`,
            },
        })),
    );
}

/** What the target's service discovery reports for a workload, with its task or pod at 127.0.0.1. */
export const discoveryOf = (e: Evaluated, workload: RecordedResource): DiscoveredTarget[] =>
    isKubernetes(workload) ? kubernetesDiscovery(e, workload) : swarmDiscovery(e, workload);

/** The stack's scrape job for the platform's workloads (not the MCP servers): Swarm's prometheus.yml, or the Kubernetes chart's additional job. */
export function workloadScrapeJob(e: Evaluated): Record<string, unknown> {
    if (e.settings.target === "swarm") {
        const jobs = (YAML.parse(artifact(e, "monitoring/prometheus.yml")) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
        return jobs.find((j) => j.dockerswarm_sd_configs)!;
    }
    const chart = e.resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs.values as Json)?.prometheus?.prometheusSpec?.additionalScrapeConfigs,
    );
    if (!chart) throw new Error(`the program of ${e.settings.stack} installs no Prometheus chart with additional scrape jobs`);
    const jobs = (chart.inputs.values as Json).prometheus.prometheusSpec.additionalScrapeConfigs as Record<string, unknown>[];
    return jobs.find((j) => j.kubernetes_sd_configs)!;
}
