import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingV2 from "@pulumi/kubernetes/autoscaling/v2";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";
import type * as k8sInputs from "@pulumi/kubernetes/types/input";
import { Provider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigHandle, Group, JobSpec, KubernetesTarget, PerTarget, ScheduledJobSpec, SecretHandle, WorkloadHandle, WorkloadSpec } from "../types";
import { imageFrom } from "../images";
import type { KubernetesFlavor } from "./flavor";
import { defaultDenySpec, NetworkInputs, workloadNetworkPolicySpec } from "./network";
import { jobPodSpec, selectorLabels, workloadLabels, workloadPodSpec } from "./pod";
import { scrapeLabels } from "../conventions";

export interface KubernetesPlatformArgs {
    readonly flavor: KubernetesFlavor;
    /** Prefix of the namespaces: <prefix>-mcp, <prefix>-monitoring, ... */
    readonly namespacePrefix: string;
    readonly kubeconfig?: pulumi.Input<string>;
    readonly context?: string;
    readonly storageClass?: string;
    /** The stack's registry; upstream images are pulled through its mirror. */
    readonly registry: string;
    /** Image digests from the release pipeline's lock (catalog/images.lock.yaml); listed images are pulled by digest. */
    readonly imageDigests?: Readonly<Record<string, string>>;
}

/** The cluster: its provider and one namespace per group, each with a default-deny NetworkPolicy. */
export class KubernetesPlatform extends pulumi.ComponentResource implements KubernetesTarget {
    readonly target: KubernetesFlavor["name"];
    readonly provider: Provider;
    private readonly namespaces = new Map<Group, coreV1.Namespace>();

    constructor(
        name: string,
        private readonly args: KubernetesPlatformArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("sophia:platform:KubernetesCluster", name, {}, opts);
        this.target = args.flavor.name;
        this.provider = new Provider(`${name}-provider`, { kubeconfig: args.kubeconfig, context: args.context, enableServerSideApply: true }, { parent: this });
        this.registerOutputs({});
    }

    /** Storage class of persistent volumes: the stack's, else the flavor's default. */
    get storageClass(): string {
        return this.args.storageClass ?? this.args.flavor.defaultStorageClass;
    }

    /** The stack's registry, whose mirror Helm charts pull their images through. */
    get registry(): string {
        return this.args.registry;
    }

    namespaceName(group: Group): string {
        return `${this.args.namespacePrefix}-${group}`;
    }

    /** The group's namespace, created with its default-deny policy on first use. */
    namespace(group: Group): coreV1.Namespace {
        const existing = this.namespaces.get(group);
        if (existing) return existing;
        const name = this.namespaceName(group);
        const opts = { parent: this, provider: this.provider };
        const namespace = new coreV1.Namespace(
            name,
            {
                metadata: {
                    name,
                    labels: {
                        "app.kubernetes.io/part-of": "sophia",
                        "sophia.ai/group": group,
                        // Enforce the restricted profile for everything in the namespace, not only our pods.
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                    },
                },
            },
            opts,
        );
        new networkingV1.NetworkPolicy(
            `${name}-default-deny`,
            { metadata: { name: "default-deny", namespace: name }, spec: defaultDenySpec },
            { ...opts, dependsOn: [namespace] },
        );
        this.namespaces.set(group, namespace);
        return namespace;
    }

    resourceOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
        return { parent, provider: this.provider };
    }

    pick<T>(choices: PerTarget<T>): T {
        return (this.target === "k3s" && choices.k3s ? choices.k3s : choices.kubernetes)(this);
    }

    private metadata(name: string, group: Group, labels: Record<string, string> = {}) {
        return { name, namespace: this.namespaceName(group), labels: { "app.kubernetes.io/part-of": "sophia", ...labels } };
    }

    private opts(parent: pulumi.Resource, group: Group): pulumi.CustomResourceOptions {
        return { ...this.resourceOptions(parent), dependsOn: [this.namespace(group)] };
    }

    secret(name: string, group: Group, data: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): SecretHandle {
        const resource = new coreV1.Secret(
            name,
            // Secret data stays a Pulumi secret even when a caller hands over a plain value.
            // Stryker disable next-line StringLiteral: the API server stores a Secret of type "" as Opaque (SetDefaults_Secret)
            { metadata: this.metadata(name, group), type: "Opaque", stringData: pulumi.secret({ ...data }) },
            this.opts(parent, group),
        );
        return { name, group, keys: Object.keys(data), resource };
    }

    configFiles(name: string, group: Group, files: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): ConfigHandle {
        const resource = new coreV1.ConfigMap(name, { metadata: this.metadata(name, group), data: { ...files } }, this.opts(parent, group));
        return { name, group, files: Object.keys(files), resource };
    }

    /** The PersistentVolumeClaim a StatefulSet makes for each replica of a persistent volume. */
    private claimTemplate(volume: NonNullable<WorkloadSpec["volumes"]>[number]): k8sInputs.core.v1.PersistentVolumeClaim {
        return {
            metadata: { name: volume.name },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: this.args.storageClass ?? this.args.flavor.defaultStorageClass,
                resources: { requests: { storage: volume.size ?? "10Gi" } },
            },
        };
    }

    workload(requested: WorkloadSpec, parent: pulumi.Resource): WorkloadHandle {
        const spec = { ...requested, image: imageFrom(this.args.registry, requested.image, this.args.imageDigests) };
        const opts = this.opts(parent, spec.group);
        const labels = workloadLabels(spec);
        const metadata = this.metadata(spec.name, spec.group, labels);
        const secretDeps = mountedResources(spec);
        // Stryker disable next-line BooleanLiteral: its pods say automountServiceAccountToken: false themselves, which overrides the account's
        const serviceAccount = new coreV1.ServiceAccount(`${spec.name}-sa`, { metadata, automountServiceAccountToken: false }, opts);
        const template = {
            metadata: { labels },
            spec: workloadPodSpec(spec, spec.name, this.args.flavor),
        };
        const persistent = (spec.volumes ?? []).filter((v) => v.persistent);
        const workloadOpts = { ...opts, dependsOn: [this.namespace(spec.group), serviceAccount, ...secretDeps, ...(spec.after ?? [])] };
        const workload =
            persistent.length > 0
                ? new appsV1.StatefulSet(
                      `${spec.name}-statefulset`,
                      {
                          metadata,
                          spec: {
                              serviceName: spec.name,
                              replicas: spec.replicas,
                              selector: { matchLabels: selectorLabels(spec.name) },
                              template,
                              volumeClaimTemplates: persistent.map((v) => this.claimTemplate(v)),
                          },
                      },
                      workloadOpts,
                  )
                : new appsV1.Deployment(
                      `${spec.name}-deployment`,
                      {
                          metadata,
                          spec: {
                              replicas: spec.autoscaling ? undefined : spec.replicas,
                              selector: { matchLabels: selectorLabels(spec.name) },
                              strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                              template,
                          },
                      },
                      workloadOpts,
                  );
        const service = new coreV1.Service(
            `${spec.name}-service`,
            {
                // prometheus.io/* annotations let Prometheus discover workloads that declare metrics.
                metadata: { ...metadata, annotations: scrapeLabels(spec) },
                spec: {
                    type: "ClusterIP",
                    selector: selectorLabels(spec.name),
                    ports: spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
                },
            },
            opts,
        );
        const networkPolicy = this.networkPolicy(spec, metadata, opts);
        const resources: pulumi.Resource[] = [serviceAccount, workload, service, networkPolicy];
        if (spec.replicas > 1) {
            resources.push(
                new policyV1.PodDisruptionBudget(
                    `${spec.name}-pdb`,
                    { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(spec.name) } } },
                    opts,
                ),
            );
        }
        if (spec.autoscaling) {
            const { minReplicas, maxReplicas, cpuUtilization, memoryUtilization, podMetrics = [] } = spec.autoscaling;
            const utilization = (name: string, averageUtilization: number) => ({
                type: "Resource",
                resource: { name, target: { type: "Utilization", averageUtilization } },
            });
            resources.push(
                new autoscalingV2.HorizontalPodAutoscaler(
                    `${spec.name}-hpa`,
                    {
                        metadata,
                        spec: {
                            scaleTargetRef: { apiVersion: "apps/v1", kind: persistent.length > 0 ? "StatefulSet" : "Deployment", name: spec.name },
                            minReplicas,
                            maxReplicas,
                            metrics: [
                                utilization("cpu", cpuUtilization),
                                utilization("memory", memoryUtilization),
                                ...podMetrics.map((m) => ({
                                    type: "Pods",
                                    pods: { metric: { name: m.name }, target: { type: "AverageValue", averageValue: m.averageValue } },
                                })),
                            ],
                        },
                    },
                    { ...opts, dependsOn: [workload] },
                ),
            );
        }
        return { address: `${spec.name}.${this.namespaceName(spec.group)}.svc.cluster.local`, resources };
    }

    scheduledJob(requested: ScheduledJobSpec, parent: pulumi.Resource): WorkloadHandle {
        return this.jobResources(requested, parent, (metadata, template, opts) => {
            const { schedule } = requested;
            return new batchV1.CronJob(
                `${requested.name}-cronjob`,
                {
                    metadata,
                    spec: {
                        schedule,
                        timeZone: "Etc/UTC",
                        concurrencyPolicy: "Forbid",
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: { spec: { backoffLimit: 2, template } },
                    },
                },
                opts,
            );
        });
    }

    /**
     * A Job the provider waits for: `pulumi up` creates what depends on it only once it succeeded,
     * and fails the update if it does not. It is kept after it finishes, so it runs once per stack.
     */
    job(requested: JobSpec, parent: pulumi.Resource): WorkloadHandle {
        return this.jobResources(
            requested,
            parent,
            (metadata, template, opts) =>
                new batchV1.Job(
                    `${requested.name}-job`,
                    { metadata, spec: { backoffLimit: ONE_SHOT_RETRIES, activeDeadlineSeconds: ONE_SHOT_DEADLINE_SECONDS, template } },
                    { ...opts, customTimeouts: { create: `${ONE_SHOT_DEADLINE_SECONDS}s` } },
                ),
        );
    }

    /**
     * A workload's or job's NetworkPolicy. NetworkPolicy cannot name hosts, so the outbound hosts it
     * declares are kept as an annotation, for an egress gateway and review.
     */
    private networkPolicy(
        spec: NetworkInputs,
        metadata: ReturnType<KubernetesPlatform["metadata"]>,
        opts: pulumi.CustomResourceOptions,
    ): networkingV1.NetworkPolicy {
        return new networkingV1.NetworkPolicy(
            `${spec.name}-netpol`,
            {
                metadata: { ...metadata, annotations: { "sophia.ai/outbound-hosts": (spec.outbound ?? []).join(",") } },
                spec: workloadNetworkPolicySpec(spec, (g) => this.namespaceName(g), this.args.flavor),
            },
            opts,
        );
    }

    /** What every job has: its service account, pod template and network policy; `create` makes the Job or CronJob. */
    private jobResources(
        requested: JobSpec,
        parent: pulumi.Resource,
        create: (
            metadata: ReturnType<KubernetesPlatform["metadata"]>,
            template: k8sInputs.core.v1.PodTemplateSpec,
            opts: pulumi.CustomResourceOptions,
        ) => pulumi.CustomResource,
    ): WorkloadHandle {
        const spec = { ...requested, image: imageFrom(this.args.registry, requested.image, this.args.imageDigests) };
        const opts = this.opts(parent, spec.group);
        const labels = workloadLabels(spec);
        const metadata = this.metadata(spec.name, spec.group, labels);
        // Stryker disable next-line BooleanLiteral: its pods say automountServiceAccountToken: false themselves, which overrides the account's
        const serviceAccount = new coreV1.ServiceAccount(`${spec.name}-sa`, { metadata, automountServiceAccountToken: false }, opts);
        // The network policy comes first: a job's pod must reach its peers on its first try.
        const networkPolicy = this.networkPolicy({ ...spec, ports: [] }, metadata, opts);
        const template = { metadata: { labels }, spec: jobPodSpec(spec, spec.name) };
        const job = create(metadata, template, {
            ...opts,
            dependsOn: [serviceAccount, networkPolicy, ...(spec.secretEnv ?? []).map((s) => s.secret.resource), ...(spec.after ?? [])],
        });
        return { address: spec.name, resources: [serviceAccount, job, networkPolicy] };
    }
}

/** A one-shot job's retries, and how long it may take in all before the update fails. */
const ONE_SHOT_RETRIES = 2;
const ONE_SHOT_DEADLINE_SECONDS = 2 * 60 * 60;

/** The Secrets and ConfigMaps a workload reads, which must exist before its pods start. */
function mountedResources(spec: WorkloadSpec): pulumi.Resource[] {
    return [...(spec.secretEnv ?? []).map((s) => s.secret.resource), ...(spec.configFiles ?? []).map((c) => c.config.resource)];
}
