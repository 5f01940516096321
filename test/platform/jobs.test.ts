// One-shot jobs (Platform.job) and `after`, the ordering a failover's restore relies on, on each adapter.
import { expect } from "chai";
import { KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import type { JobSpec, Platform } from "../../components/platform/types";
import { recordedUnder, settled } from "../support/setup";
import { TestParent, workloadSpec } from "../support/workloads";

const record = (name: string, type: string) => {
    const found = recordedUnder(name).filter((r) => r.type === type);
    expect(found, `${type} ${name}`).to.have.length(1);
    return found[0];
};

/** A job with a secret, and a workload and a scheduled job that must wait for it. */
function jobWithClients(platform: Platform, prefix: string): void {
    const parent = new TestParent(`${prefix}-parent`);
    const secret = platform.secret(`${prefix}-credentials`, "backup", { TOKEN: "value" }, parent);
    const spec: JobSpec = {
        name: `${prefix}-restore`,
        group: "backup",
        image: "registry.example.com/restore:1.0.0",
        command: ["node", "/app/restore.js", "--target", "postgres"],
        env: { BACKUP_BUCKET: "source-bucket" },
        secretEnv: [{ env: "TOKEN", secret, key: "TOKEN" }],
        secretsAsFiles: true,
        resources: workloadSpec("x").resources,
        connectsTo: ["data"],
    };
    const job = platform.job(spec, parent);
    platform.workload({ ...workloadSpec(`${prefix}-api`), after: job.resources }, parent);
    platform.scheduledJob({ ...spec, name: `${prefix}-backup`, schedule: "30 * * * *", after: job.resources }, parent);
}

describe("one-shot jobs and ordering", () => {
    it("Kubernetes: a restricted Job that runs once, waited for, which the workloads and cron jobs that list it wait for", async () => {
        const platform = new KubernetesPlatform("k8s-j", { flavor: KUBERNETES, namespacePrefix: "k8s-j", registry: "registry.example.com" });
        jobWithClients(platform, "k8s-j");
        await settled();
        const job = record("k8s-j-restore-job", "kubernetes:batch/v1:Job");
        const spec = job.inputs.spec as any;
        expect(spec).to.include({ backoffLimit: 2, activeDeadlineSeconds: 7200 });
        const pod = spec.template.spec;
        expect(pod.restartPolicy).to.equal("Never");
        expect(pod.automountServiceAccountToken).to.equal(false);
        expect(pod.containers[0].command).to.deep.equal(["node", "/app/restore.js", "--target", "postgres"]);
        expect(pod.containers[0].securityContext.readOnlyRootFilesystem).to.equal(true);
        expect(pod.containers[0].env).to.deep.include({ name: "TOKEN_FILE", value: "/run/secrets/TOKEN" });
        // Its secret and network policy exist before its pod starts.
        const policy = record("k8s-j-restore-netpol", "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const secret = record("k8s-j-credentials", "kubernetes:core/v1:Secret");
        expect(job.dependsOn).to.include.members([policy.urn, secret.urn]);
        expect(record("k8s-j-api-deployment", "kubernetes:apps/v1:Deployment").dependsOn).to.include(job.urn);
        expect(record("k8s-j-backup-cronjob", "kubernetes:batch/v1:CronJob").dependsOn).to.include(job.urn);
        // Without `after`, nothing waits for it.
        expect(record("k8s-j-restore-sa", "kubernetes:core/v1:ServiceAccount").dependsOn).to.not.include(job.urn);
    });

    it("Swarm: a one-replica service restarted only on failure, at most twice, that the services listing it are created after", async () => {
        const platform = new SwarmPlatform("sw-j", { host: "ssh://deploy@manager", prefix: "sw-j", registry: "registry.example.com" });
        jobWithClients(platform, "sw-j");
        await settled();
        const job = record("sw-j-restore-service", "docker:index/service:Service");
        const inputs = job.inputs as any;
        expect(inputs.mode).to.deep.equal({ replicated: { replicas: 1 } });
        expect(inputs.taskSpec.restartPolicy).to.deep.equal({ condition: "on-failure", delay: "10s", maxAttempts: 2 });
        expect(inputs.taskSpec.containerSpec.commands).to.deep.equal(["node", "/app/restore.js", "--target", "postgres"]);
        expect(inputs.taskSpec.containerSpec.env).to.include({ BACKUP_BUCKET: "source-bucket", TOKEN_FILE: "/run/secrets/TOKEN" });
        expect(inputs.labels).to.deep.include({ label: "sophia.ai/one-shot", value: "true" });
        const api = record("sw-j-api-service", "docker:index/service:Service");
        expect(api.dependsOn).to.include(job.urn);
        expect((api.inputs as any).taskSpec.restartPolicy.condition).to.equal("any");
        expect(record("sw-j-backup-service", "docker:index/service:Service").dependsOn).to.include(job.urn);
    });
});
