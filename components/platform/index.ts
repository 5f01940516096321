import * as pulumi from "@pulumi/pulumi";
import type { StackSettings, Target } from "../../stacks/settings";
import { K3S, KUBERNETES } from "./kubernetes/flavor";
import { KubernetesPlatform } from "./kubernetes/platform";
import { SwarmPlatform } from "./swarm/platform";
import type { Platform } from "./types";

export type {
    ConfigHandle,
    Group,
    JobSpec,
    KubernetesTarget,
    PerTarget,
    Platform,
    ScheduledJobSpec,
    SecretEnv,
    SecretHandle,
    WorkloadHandle,
    WorkloadSpec,
} from "./types";
export { cpuCores, memoryBytes } from "./quantity";

export interface PlatformInputs {
    readonly settings: StackSettings;
    /** The kubeconfig (path or content) for Kubernetes targets, usually a secret. */
    readonly kubeconfig?: pulumi.Input<string>;
    /** Image digests the release pipeline recorded (catalog/images.lock.yaml). */
    readonly imageDigests?: Readonly<Record<string, string>>;
}

/** The adapter for each target: the only table that maps a target name to code. */
const ADAPTERS: Record<Target, (name: string, inputs: PlatformInputs) => Platform> = {
    swarm: (name, { settings, imageDigests }) =>
        new SwarmPlatform(name, { host: settings.dockerHost!, prefix: settings.namespace, registry: settings.registry, imageDigests }),
    k3s: (name, { settings, kubeconfig, imageDigests }) =>
        new KubernetesPlatform(name, {
            flavor: K3S,
            namespacePrefix: settings.namespace,
            kubeconfig,
            context: settings.kubeContext,
            storageClass: settings.storageClass,
            registry: settings.registry,
            imageDigests,
        }),
    kubernetes: (name, { settings, kubeconfig, imageDigests }) =>
        new KubernetesPlatform(name, {
            flavor: KUBERNETES,
            namespacePrefix: settings.namespace,
            kubeconfig,
            context: settings.kubeContext,
            storageClass: settings.storageClass,
            registry: settings.registry,
            imageDigests,
        }),
};

/** The platform the stack deploys to, chosen by its `target` setting. */
export function createPlatform(inputs: PlatformInputs): Platform {
    return ADAPTERS[inputs.settings.target](inputs.settings.namespace, inputs);
}
