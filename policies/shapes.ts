/**
 * The parts of resource inputs the rules read, as Pulumi hands them to a pack: plain JSON of the
 * provider's input shape. Every field is optional because a resource may leave it out, so rules
 * still test each value they use; these types only name what a rule may expect to find there.
 */
import type { PolicyResource } from "./rule";

export type StringMap = Readonly<Record<string, string | undefined>>;

export interface ObjectMeta {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: StringMap;
    readonly annotations?: StringMap;
}

export interface LabelSelector {
    readonly matchLabels?: StringMap;
    readonly matchExpressions?: readonly unknown[];
}

/** Pod- or container-level securityContext; rules look some settings up by name (see `effective`). */
export interface SecurityContext {
    readonly [setting: string]: unknown;
    readonly capabilities?: { readonly add?: readonly unknown[]; readonly drop?: readonly unknown[] };
    readonly appArmorProfile?: { readonly type?: string };
    readonly seLinuxOptions?: { readonly user?: string; readonly role?: string; readonly type?: string; readonly level?: string };
    readonly sysctls?: readonly { readonly name?: string; readonly value?: string }[];
}

/** cpu and memory quantities ("250m", "512Mi", or numbers). */
export type ComputeQuantities = Readonly<Record<string, string | number | undefined>>;

export interface Container {
    readonly name?: string;
    readonly image?: string;
    readonly env?: readonly { readonly name?: string; readonly value?: string }[];
    readonly securityContext?: SecurityContext;
    readonly resources?: { readonly limits?: ComputeQuantities; readonly requests?: ComputeQuantities };
    readonly ports?: readonly { readonly hostPort?: unknown; readonly containerPort?: unknown }[];
    readonly [field: string]: unknown;
}

export interface PodSpec {
    readonly containers?: unknown;
    readonly initContainers?: unknown;
    readonly ephemeralContainers?: unknown;
    readonly securityContext?: SecurityContext;
    readonly volumes?: readonly Volume[];
    readonly topologySpreadConstraints?: readonly unknown[];
    readonly affinity?: { readonly podAntiAffinity?: unknown };
    readonly [field: string]: unknown;
}

/** A pod volume: its name and one source, keyed by the source type (hostPath, emptyDir…). */
export interface Volume {
    readonly name?: unknown;
    readonly hostPath?: { readonly path?: unknown };
    readonly [source: string]: unknown;
}

export interface PodTemplate {
    readonly metadata?: ObjectMeta;
    readonly spec?: PodSpec;
}

/** A Kubernetes object's inputs: metadata and a spec of the kind's shape (workloads, policies, monitors, services). */
export interface KubernetesProps {
    readonly metadata?: ObjectMeta;
    readonly spec?: {
        readonly replicas?: number;
        readonly selector?: LabelSelector;
        readonly template?: PodTemplate;
        readonly jobTemplate?: { readonly metadata?: ObjectMeta; readonly spec?: { readonly template?: PodTemplate } };
        /** HorizontalPodAutoscaler */
        readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string };
        readonly minReplicas?: number;
        /** PodDisruptionBudget: a count or a percentage ("50%") */
        readonly minAvailable?: number | string;
        readonly maxUnavailable?: number | string;
        /** NetworkPolicy */
        readonly podSelector?: LabelSelector;
        readonly policyTypes?: readonly string[];
        readonly ingress?: readonly unknown[];
        readonly egress?: readonly unknown[];
        /** PrometheusRule */
        readonly groups?: readonly { readonly rules?: readonly { readonly labels?: StringMap }[] }[];
        /** Service */
        readonly type?: string;
        readonly [field: string]: unknown;
    };
    readonly [field: string]: unknown;
}

/** A Swarm service's inputs (@pulumi/docker `Service`). */
export interface SwarmServiceProps {
    readonly name?: string;
    /** A list of { label, value } (checked with `list` before use). */
    readonly labels?: unknown;
    readonly mode?: { readonly replicated?: { readonly replicas?: number }; readonly global?: unknown };
    readonly taskSpec?: {
        readonly containerSpec?: SwarmContainerSpec;
        readonly placement?: { readonly prefs?: readonly unknown[]; readonly maxReplicas?: unknown };
        readonly resources?: { readonly limits?: SwarmResources; readonly reservation?: SwarmResources };
        readonly networksAdvanceds?: unknown;
    };
    readonly updateConfig?: { readonly failureAction?: string };
    readonly rollbackConfig?: unknown;
    readonly [field: string]: unknown;
}

export interface SwarmResources {
    readonly nanoCpus?: number;
    readonly memoryBytes?: number;
}

export interface SwarmContainerSpec {
    readonly image?: string;
    readonly env?: Readonly<Record<string, string>>;
    readonly mounts?: readonly { readonly type?: string; readonly source?: string; readonly target?: string }[];
    readonly healthcheck?: { readonly tests?: readonly unknown[] };
    readonly [field: string]: unknown;
}

/** Input properties read as a Kubernetes object. */
export const kubernetesProps = (resource: Pick<PolicyResource, "props">): KubernetesProps => resource.props ?? {};

/** Input properties read as a Swarm service. */
export const swarmProps = (resource: Pick<PolicyResource, "props">): SwarmServiceProps => resource.props ?? {};

/** A nested input value as a record of unknown values, or an empty one when it is not an object. */
export const record = (value: unknown): Readonly<Record<string, unknown>> =>
    value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};

/** A nested input value as a list, or an empty one when it is not an array. */
export const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

/** A rule of an S3 companion resource (lifecycle, replication, encryption). */
export interface BucketCompanionRule {
    readonly status?: unknown;
    readonly applyServerSideEncryptionByDefault?: { readonly sseAlgorithm?: string };
}

/** Inputs of an S3 bucket, its companion resources and IAM policies (@pulumi/aws 7). */
export interface AwsProps {
    readonly bucket?: unknown;
    readonly id?: unknown;
    readonly acl?: string;
    readonly rule?: { readonly objectOwnership?: unknown };
    readonly rules?: BucketCompanionRule | readonly BucketCompanionRule[];
    readonly versioningConfiguration?: { readonly status?: unknown };
    /** A policy document, as JSON text or structured. */
    readonly policy?: unknown;
    readonly [field: string]: unknown;
}

/** One statement of an IAM or bucket policy document. */
export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect?: unknown;
    readonly Principal?: unknown;
    readonly Action?: unknown;
    readonly NotAction?: unknown;
    readonly Resource?: unknown;
    readonly NotResource?: unknown;
    readonly Condition?: { readonly Bool?: Readonly<Record<string, unknown>> };
}

export interface PolicyDocument {
    readonly Statement?: PolicyStatement | readonly PolicyStatement[];
}

/** Input properties read as an AWS resource's. */
export const awsProps = (resource: Pick<PolicyResource, "props">): AwsProps => resource.props ?? {};
