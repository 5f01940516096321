// The failover's restore as its targets would run it. The Restore component, with the failover
// stack's settings, rendered on each platform adapter; its job's container materialised as the
// kubelet (or Swarm's task) would, with the secrets' own content, and the restore program's own
// code reading it: libpq logs in to a real PostgreSQL with the password it finds, and the AWS SDK
// signs with the reader's key and calls the hosts the job's egress is declared for. Then, from the
// program (index.ts) evaluated in process: the reader's IAM resources (provider, region, tags,
// description), what the component reports, and the labels the job is found by.
import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { RecordedResource, RecordingMonitor, urnOf } from "../../commands/plan/recorder";
import { KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { SwarmPlatform } from "../../components/platform/swarm/platform";
import type { Platform } from "../../components/platform/types";
import { DEFAULT_POSTGRES } from "../../components/postgres";
import { Restore, RESTORE_OF_LABEL } from "../../components/restore";
import { platformStacks } from "../../esc/needs";
import { databases, libpqEnvironment } from "../../images/backup/src/postgres";
import { BackupBucket } from "../../images/backup/src/store";
import { recordRequests, S3Request, STOPPED } from "../support/s3Requests";
import { CONFIG_NAMESPACE, loadStackSettings, StackSettings } from "../../stacks/settings";
import { PostgresCluster, tempRoot } from "../backup/servers";
import { Container, kubernetesContainer, podTemplateOf, swarmContainer } from "../support/containers";
import { ROOT } from "../support/plan";
import { evaluateStack, runProgram, stackConfigOf } from "../support/program";
import { componentOf, envOf, isKubernetes, Json, labelsOf, POD_TYPES, workloadName } from "../support/rendered";
import { monitor, settled } from "../support/setup";
import { postgresServerBin, requireBinary } from "../support/tools";
import { TestParent } from "../support/workloads";

/** The stack that restores (the failover), read from the stack files. */
const RESTORING = platformStacks(ROOT).find((stack) => offlineStackSettings(ROOT, stack).restore);
const settingsOf = (stack: string): StackSettings => {
    const config = stackConfigOf(stack);
    return loadStackSettings(stack, (key) => config.config[`${CONFIG_NAMESPACE}:${key}`]);
};

/** The reader's access key the stack hands the component (ESC-rotated); made up here, as the mocks never see the real one. */
const ACCESS_KEY_ID = "AKIARESTOREREADERTEST";
const SECRET_ACCESS_KEY = "restore-reader-secret-access-key-for-the-test";

/** A platform that keeps the content of every secret it creates (the plan only has "[secret]"), by secret name and key. */
function keepingSecrets(platform: Platform): { platform: Platform; contents: Map<string, Record<string, pulumi.Input<string>>> } {
    const contents = new Map<string, Record<string, pulumi.Input<string>>>();
    const keeping = new Proxy(platform, {
        get(target, property) {
            if (property === "secret")
                return (name: string, group: Parameters<Platform["secret"]>[1], data: Record<string, pulumi.Input<string>>, parent: pulumi.Resource) => {
                    contents.set(name, data);
                    return target.secret(name, group, data, parent);
                };
            const value = Reflect.get(target, property, target);
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
    return { platform: keeping, contents };
}

const valueOf = (input: pulumi.Input<string>): Promise<string> => (pulumi.output(input) as unknown as { promise(): Promise<string> }).promise();

/** Every secret's content, resolved: secret name → key → value. */
async function resolved(contents: Map<string, Record<string, pulumi.Input<string>>>): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for (const [name, data] of contents)
        out.set(name, Object.fromEntries(await Promise.all(Object.entries(data).map(async ([k, v]) => [k, await valueOf(v)] as const))));
    return out;
}

/** The container's files written under `root`, and its environment with each file's path there (as the program would find it in its container). */
function materialise(container: Container, root: string): Record<string, string> {
    const env = { ...container.env };
    for (const file of container.files) {
        const local = path.join(root, file.path);
        fs.mkdirSync(path.dirname(local), { recursive: true });
        fs.writeFileSync(local, file.content, { mode: 0o600 });
        for (const [name, value] of Object.entries(env)) if (value === file.path) env[name] = local;
    }
    return env;
}

let runs = 0;

describe("the failover's restore job, as each target runs it", function () {
    this.timeout(120_000);
    let root: string;
    let postgres: PostgresCluster | undefined;

    before(async function () {
        if (!RESTORING) return this.skip();
        requireBinary("psql");
        root = tempRoot();
        postgres = await PostgresCluster.start(root);
    });
    after(() => {
        try {
            postgres?.stop();
        } finally {
            postgres = undefined;
            if (root) fs.rmSync(root, { recursive: true, force: true });
        }
    });

    /** The Restore with the failover stack's settings on `platform`, its job's resource, and the content of the secrets it created. */
    async function renderedRestore(make: (name: string, registry: string) => Platform) {
        const name = `rs-${++runs}`;
        const settings = settingsOf(RESTORING!);
        const { platform, contents } = keepingSecrets(make(name, settings.registry));
        const db = postgres!;
        new Restore(
            `${name}-restore`,
            {
                platform,
                environment: settings.environment,
                backup: settings.backup!,
                restore: settings.restore!,
                registry: settings.registry,
                accessKeyId: pulumi.secret(ACCESS_KEY_ID),
                secretAccessKey: pulumi.secret(SECRET_ACCESS_KEY),
                postgres: { workload: DEFAULT_POSTGRES.name, address: "127.0.0.1", port: db.port, user: db.user, password: pulumi.secret(db.password) },
                after: [],
            },
            { parent: new TestParent(`${name}-parent`) },
        );
        await settled();
        const urn = monitor.recorded.find((r) => r.name === `${name}-restore` && r.type === "sophia:platform:Restore")!.urn;
        const children = monitor.recorded.filter((r) => r.parent === urn);
        return { settings, children, contents: await resolved(contents) };
    }

    /** What the restore program does with its container's environment: log in to PostgreSQL, and the S3 requests its SDK would send. */
    async function runWith(env: Record<string, string>): Promise<{ requests: S3Request[]; credentials: { accessKeyId: string; secretAccessKey: string } }> {
        // libpq, as the program drives it: the password from PGPASSWORD or PGPASSWORD_FILE.
        const pg = { ...libpqEnvironment(env), PATH: `${postgresServerBin()}:${process.env.PATH}`, HOME: root };
        await databases(pg);
        const bucket = new BackupBucket(env);
        const client = (bucket as unknown as { client: S3Client }).client;
        const requests = recordRequests(client);
        for (const call of [bucket.listKeys("services/"), bucket.getText("services/full/postgres/manifest.json")])
            await call.then(
                () => expect.fail("a request left this machine"),
                (error: Error) => expect(error.message).to.equal(STOPPED),
            );
        // Path-style requests, which the SDK sends for a bucket name that cannot be a host name.
        const pathStyle = new S3Client({ region: env.AWS_REGION, forcePathStyle: true, credentials: await client.config.credentials() });
        const pathRequests = recordRequests(pathStyle);
        await pathStyle.send(new ListObjectsV2Command({ Bucket: env.BACKUP_BUCKET })).catch((error: Error) => expect(error.message).to.equal(STOPPED));
        const credentials = await client.config.credentials();
        bucket.close();
        pathStyle.destroy();
        return { requests: [...requests, ...pathRequests], credentials };
    }

    /** The checks both targets share: the program signs with the reader's key, in the restore's region, for its bucket. */
    function expectSigned(run: Awaited<ReturnType<typeof runWith>>, settings: StackSettings): void {
        expect(run.credentials).to.include({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY });
        expect(run.requests.length).to.be.greaterThan(0);
        for (const request of run.requests)
            expect(request.authorization, request.host).to.include(`Credential=${ACCESS_KEY_ID}/`).and.include(`/${settings.restore!.region}/s3/`);
    }

    it("Kubernetes: the Job's pod starts with its secrets; libpq logs in, and the SDK signs with the reader's key over HTTPS its egress allows", async () => {
        const { settings, children, contents } = await renderedRestore(
            (name, registry) => new KubernetesPlatform(name, { flavor: KUBERNETES, namespacePrefix: name, registry }),
        );
        const job = children.find((r) => r.type === "kubernetes:batch/v1:Job")!;
        const value = (secret: string, key: string) => contents.get(secret)![key];
        const container = kubernetesContainer(job, (secret) => (contents.has(secret) ? Object.keys(contents.get(secret)!) : undefined), value);
        const run = await runWith(materialise(container, path.join(root, `k8s-${runs}`)));
        expectSigned(run, settings);
        // NetworkPolicy cannot name hosts: the job may reach public addresses over HTTPS, where S3 answers.
        const policy = children.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!.inputs.spec as Json;
        const https = (policy.egress as Json[]).filter((rule) => (rule.ports ?? []).some((p: Json) => p.port === 443 && p.protocol === "TCP"));
        expect(
            https.flatMap((rule) => rule.to as Json[]).some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0"),
            "HTTPS to public addresses",
        ).to.equal(true);
    });

    it("Swarm: the task starts with its secrets; libpq logs in, and the SDK signs with the reader's key for exactly the hosts it declares", async () => {
        const { settings, children, contents } = await renderedRestore(
            (name, registry) => new SwarmPlatform(name, { host: "ssh://deploy@manager", prefix: name, registry }),
        );
        const service = children.find((r) => r.type === "docker:index/service:Service")!;
        // One docker secret per key, named after its secret: its content is that secret's value of the key.
        const value = (dockerSecret: string, key: string) => [...contents].find(([name, data]) => dockerSecret.startsWith(`${name}-`) && key in data)![1][key];
        const container = swarmContainer(service, monitor.recorded, value);
        const run = await runWith(materialise(container, path.join(root, `swarm-${runs}`)));
        expectSigned(run, settings);
        const declared = labelsOf(service)["sophia.ai/outbound-hosts"].split(",");
        expect([...new Set(run.requests.map((r) => r.host))].sort(), "the hosts the SDK calls").to.deep.equal([...declared].sort());
    });
});

/** A recording monitor that also keeps each resource's provider reference (urn::id). */
class ProviderRecorder extends RecordingMonitor {
    readonly providers = new Map<string, string>();
    override async registerResource(
        req: Parameters<RecordingMonitor["registerResource"]>[0],
        callback: Parameters<RecordingMonitor["registerResource"]>[1],
    ): Promise<void> {
        if (req.getProvider()) this.providers.set(urnOf(req.getParent() || null, req.getType(), req.getName()), req.getProvider());
        return super.registerResource(req, callback);
    }
}

/** Whether the AWS provider's schema gives a resource type tags (IAM groups and attachments have none). */
function taggable(type: string): boolean {
    const [, module, file, kind] = /^aws:([^/]+)\/([^:]+):(.+)$/.exec(type)!;
    const declarations = fs.readFileSync(require.resolve(`@pulumi/aws/${module}/${file}.d.ts`), "utf8");
    const args = declarations.slice(declarations.indexOf(`export interface ${kind}Args`));
    return /\n\s+tags\?: /.test(args.slice(0, args.indexOf("\n}")));
}

/** A recorded provider's default tags (the engine receives them as JSON). */
const defaultTags = (provider: RecordedResource): Record<string, string> => {
    const value = provider.inputs.defaultTags;
    return ((typeof value === "string" ? JSON.parse(value) : value) as { tags?: Record<string, string> } | undefined)?.tags ?? {};
};

/** Kubernetes' rule for a label key (apimachinery IsQualifiedName): an optional DNS subdomain prefix and "/", then 1-63 characters. */
function isQualifiedName(key: string): boolean {
    const parts = key.split("/");
    const name = parts.pop()!;
    const prefix = parts.length === 1 ? parts[0] : undefined;
    if (parts.length > 1) return false;
    if (prefix !== undefined && (prefix.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix))) return false;
    return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

describe("the failover's restore in the program", function () {
    this.timeout(120_000);
    before(function () {
        if (!RESTORING) this.skip();
    });

    it("creates its reader through its own AWS provider in the restore's region, tagged as the stack's AWS resources, described by the bucket it reads, and says so", async () => {
        const recorder = new ProviderRecorder();
        await runProgram(stackConfigOf(RESTORING!), recorder);
        const resources = recorder.recorded;
        const settings = settingsOf(RESTORING!);
        const restore = resources.find((r) => r.type === "sophia:platform:Restore")!;
        const within = (r: RecordedResource): boolean => {
            for (let parent = r.parent; parent; parent = resources.find((p) => p.urn === parent)?.parent ?? null) if (parent === restore.urn) return true;
            return false;
        };
        const aws = resources.filter((r) => r.type.startsWith("aws:") && r.name.startsWith(`${restore.name}-`));
        expect(aws.length, "the restore's AWS resources").to.be.greaterThan(0);
        const providers = resources.filter((r) => r.type === "pulumi:providers:aws" && within(r));
        expect(
            providers.map((p) => p.inputs.region),
            "the restore's AWS provider, in the source bucket's region",
        ).to.deep.equal([settings.restore!.region]);
        // The stack's tags: those its backup store's providers put on every AWS resource of theirs.
        const store = resources.find((r) => r.type === "sophia:platform:BackupStore")!;
        const stackTags = defaultTags(resources.find((r) => r.type === "pulumi:providers:aws" && r.parent === store.urn)!);
        expect(Object.keys(stackTags).length).to.be.greaterThan(0);
        for (const resource of aws) {
            expect(within(resource), `${resource.name} is part of the restore`).to.equal(true);
            expect(recorder.providers.get(resource.urn)?.split("::").slice(0, -1).join("::"), `${resource.name}'s provider`).to.equal(providers[0].urn);
            if (!taggable(resource.type)) continue;
            const tags = { ...defaultTags(providers[0]), ...((resource.inputs.tags as Record<string, string> | undefined) ?? {}) };
            expect(tags, `${resource.name}'s tags`).to.include(stackTags);
        }
        // An operator reading IAM learns which bucket the reader reads.
        const policy = aws.find((r) => r.type === "aws:iam/policy:Policy")!;
        expect(policy.inputs.description, "the reader's policy's description").to.include(settings.restore!.bucket);
        // The component reports where it restores from and who reads.
        const reader = aws.find((r) => r.type === "aws:iam/user:User")!;
        expect(recorder.outputs.get(restore.urn)).to.deep.equal({
            bucket: settings.restore!.bucket,
            region: settings.restore!.region,
            reader: reader.inputs.name,
        });
    });

    it("labels its objects with keys Kubernetes accepts; selectors on what the job restores, and on its role, find the job alone", async () => {
        const e = await evaluateStack(RESTORING!);
        const { children } = componentOf(e, "Restore");
        const jobs = children.filter((r) => POD_TYPES.includes(r.type));
        expect(jobs).to.have.length(1);
        for (const object of children.filter(isKubernetes)) {
            const labels = {
                ...((object.inputs.metadata as Json)?.labels ?? {}),
                ...(POD_TYPES.includes(object.type) ? (podTemplateOf(object).metadata?.labels ?? {}) : {}),
            };
            for (const key of Object.keys(labels)) expect(isQualifiedName(key), `${object.name}: label key "${key}"`).to.equal(true);
        }
        const postgres = componentOf(e, "Postgres").children.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
        const pods = e.resources.filter((r) => POD_TYPES.includes(r.type));
        const select = (selector: Record<string, string>) =>
            pods.filter((r) => Object.entries(selector).every(([k, v]) => labelsOf(r)[k] === v)).map((r) => r.name);
        expect(select({ [RESTORE_OF_LABEL]: workloadName(e, postgres) }), "the restore of PostgreSQL").to.deep.equal([jobs[0].name]);
        const role = labelsOf(jobs[0])["app.kubernetes.io/component"];
        expect(role, "the job's role").to.be.a("string").and.not.equal("");
        expect(select({ "app.kubernetes.io/component": role })).to.deep.equal([jobs[0].name]);
        expect(envOf(jobs[0]).BACKUP_BUCKET).to.equal(e.settings.restore!.bucket);
    });
});
