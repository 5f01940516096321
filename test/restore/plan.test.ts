// The failover stack: what `pulumi up -s prod-dr` registers, in which order, from its program
// (index.ts) evaluated in this process from the stack file (test/support/program.ts); and its plan,
// run in a child process as `npm run plan` does, for the policy result and the refusal of a wrong
// restore region (exit code and message).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RESTORE_OF_LABEL } from "../../components/restore";
import type { RecordedResource } from "../../commands/plan/recorder";
import { platformCopy } from "../support/esc";
import { planOf, ROOT, runPlan } from "../support/plan";
import { evaluateStack } from "../support/program";

const STACK = "prod-dr";
const restoreSettings = () => YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), "utf8")).config["sophia:restore"];
const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const named = (resources: RecordedResource[], name: string) => resources.find((r) => r.name === name)!;

/** The failover stack's registrations, evaluated afresh, and its one job: the restore. */
async function failover(): Promise<{ resources: RecordedResource[]; job: RecordedResource }> {
    const { resources } = await evaluateStack(STACK);
    const jobs = ofType(resources, "kubernetes:batch/v1:Job");
    expect(jobs, "one restore job").to.have.length(1);
    return { resources, job: jobs[0] };
}

/** The resources a stack's program registers, evaluated in this process. */
const resourcesOf = async (stack: string): Promise<RecordedResource[]> => (await evaluateStack(stack)).resources;

describe("the failover stack (prod-dr)", function () {
    this.timeout(180_000);

    it("restores PostgreSQL from the configured bucket, with the restore program of the backup image", async () => {
        const { resources, job } = await failover();
        const restore = restoreSettings();
        const pod = (job.inputs.spec as any).template.spec;
        const container = pod.containers[0];
        expect((job.inputs.metadata as any).labels[RESTORE_OF_LABEL]).to.equal("postgres");
        expect(container.image).to.match(/\/sophia-backup[:@]/);
        expect(container.command).to.deep.equal(["node", "/app/restore.js", "--target", "postgres"]);
        const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
        expect(env).to.include({ BACKUP_BUCKET: restore.bucket, AWS_REGION: restore.region, PGUSER: "sophia", PGPORT: "5432" });
        expect(Object.keys(env)).to.include.members(["AWS_ACCESS_KEY_ID_FILE", "AWS_SECRET_ACCESS_KEY_FILE", "PGPASSWORD_FILE"]);
        expect(Object.keys(env)).to.not.include.members(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD"]);
        // PostgreSQL starts without the database the restore brings back (the program refuses an existing one).
        const postgres = named(resources, "postgres-statefulset");
        const pgEnv = (postgres.inputs.spec as any).template.spec.containers[0].env;
        expect(pgEnv).to.deep.include({ name: "POSTGRES_DB", value: "postgres" });
        const policy = named(resources, "restore-postgres-netpol");
        const egress = JSON.stringify((policy.inputs.spec as any).egress);
        expect(egress).to.include(`"kubernetes.io/metadata.name":"sophia-data"`).and.not.include("sophia-mcp");
    });

    it("orders the update: PostgreSQL ready → restore → every MCP server and backup job", async () => {
        const { resources, job } = await failover();
        expect(job.dependsOn).to.include(named(resources, "postgres-statefulset").urn);
        const servers = ofType(resources, "kubernetes:apps/v1:Deployment").filter((d) => d.parent?.includes("McpServer"));
        expect(servers).to.not.be.empty;
        for (const server of servers) expect(server.dependsOn, server.name).to.include(job.urn);
        const backups = ofType(resources, "kubernetes:batch/v1:CronJob");
        expect(backups).to.have.length(4);
        for (const backup of backups) expect(backup.dependsOn, backup.name).to.include(job.urn);
        // PostgreSQL itself does not wait for what waits for it.
        expect(named(resources, "postgres-statefulset").dependsOn).to.not.include(job.urn);
    });

    it("gives the job a read-only IAM user: list and read the source's backups, decrypt with its key, nothing else", async () => {
        const { resources } = await failover();
        const restore = restoreSettings();
        const [policy] = ofType(resources, "aws:iam/policy:Policy").filter((p) => p.name === "restore-reader-policy");
        const statements = JSON.parse(policy.inputs.policy as string).Statement;
        expect(statements.map((s: { Action: unknown }) => s.Action)).to.deep.equal([["s3:GetObject", "s3:GetObjectVersion"], "s3:ListBucket", "kms:Decrypt"]);
        expect(statements.flatMap((s: { Resource: unknown }) => [s.Resource].flat())).to.deep.equal([
            `arn:aws:s3:::${restore.bucket}/services/*`,
            `arn:aws:s3:::${restore.bucket}`,
            restore.keyArn,
        ]);
        expect(named(resources, "restore-reader").inputs).to.deep.include({ name: "sophia-prod-dr-restore-reader", path: "/sophia/" });
        expect(named(resources, "restore-reader-membership").inputs).to.deep.equal({
            user: "sophia-prod-dr-restore-reader",
            groups: ["sophia-prod-dr-restore-readers"],
        });
    });

    it("backs itself up from the start, to buckets of its own that no prod bucket is named like", async () => {
        const { resources } = await failover();
        const prod = await resourcesOf("prod");
        const buckets = (of: RecordedResource[]) => ofType(of, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket as string);
        const own = buckets(resources);
        expect(own).to.include.members(["sophia-prod-dr-backups-us-west-2", "sophia-prod-dr-backups-replica-us-east-1"]);
        expect(own.filter((b) => buckets(prod).includes(b))).to.deep.equal([]);
        expect(own).to.not.include(restoreSettings().bucket);
        const iamNames = (of: RecordedResource[]) => ofType(of, "aws:iam/user:User").map((u) => u.inputs.name as string);
        expect(iamNames(resources).filter((n) => iamNames(prod).includes(n))).to.deep.equal([]);
    });

    it("stacks without sophia:restore run no restore and create their database as before", async () => {
        for (const stack of ["dev", "prod"]) {
            const resources = await resourcesOf(stack);
            expect(
                resources.filter((r) => r.parent?.includes("sophia:platform:Restore")),
                stack,
            ).to.deep.equal([]);
            expect(JSON.stringify(resources), stack).to.match(/POSTGRES_DB"(,"value")?:"sophia"/);
        }
    });
});

// The plan command itself, in a child process: the policy result it reports, and its refusal of bad input.
describe("the failover stack (prod-dr) in its plan", function () {
    this.timeout(180_000);

    it("passes its policies: no mandatory violation", () => {
        const plan = planOf(STACK).plan!;
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
    });

    it("stops at the line of a restore from the wrong region, before anything is registered", () => {
        const dir = platformCopy();
        try {
            const text = fs
                .readFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), "utf8")
                .replace("    region: us-west-2\n    keyArn", "    region: us-east-2\n    keyArn");
            fs.writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), text);
            const line = text.split("\n").findIndex((l) => l === "    region: us-east-2") + 1;
            const column = "    region: ".length + 1;
            const run = runPlan(["--stack", STACK, "--project-dir", dir]);
            expect(run.code, run.stderr).to.equal(2);
            expect(run.stderr).to.include(
                `Pulumi.${STACK}.yaml:${line}:${column} sophia:restore.region: got us-east-2; the source must be in this stack's region (backup.region us-west-2)`,
            );
            expect(run.stderr).to.include("No plan written; 0 resources were registered.");
            expect(run.plan).to.equal(undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
