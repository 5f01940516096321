import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkResource, clone, compliantPodSpec, workload } from "../../test/policies/fixtures";
import type { ResourceRule } from "../rule";
import { disableServiceAccountTokenAutomount } from "./disableServiceAccountTokenAutomount";
import { disallowHostNamespaces } from "./disallowHostNamespaces";
import { disallowHostPath } from "./disallowHostPath";
import { disallowHostPorts } from "./disallowHostPorts";
import { disallowHostProcess } from "./disallowHostProcess";
import { disallowProbeHosts } from "./disallowProbeHosts";
import { disallowPrivileged } from "./disallowPrivileged";
import { disallowPrivilegeEscalation } from "./disallowPrivilegeEscalation";
import { disallowProcMount } from "./disallowProcMount";
import { enforceDropAllCapabilities } from "./enforceDropAllCapabilities";
import { enforceReadOnlyRootFs } from "./enforceReadOnlyRootFs";
import { enforceRunAsNonRoot } from "./enforceRunAsNonRoot";
import { enforceSeccompProfile } from "./enforceSeccompProfile";
import { requireProbes } from "./requireProbes";
import { requireResources } from "./requireResources";
import { restrictAppArmorProfile } from "./restrictAppArmorProfile";
import { restrictSeLinuxOptions } from "./restrictSeLinuxOptions";
import { restrictSysctls } from "./restrictSysctls";
import { restrictVolumeTypes } from "./restrictVolumeTypes";
import { WORKLOAD_TYPES } from "./workloads";

type Obj = Record<string, any>;
const container = (pod: Obj): Obj => pod.containers[0];
const sc = (pod: Obj): Obj => container(pod).securityContext;
/** Declares the pod a Windows pod (spec.os.name), the switch Pod Security reads for its Linux-only controls. */
const windows = (pod: Obj): void => void (pod.os = { name: "windows" });
const SAFE_SINCE_1_32_AND_1_37 = ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

interface Case {
    rule: ResourceRule;
    /** Breaks the compliant pod spec in one field. */
    breaks: Record<string, (pod: Obj) => void>;
    /** Variants that must still comply. */
    complies?: Record<string, (pod: Obj) => void>;
    message: RegExp;
}

