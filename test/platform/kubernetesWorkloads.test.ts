// The Kubernetes adapter's objects as the cluster takes them: where a pod may connect to and who may
// connect to it (NetworkPolicy, judged by test/support/reach.ts), which objects Pulumi creates before
// which, what the API server accepts and what the controllers make of it. Each test registers its
// own objects with a recorder of its own, which also sees the provider each object is created through.
import { expect } from "chai";
import type { RecordedResource } from "../../commands/plan/recorder";
import { runPolicies } from "../../commands/policy/run";
import { K3S, KUBERNETES, KubernetesFlavor } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform, KubernetesPlatformArgs } from "../../components/platform/kubernetes/platform";
import type { JobSpec, WorkloadSpec } from "../../components/platform/types";
import { podTemplateOf } from "../support/containers";
import { admittedPorts, Destination, egressAllowed, matches, podOf } from "../support/reach";
import { registered, RegistrationRecorder } from "../support/registrations";
import { TestParent, workloadSpec } from "../support/workloads";

type Json = Record<string, any>;

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const CRON_JOB = "kubernetes:batch/v1:CronJob";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const POD_TYPES = [DEPLOYMENT, STATEFUL_SET, JOB, CRON_JOB];

const PART_OF = { "app.kubernetes.io/part-of": "sophia" };

const cluster = (prefix: string, flavor: KubernetesFlavor = KUBERNETES, over: Partial<KubernetesPlatformArgs> = {}): KubernetesPlatform =>
    new KubernetesPlatform(prefix, { flavor, namespacePrefix: prefix, registry: "registry.example.com", ...over });

const jobSpec = (name: string, over: Partial<JobSpec> = {}): JobSpec => ({
    name,
    group: "backup",
    image: "registry.example.com/sophia-backup:1.0.0",
    command: ["node", "/app/backup.js"],
    resources: workloadSpec("x").resources,
    ...over,
});

const scaling: WorkloadSpec["autoscaling"] = { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, memoryUtilization: 80 };

/**
 * One of each object the adapter makes: a Secret and a ConfigMap that a scaling Deployment reads, a
 * scaling StatefulSet with a claim and scratch space, and a one-shot Job and a CronJob that read a secret.
 */
function everything(prefix: string, over: Partial<KubernetesPlatformArgs> = {}): void {
    const platform = cluster(prefix, KUBERNETES, over);
    const parent = new TestParent(`${prefix}-parent`);
    const secret = platform.secret(`${prefix}-api-secrets`, "mcp", { API_KEY: "value" }, parent);
    const config = platform.configFiles(`${prefix}-api-config`, "mcp", { "app.yaml": "a: 1\n", "routes.yaml": "routes: []\n" }, parent);
    platform.workload(
        workloadSpec(`${prefix}-api`, {
            replicas: 2,
            autoscaling: scaling,
            secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }],
            configFiles: [
                { config, file: "app.yaml", mountPath: "/etc/api/app.yaml" },
                { config, file: "routes.yaml", mountPath: "/etc/api/routes.yaml" },
            ],
        }),
        parent,
    );
    platform.workload(
        workloadSpec(`${prefix}-db`, {
            group: "data",
            replicas: 2,
            autoscaling: scaling,
            volumes: [
                { name: "data", mountPath: "/var/lib/db", persistent: true, size: "5Gi" },
                { name: "run", mountPath: "/var/run/db", persistent: false },
            ],
        }),
        parent,
    );
    const credentials = platform.secret(`${prefix}-backup-credentials`, "backup", { TOKEN: "value" }, parent);
    const secretEnv = [{ env: "TOKEN", secret: credentials, key: "TOKEN" }];
    platform.job(jobSpec(`${prefix}-restore`, { secretEnv, secretsAsFiles: true }), parent);
    platform.scheduledJob({ ...jobSpec(`${prefix}-backup`, { secretEnv }), schedule: "30 * * * *" }, parent);
}

const metadataOf = (r: RecordedResource): Json => r.inputs.metadata ?? {};
const specOf = (r: RecordedResource): Json => r.inputs.spec as Json;
const ofType = (recorder: RegistrationRecorder, type: string): RecordedResource[] => recorder.recorded.filter((r) => r.type === type);
const podsOf = (recorder: RegistrationRecorder): RecordedResource[] => recorder.recorded.filter((r) => POD_TYPES.includes(r.type));

