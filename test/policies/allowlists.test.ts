// Each allowlist and denylist of the pack, checked against the list its source documents: every entry
// a reviewer expects to pass passes, and a value just outside the list is refused with the finding
// a reviewer reads. The lists below are written from the cited sources, not from the rules.
import { expect } from "chai";
import { disallowHostPath } from "../../policies/kubernetes/disallowHostPath";
import { restrictSeLinuxOptions } from "../../policies/kubernetes/restrictSeLinuxOptions";
import { restrictSysctls } from "../../policies/kubernetes/restrictSysctls";
import { restrictVolumeTypes } from "../../policies/kubernetes/restrictVolumeTypes";
import { disallowHostRootMount } from "../../policies/swarm/disallowHostRootMount";
import { disallowSecretEnvLiterals } from "../../policies/workloads/disallowSecretEnvLiterals";
import { checkResource, compliantPodSpec, swarmService, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;

/** A compliant Deployment named `name` whose pod `change` adjusts. */
function deployment(change: (pod: Obj) => void, name = "web"): Fixture {
    const pod = compliantPodSpec(name);
    change(pod);
    return workload("kubernetes:apps/v1:Deployment", pod, name);
}

describe(`${restrictSysctls.id}: the sysctls Kubernetes documents as safe`, () => {
    // kubernetes.io, "Pod Security Standards", Baseline profile, control "Sysctls" (allowed values), and
    // "Using sysctls in a Kubernetes Cluster", safe set: the first five since 1.0, ip_local_reserved_ports
    // since 1.27, the keepalive and fin_timeout ones since 1.29, tcp_rmem/tcp_wmem since 1.32.
    const DOCUMENTED_SAFE = [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    ];
    const withSysctls = (...names: string[]) => deployment((p) => (p.securityContext.sysctls = names.map((name) => ({ name, value: "1" }))));

    for (const name of DOCUMENTED_SAFE) {
        it(`accepts ${name} in a pod`, () => {
            expect(checkResource(restrictSysctls, withSysctls(name))).to.deep.equal([]);
        });
    }

    it("accepts every documented safe sysctl set together", () => {
        expect(checkResource(restrictSysctls, withSysctls(...DOCUMENTED_SAFE))).to.deep.equal([]);
    });

    it("refuses node-wide or unlisted sysctls next to safe ones, naming each", () => {
        const r = withSysctls("net.ipv4.tcp_syncookies", "kernel.msgmax", "net.core.somaxconn", "vm.swappiness");
        expect(checkResource(restrictSysctls, r)).to.deep.equal([
            "the pod sets unsafe sysctl kernel.msgmax",
            "the pod sets unsafe sysctl net.core.somaxconn",
            "the pod sets unsafe sysctl vm.swappiness",
        ]);
    });
});

describe(`${restrictSeLinuxOptions.id}: the SELinux types Pod Security baseline allows`, () => {
    // kubernetes.io, "Pod Security Standards", Baseline profile, control "SELinux": allowed values of
    // seLinuxOptions.type are undefined/"", container_t, container_init_t, container_kvm_t and, since
    // 1.31, container_engine_t; user and role must stay unset.
    const DOCUMENTED_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    for (const type of DOCUMENTED_TYPES) {
        it(`accepts type ${type} on the pod and on a container`, () => {
            expect(
                checkResource(
                    restrictSeLinuxOptions,
                    deployment((p) => (p.securityContext.seLinuxOptions = { type })),
                ),
            ).to.deep.equal([]);
            expect(
                checkResource(
                    restrictSeLinuxOptions,
                    deployment((p) => (p.containers[0].securityContext.seLinuxOptions = { type, level: "s0:c123,c456" })),
                ),
            ).to.deep.equal([]);
        });
    }

    it("refuses another type, on the pod and on a container", () => {
        expect(
            checkResource(
                restrictSeLinuxOptions,
                deployment((p) => (p.securityContext.seLinuxOptions = { type: "spc_t" })),
            ),
        ).to.deep.equal(["the pod sets SELinux type spc_t"]);
        expect(
            checkResource(
                restrictSeLinuxOptions,
                deployment((p) => (p.containers[0].securityContext.seLinuxOptions = { type: "unconfined_t" })),
            ),
        ).to.deep.equal(['container "web" sets SELinux type unconfined_t']);
    });
});

describe(`${restrictVolumeTypes.id}: the volume sources the restricted profile allows`, () => {
    // kubernetes.io, "Pod Security Standards", Restricted profile, control "Volume Types": only configMap,
    // csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret.
    const DOCUMENTED_SOURCES: Record<string, Obj> = {
        configMap: { name: "web-config" },
        csi: { driver: "secrets-store.csi.k8s.io", readOnly: true },
        downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        emptyDir: {},
        ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } },
        persistentVolumeClaim: { claimName: "web-data" },
        projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] },
        secret: { secretName: "web-secrets" },
    };
    const withVolume = (source: string, spec: Obj, name = "web") => deployment((p) => p.volumes.push({ name: "extra", [source]: spec }), name);

    for (const [source, spec] of Object.entries(DOCUMENTED_SOURCES)) {
        it(`accepts a volume of source ${source}`, () => {
            expect(checkResource(restrictVolumeTypes, withVolume(source, spec))).to.deep.equal([]);
        });
    }

    for (const [source, spec] of Object.entries<Obj>({ nfs: { server: "10.0.0.5", path: "/exports" }, gitRepo: { repository: "https://x/y.git" } })) {
        it(`refuses a volume of source ${source}`, () => {
            expect(checkResource(restrictVolumeTypes, withVolume(source, spec))).to.deep.equal([`volume "extra" uses the ${source} source`]);
        });
    }

    // hostPath is forbidden too, but by disallow-host-path, which alone knows the reviewed exemptions
    // (policies/exemptions.ts): a hostPath is reported once, and an exempt one not at all.
    it("leaves a hostPath volume to disallow-host-path: one finding, from that rule", () => {
        const r = withVolume("hostPath", { path: "/var/log" });
        expect(checkResource(restrictVolumeTypes, r)).to.deep.equal([]);
        expect(checkResource(disallowHostPath, r)).to.deep.equal(['volume "extra" mounts host path /var/log']);
    });

    it("lets node-exporter's exempt hostPath /proc through both rules", () => {
        const r = withVolume("hostPath", { path: "/proc" }, "node-exporter");
        expect(checkResource(restrictVolumeTypes, r)).to.deep.equal([]);
        expect(checkResource(disallowHostPath, r)).to.deep.equal([]);
    });
});