const CASES: Case[] = [
    {
        rule: disallowPrivileged,
        breaks: {
            "privileged: true": (p) => (sc(p).privileged = true),
            "a privileged init container": (p) =>
                (p.initContainers = [{ ...clone(container(p)), name: "init", securityContext: { ...sc(p), privileged: true } }]),
        },
        message: /runs privileged/,
    },
    {
        rule: disallowPrivilegeEscalation,
        breaks: {
            "allowPrivilegeEscalation: true": (p) => (sc(p).allowPrivilegeEscalation = true),
            unset: (p) => delete sc(p).allowPrivilegeEscalation,
            "os linux and unset": (p) => ((p.os = { name: "linux" }), delete sc(p).allowPrivilegeEscalation),
        },
        complies: { "a Windows pod that leaves it unset": (p) => (windows(p), delete sc(p).allowPrivilegeEscalation) },
        message: /allowPrivilegeEscalation: false/,
    },
    {
        rule: enforceRunAsNonRoot,
        breaks: {
            "runAsNonRoot false on the container": (p) => (sc(p).runAsNonRoot = false),
            "unset everywhere": (p) => (delete sc(p).runAsNonRoot, delete p.securityContext.runAsNonRoot),
            "runAsUser 0": (p) => (sc(p).runAsUser = 0),
            "pod runAsUser 0": (p) => (p.securityContext.runAsUser = 0),
            "a Windows pod with runAsNonRoot unset (not a Linux-only control)": (p) => (
                windows(p),
                delete sc(p).runAsNonRoot,
                delete p.securityContext.runAsNonRoot
            ),
        },
        complies: { "runAsNonRoot only on the pod": (p) => delete sc(p).runAsNonRoot },
        message: /runAsNonRoot|runAsUser: 0/,
    },
    {
        rule: enforceDropAllCapabilities,
        breaks: {
            "no drop": (p) => (sc(p).capabilities = {}),
            "adds SYS_ADMIN": (p) => (sc(p).capabilities.add = ["SYS_ADMIN"]),
            "drops lower-case all (Pod Security compares exactly)": (p) => (sc(p).capabilities.drop = ["all"]),
            "no securityContext capabilities at all": (p) => delete sc(p).capabilities,
        },
        complies: {
            "adds NET_BIND_SERVICE": (p) => (sc(p).capabilities.add = ["NET_BIND_SERVICE"]),
            "a Windows pod without capabilities": (p) => (windows(p), delete sc(p).capabilities),
        },
        message: /drop ALL|adds capabilities SYS_ADMIN/,
    },
    {
        rule: enforceSeccompProfile,
        breaks: {
            "no profile": (p) => delete p.securityContext.seccompProfile,
            "Unconfined on the container": (p) => (sc(p).seccompProfile = { type: "Unconfined" }),
        },
        complies: {
            "Localhost on the container": (p) => (sc(p).seccompProfile = { type: "Localhost", localhostProfile: "x.json" }),
            "a Windows pod without a profile": (p) => (windows(p), delete p.securityContext.seccompProfile),
        },
        message: /seccomp/,
    },
    {
        rule: disallowHostNamespaces,
        breaks: { hostNetwork: (p) => (p.hostNetwork = true), hostPID: (p) => (p.hostPID = true), hostIPC: (p) => (p.hostIPC = true) },
        message: /sets host(Network|PID|IPC): true/,
    },
    {
        rule: disallowHostPath,
        breaks: { "hostPath /etc": (p) => p.volumes.push({ name: "etc", hostPath: { path: "/etc" } }) },
        message: /mounts host path \/etc/,
    },
    {
        rule: disallowHostPorts,
        breaks: { "hostPort 80": (p) => (container(p).ports[0].hostPort = 80) },
        complies: { "hostPort 0": (p) => (container(p).ports[0].hostPort = 0) },
        message: /binds host port 80/,
    },
    {
        rule: disallowHostProcess,
        breaks: {
            "hostProcess on the pod": (p) => (windows(p), (p.securityContext.windowsOptions = { hostProcess: true })),
            "hostProcess on a container": (p) => (windows(p), (sc(p).windowsOptions = { hostProcess: true })),
            "hostProcess on an init container": (p) =>
                (p.initContainers = [{ ...clone(container(p)), name: "init", securityContext: { ...sc(p), windowsOptions: { hostProcess: true } } }]),
        },
        complies: {
            "hostProcess false": (p) => (windows(p), (sc(p).windowsOptions = { hostProcess: false, runAsUserName: "ContainerUser" })),
            "windowsOptions without hostProcess": (p) => (windows(p), (p.securityContext.windowsOptions = { runAsUserName: "ContainerUser" })),
        },
        message: /windowsOptions.hostProcess: true/,
    },
    {
        rule: disallowProbeHosts,
        breaks: {
            "readinessProbe httpGet.host": (p) => (container(p).readinessProbe.httpGet.host = "169.254.169.254"),
            "livenessProbe tcpSocket.host": (p) => (container(p).livenessProbe = { tcpSocket: { port: 8080, host: "10.0.0.1" } }),
            "startupProbe httpGet.host": (p) => (container(p).startupProbe = { httpGet: { path: "/", port: 8080, host: "example.com" } }),
            "lifecycle postStart httpGet.host": (p) => (container(p).lifecycle = { postStart: { httpGet: { path: "/", port: 80, host: "10.0.0.1" } } }),
            "lifecycle preStop tcpSocket.host": (p) => (container(p).lifecycle = { preStop: { tcpSocket: { port: 80, host: "10.0.0.1" } } }),
            "an init container's probe host": (p) =>
                (p.initContainers = [{ ...clone(container(p)), name: "init", startupProbe: { tcpSocket: { port: 1, host: "db" } } }]),
        },
        complies: {
            "an empty host": (p) => (container(p).readinessProbe.httpGet.host = ""),
            "exec and sleep lifecycle handlers": (p) =>
                (container(p).lifecycle = { postStart: { exec: { command: ["true"] } }, preStop: { sleep: { seconds: 5 } } }),
            "a tcpSocket probe without host": (p) => (container(p).livenessProbe = { tcpSocket: { port: 8080 } }),
        },
        message: /sets (readinessProbe|livenessProbe|startupProbe|lifecycle\.(postStart|preStop))\.(httpGet|tcpSocket)\.host /,
    },
    {
        rule: disallowProcMount,
        breaks: { Unmasked: (p) => (sc(p).procMount = "Unmasked") },
        complies: { Default: (p) => (sc(p).procMount = "Default") },
        message: /procMount: Unmasked/,
    },
    {
        rule: restrictSysctls,
        breaks: {
            "kernel.msgmax": (p) => (p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]),
            "kernel.msgmax on a Windows pod": (p) => (windows(p), (p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }])),
        },
        complies: {
            "a safe sysctl": (p) => (p.securityContext.sysctls = [{ name: "net.ipv4.tcp_syncookies", value: "1" }]),
            ...Object.fromEntries(
                SAFE_SINCE_1_32_AND_1_37.map((name) => [name, (p: Obj) => (p.securityContext.sysctls = [{ name, value: "4096 131072 6291456" }])]),
            ),
        },
        message: /unsafe sysctl kernel.msgmax/,
    },
    {
        rule: restrictSeLinuxOptions,
        breaks: {
            "type spc_t": (p) => (sc(p).seLinuxOptions = { type: "spc_t" }),
            "user on the pod": (p) => (p.securityContext.seLinuxOptions = { user: "system_u" }),
            role: (p) => (sc(p).seLinuxOptions = { role: "sysadm_r" }),
        },
        complies: { "type container_t": (p) => (sc(p).seLinuxOptions = { type: "container_t", level: "s0:c1" }) },
        message: /SELinux (type|user|role)/,
    },
    {
        rule: restrictAppArmorProfile,
        breaks: {
            "Unconfined field": (p) => (sc(p).appArmorProfile = { type: "Unconfined" }),
            "unconfined annotation": (p) => (p.__annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined" }),
        },
        complies: { "RuntimeDefault on the pod": (p) => (p.securityContext.appArmorProfile = { type: "RuntimeDefault" }) },
        message: /AppArmor profile/,
    },
    {
        rule: restrictVolumeTypes,
        breaks: { "an nfs volume": (p) => p.volumes.push({ name: "share", nfs: { server: "nas", path: "/x" } }) },
        complies: {
            "configMap and PVC": (p) => p.volumes.push({ name: "c", configMap: { name: "x" } }, { name: "d", persistentVolumeClaim: { claimName: "d" } }),
        },
        message: /uses the nfs source/,
    },
    {
        rule: enforceReadOnlyRootFs,
        breaks: { "readOnlyRootFilesystem false": (p) => (sc(p).readOnlyRootFilesystem = false), unset: (p) => delete sc(p).readOnlyRootFilesystem },
        complies: { "a Windows pod, where the API rejects the field": (p) => (windows(p), delete sc(p).readOnlyRootFilesystem) },
        message: /readOnlyRootFilesystem: true/,
    },
    {
        rule: requireResources,
        breaks: { "no limits": (p) => delete container(p).resources.limits, "no memory request": (p) => delete container(p).resources.requests.memory },
        message: /has no (limits|requests)/,
    },
    {
        rule: disableServiceAccountTokenAutomount,
        breaks: { unset: (p) => delete p.automountServiceAccountToken, true: (p) => (p.automountServiceAccountToken = true) },
        message: /automountServiceAccountToken: false/,
    },
];