/** The one object of a type with this name (and namespace, when given). */
function named(recorder: RegistrationRecorder, type: string, name: string, namespace?: string): RecordedResource {
    const found = ofType(recorder, type).filter((r) => metadataOf(r).name === name && (namespace === undefined || metadataOf(r).namespace === namespace));
    expect(found, `${type} ${namespace ?? "?"}/${name}`).to.have.length(1);
    return found[0];
}

/** Everything Pulumi creates before `resource`: its dependencies, theirs, and so on. */
function createdBefore(recorder: RegistrationRecorder, resource: RecordedResource): Set<string> {
    const byUrn = new Map(recorder.recorded.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const pending = [...resource.dependsOn];
    while (pending.length > 0) {
        const urn = pending.pop()!;
        if (seen.has(urn)) continue;
        seen.add(urn);
        pending.push(...(byUrn.get(urn)?.dependsOn ?? []));
    }
    return seen;
}

/** The objects a pod needs to start: its service account, and the Secrets and ConfigMaps its environment and volumes read. */
function needsOf(workload: RecordedResource): { type: string; name: string }[] {
    const pod = podTemplateOf(workload).spec as Json;
    const env = ((pod.containers as Json[]).flatMap((c) => c.env ?? []) as Json[]).filter((v) => v.valueFrom?.secretKeyRef);
    return [
        { type: SERVICE_ACCOUNT, name: pod.serviceAccountName },
        ...env.map((v) => ({ type: SECRET, name: v.valueFrom.secretKeyRef.name })),
        ...((pod.volumes ?? []) as Json[]).filter((v) => v.secret).map((v) => ({ type: SECRET, name: v.secret.secretName })),
        ...((pod.volumes ?? []) as Json[]).filter((v) => v.configMap).map((v) => ({ type: CONFIG_MAP, name: v.configMap.name })),
    ];
}

/**
 * The volumes of the pod a workload's controller creates: the template's, and for a StatefulSet its
 * claims, which replace a template volume of the same name (the StatefulSet controller's updateStorage).
 */
function podVolumes(workload: RecordedResource): Json[] {
    const volumes = ((podTemplateOf(workload).spec.volumes ?? []) as Json[]).map((v) => ({ ...v }));
    if (workload.type !== STATEFUL_SET) return volumes;
    const claims = ((specOf(workload).volumeClaimTemplates ?? []) as Json[]).map((c) => ({
        name: c.metadata?.name,
        persistentVolumeClaim: { claimName: `${c.metadata?.name}-${metadataOf(workload).name}-0` },
    }));
    return [...claims, ...volumes.filter((v) => !claims.some((c) => c.name === v.name))];
}

/** A DNS-1123 label, what Kubernetes requires of a volume's name (apimachinery IsDNS1123Label). */
const isDnsLabel = (name: unknown): boolean => typeof name === "string" && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);

/** A Go duration (time.ParseDuration, which the engine reads custom timeouts with) in seconds; NaN when it is none. */
function goDurationSeconds(text: string): number {
    const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return NaN;
    return [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, value, unit]) => sum + Number(value) * units[unit], 0);
}

/** How far a time zone's wall clock is ahead of UTC at `date`, in minutes, by the tz database's rules (Intl, ICU's copy). */
function utcOffsetMinutes(zone: string, date: Date): number {
    const format = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
    });
    const part = (type: string) => Number(format.formatToParts(date).find((p) => p.type === type)!.value);
    return (Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute")) - date.getTime()) / 60_000;
}

/** The hosts a NetworkPolicy's annotation declares, as an egress gateway reads them. */
function outboundHosts(policy: RecordedResource): string[] {
    const value = metadataOf(policy).annotations?.["sophia.ai/outbound-hosts"];
    expect(value, `${policy.name}'s sophia.ai/outbound-hosts annotation`).to.be.a("string");
    return value === "" ? [] : (value as string).split(",");
}