describe(`${disallowHostRootMount.id}: the host directories a Swarm service must not bind-mount`, () => {
    // The host's root and where it keeps credentials (/etc, /root), kernel interfaces (/proc, /sys, /dev),
    // boot files (/boot) and container state and runtime sockets (/var/lib/docker, /var/run, /run).
    const SENSITIVE_HOST_PATHS = ["/", "/etc", "/root", "/proc", "/sys", "/boot", "/dev", "/var/lib/docker", "/var/run", "/run"];
    const binding = (source: string) => {
        const s = swarmService("web");
        s.props.taskSpec.containerSpec.mounts = [{ type: "bind", source, target: "/host", readOnly: true }];
        return s;
    };

    for (const path of SENSITIVE_HOST_PATHS) {
        it(`refuses a bind mount of ${path}`, () => {
            expect(checkResource(disallowHostRootMount, binding(path))).to.deep.equal([`the service bind-mounts the host's ${path}`]);
        });
    }

    it("refuses a sensitive path written with a trailing slash", () => {
        expect(checkResource(disallowHostRootMount, binding("/run/"))).to.deep.equal(["the service bind-mounts the host's /run/"]);
    });

    for (const path of ["/srv/data", "/run-data", "/var/lib/app"]) {
        it(`accepts a bind mount of ${path}`, () => {
            expect(checkResource(disallowHostRootMount, binding(path))).to.deep.equal([]);
        });
    }
});

describe(`${disallowSecretEnvLiterals.id}: names that announce a secret`, () => {
    // Secret names as services' own docs spell them, one for each word (PASSWORD, TOKEN, DSN…) and each
    // two-word pair (API_KEY, PRIVATE_KEY…) that announces a secret, keyed by that word or pair.
    const SECRET_NAMES: Record<string, string> = {
        PASSWORD: "DB_PASSWORD",
        PASSWD: "SMTP_PASSWD",
        SECRET: "CLIENT_SECRET",
        TOKEN: "SLACK_BOT_TOKEN",
        APIKEY: "OPENAI_APIKEY",
        CREDENTIAL: "GCP_CREDENTIAL",
        CREDENTIALS: "GOOGLE_APPLICATION_CREDENTIALS",
        DSN: "SENTRY_DSN",
        "API KEY": "API_KEY",
        "PRIVATE KEY": "GITHUB_APP_PRIVATE_KEY",
        "ACCESS KEY": "AWS_ACCESS_KEY",
        "SECRET KEY": "AWS_SECRET_KEY",
        "CONNECTION STRING": "AZURE_STORAGE_CONNECTION_STRING",
    };
    const swarmWithEnv = (name: string, value: string) => {
        const s = swarmService("web");
        s.props.taskSpec.containerSpec.env = { [name]: value };
        return s;
    };
    const kubernetesWithEnv = (name: string, value: string) => deployment((p) => (p.containers[0].env = [{ name, value }]));

    for (const [word, name] of Object.entries(SECRET_NAMES)) {
        it(`refuses a literal ${name} (${word}) in a Swarm service and a Kubernetes container`, () => {
            expect(checkResource(disallowSecretEnvLiterals, swarmWithEnv(name, "s3cr3t-value"))).to.deep.equal([
                `the service sets ${name} to a literal value; reference a secret instead`,
            ]);
            expect(checkResource(disallowSecretEnvLiterals, kubernetesWithEnv(name, "s3cr3t-value"))).to.deep.equal([
                `container "web" sets ${name} to a literal value; reference a secret instead`,
            ]);
        });
    }

    // Half of a pair, or a word that only starts like a secret one, announces nothing.
    for (const name of ["LOG_LEVEL", "MAX_TOKENS", "PRIVATE_NETWORK", "ACCESS_LOG", "CONNECTION_TIMEOUT", "KEY_PREFIX", "API_URL"]) {
        it(`accepts a literal ${name}`, () => {
            expect(checkResource(disallowSecretEnvLiterals, swarmWithEnv(name, "value"))).to.deep.equal([]);
            expect(checkResource(disallowSecretEnvLiterals, kubernetesWithEnv(name, "value"))).to.deep.equal([]);
        });
    }
});