/** Applies a mutation; annotations live on the template metadata, the rest on the pod spec. */
function variant(type: Parameters<typeof workload>[0], mutate: (pod: Obj) => void) {
    const pod = compliantPodSpec();
    mutate(pod);
    const annotations = pod.__annotations;
    delete pod.__annotations;
    const r = workload(type, pod);
    if (annotations) {
        const template =
            type === "kubernetes:core/v1:Pod"
                ? r.props
                : type === "kubernetes:batch/v1:CronJob"
                  ? r.props.spec.jobTemplate.spec.template
                  : r.props.spec.template;
        template.metadata.annotations = annotations;
    }
    return r;
}

/**
 * Every stable (v1) kind whose objects run pods, read from the API's own schemas (kubernetes-models):
 * a kind whose spec embeds a pod spec, directly or through a pod or job template. Type tokens as
 * the Kubernetes provider names them.
 */
function podRunningKinds(): string[] {
    const schemas = path.join(path.dirname(require.resolve("kubernetes-models")), "_schemas");
    const requires = (file: string): string[] =>
        [...fs.readFileSync(path.join(schemas, `${file}.js`), "utf8").matchAll(/require\("\.\/(\w+)\.js"\)/g)].map((m) => m[1]);
    const specs = fs.readdirSync(schemas).flatMap((f) => /^(IoK8sApi\w+?V1\w+)\.js$/.exec(f)?.[1] ?? []);
    const embedsPod = new Map<string, boolean>();
    const reaches = (schema: string, seen = new Set<string>()): boolean => {
        if (schema === "IoK8sApiCoreV1PodSpec") return true;
        if (embedsPod.has(schema)) return embedsPod.get(schema)!;
        if (seen.has(schema) || !specs.includes(schema)) return false;
        seen.add(schema);
        const found = requires(schema).some((r) => reaches(r, seen));
        embedsPod.set(schema, found);
        return found;
    };
    return specs.flatMap((schema) => {
        const [, group, kind] = /^IoK8sApi(\w+?)V1(\w+)Spec$/.exec(schema) ?? [];
        // PodTemplateSpec names a kind too: PodTemplate, which only stores a template and runs nothing.
        if (!kind || kind === "PodTemplate" || !reaches(schema)) return [];
        // A kind of its own (an object the API serves), not a template of one: kubernetes-models has its class.
        const folder = group === "Core" ? "v1" : `${group.toLowerCase()}/v1`;
        return fs.existsSync(path.join(schemas, "..", folder, `${kind}.js`)) ? [`kubernetes:${group.toLowerCase()}/v1:${kind}`] : [];
    });
}