describe("Kubernetes adapter: its objects as the cluster takes them", () => {
    for (const flavor of [KUBERNETES, K3S]) {
        it(`${flavor.name}: every pod resolves names through the cluster DNS, over UDP and TCP, and reaches no other resolver nor the DNS pods' other ports`, async () => {
            const prefix = `dns-${flavor.name}`;
            const recorder = await registered(() => {
                const platform = cluster(prefix, flavor);
                const parent = new TestParent(`${prefix}-parent`);
                platform.workload(workloadSpec(`${prefix}-api`), parent);
                platform.job(jobSpec(`${prefix}-restore`), parent);
                platform.scheduledJob({ ...jobSpec(`${prefix}-backup`), schedule: "0 * * * *" }, parent);
            });
            // CoreDNS's pods keep the kube-dns label on both (K3s bundles CoreDNS in kube-system too).
            const clusterDns = { namespace: flavor.dnsNamespace, labels: { "k8s-app": "kube-dns" } };
            expect(podsOf(recorder).map((r) => r.type)).to.have.members([DEPLOYMENT, JOB, CRON_JOB]);
            for (const workload of podsOf(recorder)) {
                const may = (to: Destination, port: number, protocol: "TCP" | "UDP") => egressAllowed(recorder.recorded, podOf(workload), to, port, protocol);
                expect(may(clusterDns, 53, "UDP"), `${workload.name}: a DNS query`).to.equal(true);
                expect(may(clusterDns, 53, "TCP"), `${workload.name}: an answer too long for UDP, over TCP`).to.equal(true);
                expect(may(clusterDns, 9153, "TCP"), `${workload.name}: CoreDNS's metrics port`).to.equal(false);
                expect(may(clusterDns, 8080, "TCP"), `${workload.name}: CoreDNS's health port`).to.equal(false);
                expect(may({ address: "8.8.8.8" }, 53, "UDP"), `${workload.name}: a resolver outside the cluster`).to.equal(false);
                expect(
                    may({ namespace: flavor.dnsNamespace, labels: { "k8s-app": "metrics-server" } }, 53, "UDP"),
                    `${workload.name}: another pod there`,
                ).to.equal(false);
            }
        });
    }

    it("lets a pod reach public addresses over HTTPS only when it declares outbound hosts, and never the cluster's private ranges", async () => {
        const recorder = await registered(() => {
            const platform = cluster("out");
            const parent = new TestParent("out-parent");
            platform.workload(workloadSpec("out-silent", { outbound: undefined }), parent);
            platform.workload(workloadSpec("out-none", { outbound: [] }), parent);
            platform.workload(workloadSpec("out-api", { outbound: ["api.example.com"] }), parent);
            platform.job(jobSpec("out-restore"), parent);
            platform.scheduledJob({ ...jobSpec("out-backup", { outbound: ["s3.us-east-1.amazonaws.com"] }), schedule: "30 * * * *" }, parent);
        });
        const declares: Record<string, boolean> = { "out-silent": false, "out-none": false, "out-api": true, "out-restore": false, "out-backup": true };
        expect(podsOf(recorder).map((r) => metadataOf(r).name)).to.have.members(Object.keys(declares));
        for (const workload of podsOf(recorder)) {
            const name = metadataOf(workload).name as string;
            const may = (address: string, port: number) => egressAllowed(recorder.recorded, podOf(workload), { address }, port, "TCP");
            expect(may("203.0.113.10", 443), `${name}: HTTPS to a public address`).to.equal(declares[name]);
            expect(may("203.0.113.10", 80), `${name}: plain HTTP to a public address`).to.equal(false);
            for (const address of ["10.0.3.4", "172.16.5.5", "192.168.1.1", "169.254.169.254", "100.64.0.1"])
                expect(may(address, 443), `${name}: HTTPS to ${address}`).to.equal(false);
        }
    });

    it("keeps the declared outbound hosts on the NetworkPolicy of every workload, job and cron job, for an egress gateway", async () => {
        const recorder = await registered(() => {
            const platform = cluster("hosts");
            const parent = new TestParent("hosts-parent");
            platform.workload(workloadSpec("hosts-api", { outbound: ["api.example.com", "search.example.org"] }), parent);
            platform.workload(workloadSpec("hosts-quiet", { outbound: undefined }), parent);
            platform.job(jobSpec("hosts-restore", { outbound: ["s3.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"] }), parent);
            platform.job(jobSpec("hosts-migrate"), parent);
            platform.scheduledJob(
                { ...jobSpec("hosts-backup", { outbound: ["s3.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com"] }), schedule: "30 * * * *" },
                parent,
            );
            platform.scheduledJob({ ...jobSpec("hosts-prune"), schedule: "0 3 * * *" }, parent);
        });
        const declared: Record<string, string[]> = {
            "hosts-api": ["api.example.com", "search.example.org"],
            "hosts-quiet": [],
            "hosts-restore": ["s3.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"],
            "hosts-migrate": [],
            "hosts-backup": ["s3.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com"],
            "hosts-prune": [],
        };
        for (const [name, hosts] of Object.entries(declared)) {
            const policy = named(recorder, NETWORK_POLICY, name);
            expect(outboundHosts(policy), name).to.deep.equal(hosts);
        }
    });

    it("admits each group on the port its allowance names, not on the workload's first port", async () => {
        const recorder = await registered(() => {
            cluster("ing").workload(
                workloadSpec("ing-api", {
                    ports: [
                        { name: "http", port: 8080 },
                        { name: "metrics", port: 9090 },
                    ],
                    metrics: { path: "/metrics", port: "metrics" },
                    ingress: [
                        { from: "monitoring", ports: ["metrics"] },
                        { from: "edge", ports: ["http"] },
                    ],
                }),
                new TestParent("ing-parent"),
            );
        });
        const api = podOf(named(recorder, DEPLOYMENT, "ing-api"));
        expect([...admittedPorts(recorder.recorded, api, { namespace: "ing-monitoring" })], "Prometheus").to.deep.equal([9090]);
        expect([...admittedPorts(recorder.recorded, api, { namespace: "ing-edge" })], "the edge").to.deep.equal([8080]);
        expect([...admittedPorts(recorder.recorded, api, { namespace: "ing-mcp" })], "its own namespace").to.deep.equal([]);
    });

    it("refuses an allowance naming a port the workload does not have, saying which workload and port", async () => {
        await registered(() => {
            const platform = cluster("unknown");
            const spec = workloadSpec("unknown-api", { ingress: [{ from: "monitoring", ports: ["metric"] }] });
            expect(() => platform.workload(spec, new TestParent("unknown-parent"))).to.throw('unknown-api: ingress names unknown port "metric"');
        });
    });

    it("creates every object in the stack's cluster: through its own provider, with the stack's kubeconfig and context, applying server-side whatever the operator's environment says", async () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: sophia-prod\n";
        const saved = { KUBECONFIG: process.env.KUBECONFIG, PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY: process.env.PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY };
        // An operator's shell pointing at another cluster, and switched to client-side apply.
        process.env.KUBECONFIG = "/home/operator/.kube/another-cluster";
        process.env.PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY = "false";
        let recorder: RegistrationRecorder;
        try {
            recorder = await registered(() => everything("prov", { kubeconfig, context: "sophia-prod" }));
        } finally {
            for (const [name, value] of Object.entries(saved)) {
                if (value === undefined) delete process.env[name];
                else process.env[name] = value;
            }
        }
        const providers = ofType(recorder, "pulumi:providers:kubernetes");
        expect(providers).to.have.length(1);
        expect(providers[0].inputs).to.include({ kubeconfig, context: "sophia-prod", enableServerSideApply: "true" });
        const objects = recorder.recorded.filter((r) => r.type.startsWith("kubernetes:"));
        expect(objects.map((r) => r.type)).to.include.members([
            NAMESPACE,
            NETWORK_POLICY,
            SECRET,
            CONFIG_MAP,
            DEPLOYMENT,
            STATEFUL_SET,
            HPA,
            PDB,
            JOB,
            CRON_JOB,
        ]);
        for (const object of objects) expect(recorder.providerOf(object.urn), `${object.type} ${object.name}'s provider`).to.equal(providers[0].urn);
    });

    it("creates nothing before what it needs: each namespaced object after its Namespace, each pod after its service account and the Secrets and ConfigMaps it reads", async () => {
        const recorder = await registered(() => everything("order"));
        const namespaced = recorder.recorded.filter((r) => r.type.startsWith("kubernetes:") && metadataOf(r).namespace !== undefined);
        expect(namespaced.map((r) => r.type)).to.include.members([
            NETWORK_POLICY,
            SECRET,
            CONFIG_MAP,
            SERVICE_ACCOUNT,
            SERVICE,
            DEPLOYMENT,
            STATEFUL_SET,
            HPA,
            PDB,
            JOB,
            CRON_JOB,
        ]);
        for (const object of namespaced) {
            const namespace = named(recorder, NAMESPACE, metadataOf(object).namespace);
            expect(createdBefore(recorder, object).has(namespace.urn), `${object.type} ${object.name} after its namespace`).to.equal(true);
        }
        for (const workload of podsOf(recorder)) {
            const needs = needsOf(workload);
            expect(needs.map((n) => n.type)).to.include(SERVICE_ACCOUNT);
            for (const need of needs) {
                const object = named(recorder, need.type, need.name, metadataOf(workload).namespace);
                expect(createdBefore(recorder, workload).has(object.urn), `${workload.name} after ${need.type} ${need.name}`).to.equal(true);
            }
        }
        expect(
            podsOf(recorder)
                .flatMap(needsOf)
                .map((n) => n.type),
        ).to.include.members([SECRET, CONFIG_MAP]);
    });

    it("creates what lists a workload or a job in `after` once that workload or job is", async () => {
        const recorder = await registered(() => {
            const platform = cluster("after");
            const parent = new TestParent("after-parent");
            const cache = platform.workload(workloadSpec("after-cache", { group: "data" }), parent);
            const restore = platform.job(jobSpec("after-restore"), parent);
            platform.workload({ ...workloadSpec("after-api"), after: [...cache.resources, ...restore.resources] }, parent);
        });
        const before = createdBefore(recorder, named(recorder, DEPLOYMENT, "after-api"));
        expect(before.has(named(recorder, DEPLOYMENT, "after-cache").urn), "the cache's Deployment").to.equal(true);
        expect(before.has(named(recorder, JOB, "after-restore").urn), "the restore's Job").to.equal(true);
    });

    it("labels everything it makes for a workload, secret, config or job, their pods and its namespaces as the platform's (kubectl get -l app.kubernetes.io/part-of=sophia)", async () => {
        const recorder = await registered(() => everything("label"));
        const parent = recorder.recorded.find((r) => r.name === "label-parent")!;
        const made = recorder.recorded.filter((r) => r.parent === parent.urn && r.type.startsWith("kubernetes:"));
        expect(made.map((r) => r.type)).to.include.members([
            SECRET,
            CONFIG_MAP,
            SERVICE_ACCOUNT,
            SERVICE,
            NETWORK_POLICY,
            DEPLOYMENT,
            STATEFUL_SET,
            HPA,
            PDB,
            JOB,
            CRON_JOB,
        ]);
        for (const object of [...made, ...ofType(recorder, NAMESPACE)])
            expect(matches({ matchLabels: PART_OF }, metadataOf(object).labels ?? {}), `${object.type} ${object.name}`).to.equal(true);
        for (const workload of podsOf(recorder))
            expect(matches({ matchLabels: PART_OF }, podTemplateOf(workload).metadata?.labels ?? {}), `the pods of ${workload.name}`).to.equal(true);
    });

    it("enforces the restricted Pod Security profile in each namespace, with labels the admission controller accepts", async () => {
        const recorder = await registered(() => everything("psa"));
        const namespaces = ofType(recorder, NAMESPACE);
        expect(namespaces.map((n) => metadataOf(n).name)).to.have.members(["psa-mcp", "psa-data", "psa-backup"]);
        for (const namespace of namespaces) {
            const labels = metadataOf(namespace).labels as Record<string, string>;
            const name = metadataOf(namespace).name as string;
            expect(labels["pod-security.kubernetes.io/enforce"], name).to.equal("restricted");
            // Pod Security admission refuses a namespace whose labels do not parse (pod-security-admission
            // api/helpers.go, ParseLevel and ParseVersion), so `pulumi up` could not create it.
            for (const mode of ["enforce", "audit", "warn"]) {
                const level = labels[`pod-security.kubernetes.io/${mode}`];
                const version = labels[`pod-security.kubernetes.io/${mode}-version`];
                if (level !== undefined) expect(["privileged", "baseline", "restricted"], `${name}: ${mode}`).to.include(level);
                if (version !== undefined) expect(version, `${name}: ${mode}-version`).to.match(/^(latest|v1\.([0-9]|[1-9][0-9]*))$/);
            }
        }
    });

    it("runs each pod as a service account of its own namespace, which mounts no API token", async () => {
        const recorder = await registered(() => everything("sa"));
        expect(podsOf(recorder)).to.have.length(4);
        for (const workload of podsOf(recorder)) {
            const pod = podTemplateOf(workload).spec as Json;
            named(recorder, SERVICE_ACCOUNT, pod.serviceAccountName, metadataOf(workload).namespace);
            expect(pod.automountServiceAccountToken, workload.name).to.equal(false);
        }
    });

    it("mounts every volume a pod names: scratch space as an emptyDir, a persistent volume as its StatefulSet's claim, each config file and host socket, under unique DNS-label names", async () => {
        const recorder = await registered(() => {
            const platform = cluster("vol");
            const parent = new TestParent("vol-parent");
            const files = (name: string, group: "data" | "mcp") => {
                const config = platform.configFiles(name, group, { "a.conf": "a\n", "b.conf": "b\n" }, parent);
                return [
                    { config, file: "a.conf", mountPath: "/etc/app/a.conf" },
                    { config, file: "b.conf", mountPath: "/etc/app/b.conf" },
                ];
            };
            platform.workload(
                workloadSpec("vol-db", {
                    group: "data",
                    volumes: [
                        { name: "data", mountPath: "/var/lib/db", persistent: true, size: "5Gi" },
                        { name: "run", mountPath: "/var/run/db", persistent: false },
                    ],
                    configFiles: files("vol-db-config", "data"),
                }),
                parent,
            );
            platform.workload(
                workloadSpec("vol-api", {
                    volumes: [{ name: "cache", mountPath: "/var/cache/api", persistent: false }],
                    configFiles: files("vol-api-config", "mcp"),
                    hostMounts: ["/var/run/docker.sock"],
                }),
                parent,
            );
        });
        const source = (workload: RecordedResource, mountPath: string): Json => {
            const mount = ((podTemplateOf(workload).spec.containers as Json[])[0].volumeMounts as Json[]).find((m) => m.mountPath === mountPath)!;
            return podVolumes(workload).find((v) => v.name === mount.name)!;
        };
        for (const workload of podsOf(recorder)) {
            const volumes = podVolumes(workload);
            const names = volumes.map((v) => v.name);
            expect(new Set(names).size, `${workload.name}: volume names ${names.join(", ")}`).to.equal(names.length);
            for (const name of names) expect(isDnsLabel(name), `${workload.name}: volume name "${name}"`).to.equal(true);
            for (const mount of (podTemplateOf(workload).spec.containers as Json[])[0].volumeMounts as Json[])
                expect(names, `${workload.name}: the volume mounted at ${mount.mountPath}`).to.include(mount.name);
        }
        const db = named(recorder, STATEFUL_SET, "vol-db");
        expect(source(db, "/var/lib/db").persistentVolumeClaim, "the database's data").to.not.equal(undefined);
        expect(source(db, "/var/run/db").emptyDir, "the database's socket directory").to.deep.equal({});
        expect(source(db, "/etc/app/b.conf").configMap.name).to.equal("vol-db-config");
        const api = named(recorder, DEPLOYMENT, "vol-api");
        expect(source(api, "/var/cache/api").emptyDir, "the API's cache").to.deep.equal({});
        expect(source(api, "/etc/app/a.conf").configMap.name).to.equal("vol-api-config");
        expect(source(api, "/var/run/docker.sock").hostPath.path).to.equal("/var/run/docker.sock");
    });

    it("starts a container with the workload's command and arguments, and the files they name are mounted", async () => {
        const recorder = await registered(() => {
            const platform = cluster("args");
            const parent = new TestParent("args-parent");
            const config = platform.configFiles("args-prometheus-config", "monitoring", { "prometheus.yml": "scrape_configs: []\n" }, parent);
            platform.workload(
                workloadSpec("args-prometheus", {
                    group: "monitoring",
                    command: ["/bin/prometheus"],
                    args: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
                    configFiles: [{ config, file: "prometheus.yml", mountPath: "/etc/prometheus/prometheus.yml" }],
                    volumes: [{ name: "data", mountPath: "/prometheus", persistent: false }],
                }),
                parent,
            );
        });
        const container = (podTemplateOf(named(recorder, DEPLOYMENT, "args-prometheus")).spec.containers as Json[])[0];
        expect(container.command).to.deep.equal(["/bin/prometheus"]);
        expect(container.args).to.deep.equal(["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]);
        const mounted = (container.volumeMounts as Json[]).map((m) => m.mountPath);
        for (const arg of container.args as string[]) expect(mounted, arg).to.include(arg.slice(arg.indexOf("=") + 1));
    });

    it("hands a host socket to the container at its own path, only where the node has a socket there; the policy pack refuses it on Kubernetes", async () => {
        const recorder = await registered(() =>
            cluster("host").workload(workloadSpec("host-agent", { hostMounts: ["/var/run/docker.sock"] }), new TestParent("host-parent")),
        );
        const deployment = named(recorder, DEPLOYMENT, "host-agent");
        const pod = podTemplateOf(deployment).spec as Json;
        const mount = ((pod.containers as Json[])[0].volumeMounts as Json[]).find((m) => m.mountPath === "/var/run/docker.sock");
        expect(mount, "the socket's mount").to.not.equal(undefined);
        // Type Socket: the kubelet refuses to start the pod on a node without the socket, where the
        // runtime would otherwise create an empty directory at that path and start it.
        expect((pod.volumes as Json[]).find((v) => v.name === mount!.name)?.hostPath).to.deep.equal({ path: "/var/run/docker.sock", type: "Socket" });
        const violations = runPolicies(recorder.recorded, { stack: "prod", config: {}, packConfig: {} });
        expect(violations.filter((v) => v.urn === deployment.urn).map((v) => v.policy)).to.include("disallow-host-path");
    });

    for (const flavor of [KUBERNETES, K3S]) {
        it(`${flavor.name}: claims each persistent volume as its storage class can provision it: ReadWriteOnce, of the size asked for, else 10Gi`, async () => {
            const prefix = `claim-${flavor.name}`;
            const recorder = await registered(() =>
                cluster(prefix, flavor).workload(
                    workloadSpec(`${prefix}-db`, {
                        group: "data",
                        volumes: [
                            { name: "data", mountPath: "/var/lib/db", persistent: true, size: "5Gi" },
                            { name: "wal", mountPath: "/var/lib/wal", persistent: true },
                        ],
                    }),
                    new TestParent(`${prefix}-parent`),
                ),
            );
            // The access modes each default storage class's provisioner binds: the EBS CSI driver (gp3)
            // and Rancher's local-path provisioner attach a volume to one node only.
            const provisions: Record<string, string[]> = { gp3: ["ReadWriteOnce", "ReadWriteOncePod"], "local-path": ["ReadWriteOnce"] };
            const claims = specOf(named(recorder, STATEFUL_SET, `${prefix}-db`)).volumeClaimTemplates as Json[];
            expect(claims.map((c) => [c.metadata.name, c.spec.resources.requests.storage])).to.deep.equal([
                ["data", "5Gi"],
                ["wal", "10Gi"],
            ]);
            for (const claim of claims) {
                expect(claim.spec.storageClassName).to.equal(flavor.defaultStorageClass);
                // The API server refuses a claim without an access mode.
                expect(claim.spec.accessModes, claim.metadata.name).to.have.length.greaterThan(0);
                expect(provisions[flavor.defaultStorageClass], claim.metadata.name).to.include.members(claim.spec.accessModes);
            }
        });
    }

    it("selects each workload's own pods, and no other's, for its controller, Service, disruption budget and spreading", async () => {
        const recorder = await registered(() => {
            const platform = cluster("sel");
            const parent = new TestParent("sel-parent");
            platform.workload(
                workloadSpec("sel-db", { group: "data", replicas: 2, volumes: [{ name: "data", mountPath: "/var/lib/db", persistent: true }] }),
                parent,
            );
            platform.workload(workloadSpec("sel-cache", { group: "data", replicas: 2 }), parent);
        });
        const workloads = podsOf(recorder);
        expect(workloads.map((r) => r.type)).to.have.members([STATEFUL_SET, DEPLOYMENT]);
        for (const workload of workloads) {
            const name = metadataOf(workload).name as string;
            const own = podTemplateOf(workload).metadata.labels as Record<string, string>;
            const other = podTemplateOf(workloads.find((w) => w !== workload)!).metadata.labels as Record<string, string>;
            const selectors: [string, Json][] = [
                ["controller", specOf(workload).selector],
                ["Service", { matchLabels: specOf(named(recorder, SERVICE, name)).selector }],
                ["disruption budget", specOf(named(recorder, PDB, name)).selector],
                ...((podTemplateOf(workload).spec.topologySpreadConstraints ?? []) as Json[]).map((c): [string, Json] => [
                    `spreading by ${c.topologyKey}`,
                    c.labelSelector,
                ]),
            ];
            expect(selectors.length, `${name}: its spreading`).to.be.greaterThan(3);
            for (const [what, selector] of selectors) {
                expect(matches(selector, own), `${name}'s ${what} selects its pods`).to.equal(true);
                expect(matches(selector, other), `${name}'s ${what} leaves the other workload's pods alone`).to.equal(false);
            }
        }
    });

    it("points each autoscaler at the object that runs its workload: its Deployment, or the StatefulSet of one with persistent volumes", async () => {
        const recorder = await registered(() => {
            const platform = cluster("hpa");
            const parent = new TestParent("hpa-parent");
            platform.workload(workloadSpec("hpa-api", { replicas: 2, autoscaling: scaling }), parent);
            platform.workload(
                workloadSpec("hpa-db", {
                    group: "data",
                    replicas: 2,
                    autoscaling: scaling,
                    volumes: [{ name: "data", mountPath: "/var/lib/db", persistent: true }],
                }),
                parent,
            );
        });
        const autoscalers = ofType(recorder, HPA);
        expect(autoscalers).to.have.length(2);
        for (const hpa of autoscalers) {
            const ref = specOf(hpa).scaleTargetRef as Json;
            const targets = recorder.recorded.filter(
                (r) =>
                    r.type === `kubernetes:${ref.apiVersion}:${ref.kind}` &&
                    metadataOf(r).name === ref.name &&
                    metadataOf(r).namespace === metadataOf(hpa).namespace,
            );
            expect(
                targets.map((t) => t.type),
                `${hpa.name} scales ${ref.apiVersion} ${ref.kind} ${ref.name}`,
            ).to.deep.equal([metadataOf(hpa).name === "hpa-db" ? STATEFUL_SET : DEPLOYMENT]);
        }
    });

    it("runs scheduled jobs on UTC, whatever zone the cluster's controller manager runs in", async () => {
        const recorder = await registered(() => cluster("tz").scheduledJob({ ...jobSpec("tz-backup"), schedule: "0 2 * * *" }, new TestParent("tz-parent")));
        const zone = specOf(named(recorder, CRON_JOB, "tz-backup")).timeZone as string;
        // The API server refuses an empty zone; ICU's tz database stands in for the one the controller reads.
        expect(zone, "the CronJob's own time zone").to.be.a("string").and.not.equal("");
        for (const date of [new Date("2027-01-15T12:00:00Z"), new Date("2027-07-15T12:00:00Z")])
            expect(utcOffsetMinutes(zone, date), `${zone}'s offset on ${date.toISOString()}`).to.equal(0);
    });

    it("waits for a one-shot Job as long as the Job may run, not the provider's default timeout", async () => {
        const recorder = await registered(() => cluster("wait").job(jobSpec("wait-restore"), new TestParent("wait-parent")));
        const job = named(recorder, JOB, "wait-restore");
        const deadline = specOf(job).activeDeadlineSeconds as number;
        expect(deadline).to.be.greaterThan(0);
        const create = recorder.customTimeouts.get(job.urn)?.create ?? "";
        expect(goDurationSeconds(create), `pulumi up waits ${JSON.stringify(create)} for the Job to complete`).to.be.at.least(deadline);
    });
});
