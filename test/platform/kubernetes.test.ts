import { expect } from "chai";
import { K3S, KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { PRIVATE_RANGES } from "../../components/platform/kubernetes/network";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { recordedUnder, settled } from "../support/setup";
import { TestParent, workloadSpec } from "../support/workloads";

const byType = (prefix: string, type: string): any[] =>
    recordedUnder(prefix)
        .filter((r) => r.type === type)
        .map((r) => r.inputs);

describe("Kubernetes platform adapter", () => {
    it("hands secrets over as read-only files at /run/secrets/<ENV>, named by <ENV>_FILE, when the workload takes them so", async () => {
        const platform = new KubernetesPlatform("k8s-f", { flavor: KUBERNETES, namespacePrefix: "k8s-f", registry: "registry.example.com" });
        const parent = new TestParent("k8s-f-parent");
        const secret = platform.secret("k8s-f-db-credentials", "data", { DB_PASSWORD: "value" }, parent);
        const secretEnv = [{ env: "POSTGRES_PASSWORD", secret, key: "DB_PASSWORD" }];
        platform.workload(workloadSpec("k8s-f-db", { secretEnv, secretsAsFiles: true }), parent);
        platform.scheduledJob(
            {
                name: "k8s-f-job",
                group: "backup",
                image: "x:1",
                schedule: "0 * * * *",
                command: ["run"],
                secretEnv,
                secretsAsFiles: true,
                resources: workloadSpec("x").resources,
            },
            parent,
        );
        await settled();
        const [deployment] = byType("k8s-f-db", "kubernetes:apps/v1:Deployment");
        const [cronJob] = byType("k8s-f-job", "kubernetes:batch/v1:CronJob");
        for (const pod of [deployment.spec.template.spec, cronJob.spec.jobTemplate.spec.template.spec]) {
            const container = pod.containers[0];
            expect(container.env).to.deep.include({ name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/POSTGRES_PASSWORD" });
            expect(container.env.map((e: any) => e.name)).to.not.include("POSTGRES_PASSWORD");
            expect(JSON.stringify(container.env)).to.not.include("secretKeyRef");
            const mount = container.volumeMounts.find((m: any) => m.mountPath === "/run/secrets/POSTGRES_PASSWORD");
            expect(mount).to.include({ subPath: "DB_PASSWORD", readOnly: true });
            expect(pod.volumes.find((v: any) => v.name === mount.name).secret).to.deep.equal({
                secretName: "k8s-f-db-credentials",
                items: [{ key: "DB_PASSWORD", path: "DB_PASSWORD" }],
                defaultMode: 0o440,
            });
        }
    });

    it("hands over as a file only the secret that asks for it, the workload's others staying secret references", async () => {
        const platform = new KubernetesPlatform("k8s-g", { flavor: KUBERNETES, namespacePrefix: "k8s-g", registry: "registry.example.com" });
        const parent = new TestParent("k8s-g-parent");
        const api = platform.secret("k8s-g-api-secrets", "mcp", { API_KEY: "value" }, parent);
        const cache = platform.secret("k8s-g-api-cache", "mcp", { REDIS_PASSWORD: "value" }, parent);
        const secretEnv = [
            { env: "API_KEY", secret: api, key: "API_KEY" },
            { env: "REDIS_PASSWORD", secret: cache, key: "REDIS_PASSWORD", asFile: true },
        ];
        platform.workload(workloadSpec("k8s-g-api", { secretEnv }), parent);
        await settled();
        const [deployment] = byType("k8s-g-api", "kubernetes:apps/v1:Deployment");
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        expect(container.env).to.deep.include({ name: "API_KEY", valueFrom: { secretKeyRef: { name: "k8s-g-api-secrets", key: "API_KEY" } } });
        expect(container.env).to.deep.include({ name: "REDIS_PASSWORD_FILE", value: "/run/secrets/REDIS_PASSWORD" });
        expect(container.env.map((e: any) => e.name)).to.not.include.members(["REDIS_PASSWORD", "API_KEY_FILE"]);
        const mounts = container.volumeMounts.filter((m: any) => m.mountPath.startsWith("/run/secrets/"));
        expect(mounts).to.have.length(1);
        expect(mounts[0]).to.include({ mountPath: "/run/secrets/REDIS_PASSWORD", subPath: "REDIS_PASSWORD", readOnly: true });
        expect(pod.volumes.find((v: any) => v.name === mounts[0].name).secret).to.deep.equal({
            secretName: "k8s-g-api-cache",
            items: [{ key: "REDIS_PASSWORD", path: "REDIS_PASSWORD" }],
            defaultMode: 0o440,
        });
    });

    it("deploys a scaling workload: restricted pod, probes, rolling update, spread, service, policy, PDB, HPA", async () => {
        const platform = new KubernetesPlatform("k8s-a", { flavor: KUBERNETES, namespacePrefix: "k8s-a", registry: "registry.example.com" });
        const parent = new TestParent("k8s-a-parent");
        const secret = platform.secret("k8s-a-api-secrets", "mcp", { API_KEY: "value" }, parent);
        const handle = platform.workload(
            workloadSpec("k8s-a-api", {
                replicas: 3,
                autoscaling: { minReplicas: 3, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80 },
                secretEnv: [{ env: "API_KEY", secret, key: "API_KEY" }],
                outbound: ["api.example.com"],
                connectsTo: ["data"],
            }),
            parent,
        );
        await settled();
        expect(handle.address).to.equal("k8s-a-api.k8s-a-mcp.svc.cluster.local");

        const [deployment] = byType("k8s-a-api", "kubernetes:apps/v1:Deployment");
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        expect(deployment.spec.replicas, "an HPA owns the replica count").to.equal(undefined);
        expect(deployment.spec.strategy).to.deep.equal({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        expect(deployment.spec.selector.matchLabels).to.deep.equal({ "app.kubernetes.io/name": "k8s-a-api" });
        expect(pod.automountServiceAccountToken).to.equal(false);
        expect(pod.securityContext).to.include({ runAsNonRoot: true });
        expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
        expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false });
        expect(container.securityContext.capabilities).to.deep.equal({ drop: ["ALL"] });
        expect(container.readinessProbe.httpGet).to.deep.equal({ path: "/health", port: "http" });
        expect(container.livenessProbe.httpGet).to.deep.equal({ path: "/health", port: "http" });
        expect(container.resources).to.deep.equal({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
        expect(container.volumeMounts).to.deep.include({ name: "tmp", mountPath: "/tmp" });
        expect(container.env).to.deep.include({ name: "API_KEY", valueFrom: { secretKeyRef: { name: "k8s-a-api-secrets", key: "API_KEY" } } });
        expect(container.env.find((e: any) => e.name === "API_KEY").value).to.equal(undefined);
        expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).to.deep.equal([
            ["kubernetes.io/hostname", "DoNotSchedule"],
            ["topology.kubernetes.io/zone", "ScheduleAnyway"],
        ]);

        const [policy] = byType("k8s-a-api", "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        expect(policy.spec.policyTypes).to.deep.equal(["Ingress", "Egress"]);
        expect(policy.spec.ingress).to.deep.equal([
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "k8s-a-monitoring" } } }], ports: [{ protocol: "TCP", port: 9100 }] },
        ]);
        const egressTargets = policy.spec.egress.flatMap((e: any) => e.to);
        expect(egressTargets).to.deep.include({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "k8s-a-data" } } });
        expect(egressTargets).to.deep.include({ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } });
        expect(policy.metadata.annotations["sophia.ai/outbound-hosts"]).to.equal("api.example.com");

        const [pdb] = byType("k8s-a-api", "kubernetes:policy/v1:PodDisruptionBudget");
        expect(pdb.spec).to.deep.equal({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "k8s-a-api" } } });
        const [hpa] = byType("k8s-a-api", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
        expect(hpa.spec).to.include({ minReplicas: 3, maxReplicas: 6 });
        expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).to.deep.equal([
            ["cpu", 70],
            ["memory", 80],
        ]);
        const [service] = byType("k8s-a-api", "kubernetes:core/v1:Service");
        expect(service.spec).to.deep.include({ type: "ClusterIP", ports: [{ name: "http", port: 9100, targetPort: "http", protocol: "TCP" }] });
    });

    it("creates each group's namespace once, with the restricted profile and a default-deny policy", async () => {
        const platform = new KubernetesPlatform("k8s-b", { flavor: KUBERNETES, namespacePrefix: "k8s-b", registry: "registry.example.com" });
        const parent = new TestParent("k8s-b-parent");
        platform.workload(workloadSpec("k8s-b-one"), parent);
        platform.workload(workloadSpec("k8s-b-two"), parent);
        await settled();
        const namespaces = byType("k8s-b", "kubernetes:core/v1:Namespace");
        expect(namespaces.map((n) => n.metadata.name)).to.deep.equal(["k8s-b-mcp"]);
        expect(namespaces[0].metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
        const denies = byType("k8s-b", "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.metadata.name === "default-deny");
        expect(denies).to.have.length(1);
        expect(denies[0].spec).to.deep.equal({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("leaves out the PDB and HPA for a single fixed replica", async () => {
        const platform = new KubernetesPlatform("k8s-c", { flavor: KUBERNETES, namespacePrefix: "k8s-c", registry: "registry.example.com" });
        platform.workload(workloadSpec("k8s-c-solo"), new TestParent("k8s-c-parent"));
        await settled();
        expect(byType("k8s-c-solo", "kubernetes:policy/v1:PodDisruptionBudget")).to.have.length(0);
        expect(byType("k8s-c-solo", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).to.have.length(0);
        const [deployment] = byType("k8s-c-solo", "kubernetes:apps/v1:Deployment");
        expect(deployment.spec.replicas).to.equal(1);
        expect(deployment.spec.template.spec.topologySpreadConstraints).to.equal(undefined);
    });

    it("on K3s: local-path storage for stateful workloads and single-node-friendly spreading", async () => {
        const platform = new KubernetesPlatform("k3s-d", { flavor: K3S, namespacePrefix: "k3s-d", registry: "registry.example.com" });
        platform.workload(
            workloadSpec("k3s-d-db", { group: "data", replicas: 2, volumes: [{ name: "data", mountPath: "/var/lib/db", persistent: true, size: "5Gi" }] }),
            new TestParent("k3s-d-parent"),
        );
        await settled();
        expect(platform.target).to.equal("k3s");
        expect(byType("k3s-d-db", "kubernetes:apps/v1:Deployment")).to.have.length(0);
        const [statefulSet] = byType("k3s-d-db", "kubernetes:apps/v1:StatefulSet");
        expect(statefulSet.spec.volumeClaimTemplates[0].spec).to.deep.include({ storageClassName: "local-path", resources: { requests: { storage: "5Gi" } } });
        expect(statefulSet.spec.template.spec.topologySpreadConstraints.map((c: any) => c.whenUnsatisfiable)).to.deep.equal(["ScheduleAnyway"]);
    });

    it("runs a scheduled job as a restricted CronJob with its own network policy", async () => {
        const platform = new KubernetesPlatform("k8s-e", { flavor: KUBERNETES, namespacePrefix: "k8s-e", registry: "registry.example.com" });
        platform.scheduledJob(
            {
                name: "k8s-e-job",
                group: "backup",
                image: "registry.example.com/job:1.0.0",
                schedule: "0 2 * * *",
                command: ["run"],
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                connectsTo: ["data"],
            },
            new TestParent("k8s-e-parent"),
        );
        await settled();
        const [cron] = byType("k8s-e-job", "kubernetes:batch/v1:CronJob");
        expect(cron.spec).to.include({ schedule: "0 2 * * *", concurrencyPolicy: "Forbid" });
        const pod = cron.spec.jobTemplate.spec.template.spec;
        expect(pod.containers[0].securityContext.readOnlyRootFilesystem).to.equal(true);
        expect(pod.automountServiceAccountToken).to.equal(false);
        expect(byType("k8s-e-job", "kubernetes:networking.k8s.io/v1:NetworkPolicy")[0].spec.ingress).to.deep.equal([]);
        // A failed backup's log is what the on-call reads: each attempt runs in a pod of its own, which
        // stays after the retries run out ("OnFailure" restarts in place, and the pod goes when the Job
        // fails), and the failed runs kept are bounded.
        expect(pod.restartPolicy).to.equal("Never");
        expect(cron.spec.jobTemplate.spec.backoffLimit).to.be.within(0, 3);
        expect(cron.spec.failedJobsHistoryLimit).to.be.within(1, 5);
    });

    it("probes with the workload's own command when it has no HTTP endpoint, else its main port", async () => {
        const platform = new KubernetesPlatform("k8s-g", { flavor: KUBERNETES, namespacePrefix: "k8s-g", registry: "registry.example.com" });
        const parent = new TestParent("k8s-g-parent");
        platform.workload(workloadSpec("k8s-g-db", { health: undefined, healthCommand: ["redis-cli", "ping"] }), parent);
        platform.workload(workloadSpec("k8s-g-tcp", { health: undefined }), parent);
        await settled();
        const container = (name: string) => byType(name, "kubernetes:apps/v1:Deployment")[0].spec.template.spec.containers[0];
        expect(container("k8s-g-db").readinessProbe.exec).to.deep.equal({ command: ["redis-cli", "ping"] });
        expect(container("k8s-g-db").livenessProbe.exec).to.deep.equal({ command: ["redis-cli", "ping"] });
        expect(container("k8s-g-tcp").readinessProbe.tcpSocket).to.deep.equal({ port: "http" });
    });

    it("picks the K3s choice on K3s and falls back to Kubernetes' otherwise", () => {
        const k3s = new KubernetesPlatform("k3s-f", { flavor: K3S, namespacePrefix: "k3s-f", registry: "registry.example.com" });
        const k8s = new KubernetesPlatform("k8s-f", { flavor: KUBERNETES, namespacePrefix: "k8s-f", registry: "registry.example.com" });
        const choices = { swarm: () => "swarm", kubernetes: () => "kubernetes", k3s: () => "k3s" };
        expect(k3s.pick(choices)).to.equal("k3s");
        expect(k8s.pick(choices)).to.equal("kubernetes");
        expect(k3s.pick({ swarm: () => "swarm", kubernetes: () => "kubernetes" })).to.equal("kubernetes");
    });
});