describe("the kinds the pod rules read", () => {
    it("are every stable kind whose objects run pods, as the API's schemas have them", () => {
        const kinds = podRunningKinds();
        expect(kinds, "the schemas were read").to.include.members(["kubernetes:core/v1:Pod", "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob"]);
        expect([...WORKLOAD_TYPES].sort()).to.deep.equal(kinds.sort());
    });
});

describe("Kubernetes pod rules", () => {
    for (const c of CASES) {
        describe(c.rule.id, () => {
            for (const type of c.rule.resourceTypes as Parameters<typeof workload>[0][]) {
                it(`passes a compliant ${type}`, () => {
                    expect(checkResource(c.rule, workload(type))).to.deep.equal([]);
                    for (const [, mutate] of Object.entries(c.complies ?? {})) expect(checkResource(c.rule, variant(type, mutate))).to.deep.equal([]);
                });
                for (const [what, mutate] of Object.entries(c.breaks)) {
                    it(`fails a ${type} with ${what}`, () => {
                        const messages = checkResource(c.rule, variant(type, mutate));
                        expect(messages).to.have.length.greaterThan(0);
                        for (const m of messages) expect(m).to.match(c.message);
                    });
                }
            }
        });
    }

    describe(requireProbes.id, () => {
        it("covers long-running workloads, not Jobs or CronJobs", () => {
            expect(requireProbes.resourceTypes).to.not.include("kubernetes:batch/v1:Job");
            expect(requireProbes.resourceTypes).to.include("kubernetes:apps/v1:StatefulSet");
        });
        for (const type of requireProbes.resourceTypes as Parameters<typeof workload>[0][]) {
            it(`passes a compliant ${type} and fails one without probes`, () => {
                expect(checkResource(requireProbes, workload(type))).to.deep.equal([]);
                expect(
                    checkResource(
                        requireProbes,
                        variant(type, (p) => delete container(p).readinessProbe),
                    ),
                ).to.deep.equal(['container "web" has no readinessProbe']);
                expect(
                    checkResource(
                        requireProbes,
                        variant(type, (p) => delete container(p).livenessProbe),
                    ),
                ).to.deep.equal(['container "web" has no livenessProbe']);
            });
        }
    });
});
