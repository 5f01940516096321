import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../../catalog/schema";
import type { Target } from "../../stacks/settings";
import type * as k8s from "@pulumi/kubernetes";

/**
 * Workloads are grouped by concern; each group is a namespace on Kubernetes and an overlay network
 * on Swarm, which is what network allowances are expressed against.
 */
export type Group = "mcp" | "monitoring" | "data" | "edge" | "backup";

export interface PortSpec {
    readonly name: string;
    readonly port: number;
    /**
     * Port the cluster's front door forwards to this one. On Swarm the routing mesh publishes it
     * on every node; on Kubernetes the ingress controller fronts the workload instead.
     */
    readonly published?: number;
}

/** A reference to a platform secret (docker secret or Kubernetes Secret) holding named keys. */
export interface SecretHandle {
    readonly name: string;
    readonly group: Group;
    readonly keys: readonly string[];
    /** The resource, for dependencies. */
    readonly resource: pulumi.Resource;
}

/** A reference to configuration files (docker configs or a ConfigMap). */
export interface ConfigHandle {
    readonly name: string;
    readonly group: Group;
    readonly files: readonly string[];
    readonly resource: pulumi.Resource;
}

/** The source name for traffic arriving through the target's own ingress controller. */
export const INGRESS_CONTROLLER = "ingress-controller";

/** Who may open connections to a workload's ports. */
export interface IngressAllowance {
    /**
     * A group, e.g. "monitoring" to scrape metrics or "edge" for routed traffic, or the cluster's
     * ingress controller (Kubernetes: its namespace; Swarm: the routing mesh of published ports).
     */
    readonly from: Group | typeof INGRESS_CONTROLLER;
    readonly ports: readonly string[];
}

export interface VolumeSpec {
    readonly name: string;
    readonly mountPath: string;
    /** Survives restarts and rescheduling (a docker volume or a PersistentVolumeClaim). */
    readonly persistent: boolean;
    readonly size?: string;
}

/** A value of a platform secret the workload receives. */
export interface SecretEnv {
    readonly env: string;
    readonly secret: SecretHandle;
    readonly key: string;
    /**
     * Hand this one secret over as a file on every target (as `secretsAsFiles` does for all of
     * them), for a secret the image reads from a file while its others stay in the environment.
     */
    readonly asFile?: boolean;
}

/** A long-running service, described once for every target. Plain data. */
export interface WorkloadSpec {
    readonly name: string;
    readonly group: Group;
    readonly image: string;
    readonly command?: readonly string[];
    readonly args?: readonly string[];
    /** The first port is the main one. */
    readonly ports: readonly PortSpec[];
    /** Non-secret environment only; secrets go through `secretEnv`. */
    readonly env?: Readonly<Record<string, string>>;
    /** Environment variables whose values come from a platform secret, never as literals. */
    readonly secretEnv?: readonly SecretEnv[];
    /**
     * Hand `secretEnv` to the container as files on every target: each secret is mounted at
     * /run/secrets/<ENV> and <ENV>_FILE names it, as Swarm always does. For images that read *_FILE
     * (ours, PostgreSQL, its exporter, oauth2-proxy), so no secret sits in the process environment.
     */
    readonly secretsAsFiles?: boolean;
    readonly configFiles?: readonly { readonly config: ConfigHandle; readonly file: string; readonly mountPath: string }[];
    readonly volumes?: readonly VolumeSpec[];
    readonly resources: Resources;
    readonly replicas: number;
    readonly autoscaling?: {
        readonly minReplicas: number;
        readonly maxReplicas: number;
        readonly cpuUtilization: number;
        readonly memoryUtilization: number;
        /** Per-pod metrics from the custom metrics API (e.g. p95 latency), scaled to an average value. */
        readonly podMetrics?: readonly { readonly name: string; readonly averageValue: string }[];
    };
    /** HTTP health endpoint on a named port. */
    readonly health?: { readonly path: string; readonly port: string };
    /** A command inside the container that exits 0 when healthy, for images without an HTTP health endpoint. */
    readonly healthCommand?: readonly string[];
    /** Where Prometheus scrapes the workload. */
    readonly metrics?: { readonly path: string; readonly port: string };
    readonly labels?: Readonly<Record<string, string>>;
    readonly ingress?: readonly IngressAllowance[];
    /** Public hosts the workload may call (DNS is always allowed). "*" is any public host. */
    readonly outbound?: readonly string[];
    /** Other groups the workload connects to (e.g. an MCP server to the data group's cache). */
    readonly connectsTo?: readonly Group[];
    /** Host paths mounted into the container; the catalog only allows the Docker socket. */
    readonly hostMounts?: readonly string[];
    /** UID the image runs as; non-root. */
    readonly runAsUser?: number;
    /** What must be deployed (and ready) before this is created, e.g. a restore before its clients. */
    readonly after?: readonly pulumi.Resource[];
}

