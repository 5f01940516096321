import type * as k8s from "@pulumi/kubernetes";
import type { JobSpec, WorkloadSpec } from "../types";
import { DEFAULT_UID } from "../conventions";
import type { KubernetesFlavor } from "./flavor";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Writable scratch space; the root filesystem is read-only. */
const SCRATCH = { name: "tmp", mountPath: "/tmp" };

export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name };
}

/** Selector labels plus descriptive ones; version labels stay out of selectors. */
export function workloadLabels(spec: Pick<WorkloadSpec, "name" | "group" | "labels">): Record<string, string> {
    return {
        ...selectorLabels(spec.name),
        "app.kubernetes.io/part-of": "sophia",
        "sophia.ai/group": spec.group,
        ...spec.labels,
    };
}

/** Pod Security "restricted": non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
export function podSecurityContext(runAsUser = DEFAULT_UID): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        fsGroup: runAsUser,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export const containerSecurityContext: k8s.types.input.core.v1.SecurityContext = {
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** Where a secret handed over as a file is mounted: the same path as a Docker secret on Swarm. */
export const secretFilePath = (env: string): string => `/run/secrets/${env}`;

type SecretsOf = Pick<WorkloadSpec, "env" | "secretEnv" | "secretsAsFiles">;

const asFile = (spec: SecretsOf, entry: NonNullable<SecretsOf["secretEnv"]>[number]): boolean => spec.secretsAsFiles === true || entry.asFile === true;

function environment(spec: SecretsOf): k8s.types.input.core.v1.EnvVar[] {
    const plain = Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value }));
    const secret = (spec.secretEnv ?? []).map((entry) =>
        asFile(spec, entry)
            ? { name: `${entry.env}_FILE`, value: secretFilePath(entry.env) }
            : { name: entry.env, valueFrom: { secretKeyRef: { name: entry.secret.name, key: entry.key } } },
    );
    return [...plain, ...secret];
}

/** One read-only file per secret the workload takes as a file (group-readable through fsGroup). */
function secretFiles(spec: SecretsOf): { volumes: Volume[]; mounts: VolumeMount[] } {
    const entries = (spec.secretEnv ?? []).filter((entry) => asFile(spec, entry));
    return {
        volumes: entries.map(({ secret, key }, index) => ({
            name: `secret-${index}`,
            secret: { secretName: secret.name, items: [{ key, path: key }], defaultMode: 0o440 },
        })),
        mounts: entries.map(({ env, key }, index) => ({ name: `secret-${index}`, mountPath: secretFilePath(env), subPath: key, readOnly: true })),
    };
}

function volumesAndMounts(spec: WorkloadSpec): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [{ name: SCRATCH.name, emptyDir: {} }];
    const mounts: VolumeMount[] = [{ ...SCRATCH }];
    for (const volume of spec.volumes ?? []) {
        // Persistent volumes come from the StatefulSet's claim templates, the rest are scratch.
        if (!volume.persistent) volumes.push({ name: volume.name, emptyDir: {} });
        mounts.push({ name: volume.name, mountPath: volume.mountPath });
    }
    for (const [index, file] of (spec.configFiles ?? []).entries()) {
        const name = `config-${index}`;
        // Stryker disable next-line ArrayDeclaration: without items every key is projected under its own name, and subPath mounts the same one file
        volumes.push({ name, configMap: { name: file.config.name, items: [{ key: file.file, path: file.file }] } });
        // Stryker disable next-line BooleanLiteral: the kubelet mounts ConfigMap volumes read-only whatever the mount says (makeMounts' mustMountRO)
        mounts.push({ name, mountPath: file.mountPath, subPath: file.file, readOnly: true });
    }
    for (const [index, hostPath] of (spec.hostMounts ?? []).entries()) {
        const name = `host-${index}`;
        volumes.push({ name, hostPath: { path: hostPath, type: "Socket" } });
        mounts.push({ name, mountPath: hostPath });
    }
    const secrets = secretFiles(spec);
    return { volumes: [...volumes, ...secrets.volumes], mounts: [...mounts, ...secrets.mounts] };
}

/** The HTTP health endpoint, else the health command, else the main port accepting connections. */
function probeAction(spec: WorkloadSpec): Pick<k8s.types.input.core.v1.Probe, "httpGet" | "exec" | "tcpSocket"> {
    if (spec.health) return { httpGet: { path: spec.health.path, port: spec.health.port } };
    if (spec.healthCommand) return { exec: { command: [...spec.healthCommand] } };
    return { tcpSocket: { port: spec.ports[0].name } };
}

function probes(spec: WorkloadSpec): Pick<Container, "readinessProbe" | "livenessProbe"> {
    const action = probeAction(spec);
    return {
        readinessProbe: { ...action, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
        livenessProbe: { ...action, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
    };
}

function spread(spec: WorkloadSpec, flavor: KubernetesFlavor): PodSpec["topologySpreadConstraints"] {
    if (spec.replicas < 2) return undefined;
    const labelSelector = { matchLabels: selectorLabels(spec.name) };
    const keys = ["kubernetes.io/hostname", ...(flavor.spreadAcrossZones ? ["topology.kubernetes.io/zone"] : [])];
    return keys.map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: topologyKey === "kubernetes.io/hostname" ? flavor.spreadWhenUnsatisfiable : "ScheduleAnyway",
        labelSelector,
    }));
}

/** The pod of a long-running workload: one container, restricted security, probes, limits. */
export function workloadPodSpec(spec: WorkloadSpec, serviceAccountName: string, flavor: KubernetesFlavor): PodSpec {
    const { volumes, mounts } = volumesAndMounts(spec);
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(spec.runAsUser),
        topologySpreadConstraints: spread(spec, flavor),
        containers: [
            {
                name: spec.name,
                image: spec.image,
                command: spec.command ? [...spec.command] : undefined,
                args: spec.args ? [...spec.args] : undefined,
                ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                env: environment(spec),
                resources: spec.resources,
                securityContext: containerSecurityContext,
                volumeMounts: mounts,
                ...probes(spec),
            },
        ],
        volumes,
    };
}

/**
 * The pod of a job (one-shot or scheduled): the same security, no probes, runs to completion. A
 * failed attempt is retried in a new pod ("Never"), so each attempt's log stays readable; with
 * "OnFailure" the kubelet restarts the container in place, and the Job controller deletes the pod
 * when the retries run out, its log with it.
 */
export function jobPodSpec(spec: JobSpec, serviceAccountName: string): PodSpec {
    const secrets = secretFiles(spec);
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        securityContext: podSecurityContext(spec.runAsUser),
        containers: [
            {
                name: spec.name,
                image: spec.image,
                command: [...spec.command],
                env: environment(spec),
                resources: spec.resources,
                securityContext: containerSecurityContext,
                volumeMounts: [{ ...SCRATCH }, ...secrets.mounts],
            },
        ],
        volumes: [{ name: SCRATCH.name, emptyDir: {} }, ...secrets.volumes],
    };
}