/** A program that runs to completion once, e.g. a restore before the platform serves. */
export interface JobSpec {
    readonly name: string;
    readonly group: Group;
    readonly image: string;
    readonly command: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly secretEnv?: WorkloadSpec["secretEnv"];
    readonly secretsAsFiles?: WorkloadSpec["secretsAsFiles"];
    readonly resources: Resources;
    readonly connectsTo?: readonly Group[];
    readonly outbound?: readonly string[];
    readonly runAsUser?: number;
    /** Descriptive labels, e.g. `sophia.ai/backup-of: <workload>` on a backup job. */
    readonly labels?: Readonly<Record<string, string>>;
    readonly after?: WorkloadSpec["after"];
}

/** A job on a cron schedule (UTC), e.g. a backup. */
export interface ScheduledJobSpec extends JobSpec {
    readonly schedule: string;
}

export interface WorkloadHandle {
    /** DNS name other workloads reach it by. */
    readonly address: string;
    /** The resources created, for dependencies. */
    readonly resources: readonly pulumi.Resource[];
}

/**
 * A choice per target; `k3s` falls back to `kubernetes` when omitted. Each choice receives the
 * adapter itself, for what only that target has (a namespace's name, the cluster's provider).
 */
export interface PerTarget<T> {
    readonly swarm: (swarm: Platform) => T;
    readonly kubernetes: (cluster: KubernetesTarget) => T;
    readonly k3s?: (cluster: KubernetesTarget) => T;
}

/**
 * The one place that knows a target. Components describe what they need in target-neutral
 * terms and the platform adapter turns it into resources, parented to the calling component.
 */
export interface Platform {
    readonly target: Target;
    workload(spec: WorkloadSpec, parent: pulumi.Resource): WorkloadHandle;
    secret(name: string, group: Group, data: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): SecretHandle;
    configFiles(name: string, group: Group, files: Readonly<Record<string, pulumi.Input<string>>>, parent: pulumi.Resource): ConfigHandle;
    scheduledJob(spec: ScheduledJobSpec, parent: pulumi.Resource): WorkloadHandle;
    /**
     * Runs `spec` once to completion. Where the target can tell (Kubernetes), the deployment waits
     * for it to succeed, so whatever lists the handle's resources in `after` starts once it has.
     */
    job(spec: JobSpec, parent: pulumi.Resource): WorkloadHandle;
    /** Options every resource on this target takes (its provider), merged with the parent. */
    resourceOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions;
    /** For the rare component whose shape differs by target (e.g. a Helm chart on Kubernetes). */
    pick<T>(choices: PerTarget<T>): T;
}

/** What a Kubernetes cluster (K3s or full) offers beyond the Platform: its namespaces, storage and provider. */
export interface KubernetesTarget extends Platform {
    /** The stack's registry, whose mirror Helm charts pull their images through. */
    readonly registry: string;
    readonly storageClass: string;
    namespaceName(group: Group): string;
    /** The group's namespace, created with its default-deny policy on first use. */
    namespace(group: Group): k8s.core.v1.Namespace;
    /** Options that place a resource in the cluster: its parent and the cluster's provider. */
    resourceOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions;
}
