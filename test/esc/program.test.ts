import { expect } from "chai";
import * as fs from "fs";
import * as YAML from "yaml";
import { environmentLayout, providedConfigKeys, ROTATION_CRON } from "../../esc/environments";
import { platformSecretNeeds, platformStacks } from "../../esc/needs";
import { NOTIFIED_EVENTS } from "../../esc/resources";
import { SECRET_MARKER } from "../../commands/plan/recorder";
import { EscRun, platformCopy, runEscProgram } from "../support/esc";
import { ROOT } from "../support/plan";

const PLANTED_WEBHOOK = "https://hooks.slack.com/services/T000/B000/planted-esc-webhook-9f3c";
const slack = { "sophia-esc:slackWebhookUrl": PLANTED_WEBHOOK };
const secretKeys = ["sophia-esc:slackWebhookUrl"];

// Recorded inputs are untyped; these resources take plain strings.
const ofType = (run: EscRun, type: string) =>
    run.resources.filter((r) => r.type === `pulumiservice:index:${type}`) as (EscRun["resources"][number] & { inputs: Record<string, any> })[];
const definitions = (run: EscRun) => run.outputs.definitions as Record<string, { owner: string; yaml: string }>;

describe("ESC project (esc) under mocks", () => {
    let run: EscRun;
    before(() => {
        run = runEscProgram("platform", slack, secretKeys);
        if (run.code !== 0) throw new Error(`ESC project failed (${run.code}):\n${run.stderr}`);
    });

    it("defines common and one environment per platform stack, each with its values environment", () => {
        const names = ofType(run, "Environment").map((r) => `${r.inputs.project}/${r.inputs.name}`);
        for (const e of ["common", "dev", "staging", "prod"]) expect(names).to.include.members([`sophia/${e}`, `sophia/${e}-secrets`]);
        for (const r of ofType(run, "Environment")) expect(r.inputs.organization).to.equal("sophia-ai");
    });

    it("gives each platform stack's imports a pulumiConfig key for every secret its inventory needs", () => {
        const { needs } = platformSecretNeeds(ROOT);
        expect(needs.map((n) => n.stack))
            .to.deep.equal(platformStacks(ROOT))
            .and.include.members(["dev", "prod", "staging"]);
        const defs = definitions(run);
        const layout = environmentLayout("sophia", needs);
        for (const n of needs) {
            const viaYaml = new Set<string>();
            for (const ref of ["sophia/common", `sophia/${n.stack}`]) {
                const doc = YAML.parse(defs[ref].yaml) as { imports: string[]; values: { pulumiConfig?: Record<string, string> } };
                expect(doc.imports, ref).to.be.an("array");
                Object.keys(doc.values.pulumiConfig ?? {}).forEach((k) => viaYaml.add(k));
            }
            const needed = [...n.inventory.keys()].map((s) => `sophia:${s}`);
            expect([...viaYaml], n.stack).to.include.members(needed);
            if (n.target !== "swarm") expect([...viaYaml], n.stack).to.include("sophia:kubeconfig");
            expect((run.outputs.providedKeys as Record<string, string[]>)[n.stack]).to.deep.equal(
                providedConfigKeys(["sophia/common", `sophia/${n.stack}`], layout),
            );
        }
    });

    it("grants CI open and the platform admins admin on every environment the stacks import", () => {
        const grants = ofType(run, "TeamEnvironmentPermission").map((r) => `${r.inputs.environment} ${r.inputs.team} ${r.inputs.permission}`);
        const layout = environmentLayout("sophia", platformSecretNeeds(ROOT).needs);
        const imported = layout.environments.flatMap((e) => [e.name, e.values.name]);
        for (const r of ofType(run, "Environment")) expect(grants).to.include(`${r.inputs.name} platform-admins admin`);
        for (const name of imported) expect(grants).to.include(`${name} sophia-ci open`);
        expect(grants.filter((g) => / sophia-ci (write|admin)$/.test(g))).to.deep.equal([]);
    });

    it("tags each code-owned environment stable and tells Slack about every change", () => {
        const owned = Object.entries(definitions(run))
            .filter(([, d]) => d.owner === "code")
            .map(([ref]) => ref.split("/")[1]);
        expect(
            ofType(run, "EnvironmentVersionTag")
                .map((r) => r.inputs.environment)
                .sort(),
        ).to.deep.equal(owned.sort());
        for (const r of ofType(run, "EnvironmentVersionTag")) expect(r.inputs.tagName).to.equal("stable");
        const hooks = ofType(run, "Webhook");
        expect(hooks.map((h) => h.inputs.environmentName).sort()).to.deep.equal(
            ofType(run, "Environment")
                .map((r) => r.inputs.name)
                .sort(),
        );
        for (const h of hooks) {
            expect(h.inputs.format).to.equal("slack");
            expect(h.inputs.payloadUrl).to.equal(SECRET_MARKER);
            expect(h.inputs.filters).to.include.members(["environment_revision_created", "environment_rotation_failed"]);
            expect(h.inputs.filters).to.deep.equal(NOTIFIED_EVENTS);
        }
    });

    it("never lets the webhook URL or a secret value into inputs, outputs or its output", () => {
        expect(run.stdout.split(PLANTED_WEBHOOK).length - 1, "only the redacted record is printed").to.equal(0);
        expect(run.stderr).to.not.include(PLANTED_WEBHOOK);
        for (const [ref, d] of Object.entries(definitions(run))) {
            const doc = YAML.parse(d.yaml) as { values: { secrets?: Record<string, Record<string, string>> } };
            for (const [name, value] of Object.entries(doc.values.secrets ?? {})) {
                expect(value["fn::secret"], `${ref} ${name}`).to.match(/^unset: esc env set /);
            }
        }
    });

    it("reads the Slack webhook URL as a secret, and requires it", () => {
        const plain = runEscProgram("platform", slack, []);
        expect(plain.code).to.equal(0);
        expect(ofType(plain, "Webhook")[0].inputs.payloadUrl, "requireSecret makes it secret even if set in plaintext").to.equal(SECRET_MARKER);
        const missing = runEscProgram("platform", {}, []);
        expect(missing.code).to.equal(2);
        expect(missing.stderr).to.match(/sophia-esc:slackWebhookUrl/);
    });
});

describe("ESC project: rotated credentials", () => {
    // The backup jobs' IAM key pair, declared here by one catalog server so the test does not
    // depend on which component declares it.
    let withPlatform: Record<string, string>;
    before(() => {
        const dir = platformCopy(undefined, (catalog) => {
            catalog.servers[0].secrets = [...(catalog.servers[0].secrets ?? []), "BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"];
        });
        withPlatform = { ...slack, "sophia-esc:platformDir": dir };
    });
    after(() => fs.rmSync(withPlatform["sophia-esc:platformDir"], { recursive: true, force: true }));

    it("rotates each stack's backup key with the aws-iam rotator every quarter", () => {
        const run = runEscProgram("platform", withPlatform, secretKeys);
        expect(run.code, run.stderr).to.equal(0);
        const schedules = ofType(run, "EnvironmentRotationSchedule");
        expect(schedules.map((s) => s.inputs.environment).sort()).to.deep.equal(
            platformStacks(ROOT)
                .map((s) => `${s}-secrets`)
                .sort(),
        );
        for (const s of schedules) expect(s.inputs.scheduleCron).to.equal(ROTATION_CRON);
        const prod = YAML.parse(definitions(run)["sophia/prod-secrets"].yaml) as { values: Record<string, Record<string, { inputs: Record<string, string> }>> };
        expect(prod.values.backupAwsIamUser["fn::rotate::aws-iam"].inputs.userArn).to.equal("arn:aws:iam::333333333333:user/sophia-backup-prod");
        // The failover stack rotates its restore reader's key too, each with its own IAM user.
        const dr = YAML.parse(definitions(run)["sophia/prod-dr-secrets"].yaml) as {
            values: Record<string, Record<string, { inputs: Record<string, string> }>>;
        };
        expect(dr.values.restoreAwsIamUser["fn::rotate::aws-iam"].inputs.userArn).to.match(/:user\/sophia\/sophia-prod-dr-restore-reader$/);
        expect(dr.values.backupAwsIamUser["fn::rotate::aws-iam"].inputs.userArn).to.not.equal(
            prod.values.backupAwsIamUser["fn::rotate::aws-iam"].inputs.userArn,
        );
        const grants = ofType(run, "TeamEnvironmentPermission").map((r) => `${r.inputs.environment} ${r.inputs.team}`);
        expect(grants).to.include("prod-aws-login platform-admins");
        expect(grants, "CI never opens ESC's AWS login").to.not.include("prod-aws-login sophia-ci");
    });

    it("names the stack and the missing config when a stack's rotation settings are absent", () => {
        const rotation = {
            dev: { region: "eu-west-1", oidcRoleArn: "arn:aws:iam::111111111111:role/r", users: { backupAwsIamUser: "arn:aws:iam::111111111111:user/u" } },
        };
        const run = runEscProgram("platform", { ...withPlatform, "sophia-esc:awsRotation": JSON.stringify(rotation) }, secretKeys);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("Pulumi.platform.yaml sophia-esc:awsRotation.prod: stack prod needs rotated credentials (backupAwsIamUser)");
        expect(run.stderr).to.include("sophia-esc:awsRotation.staging");
        expect(run.resources).to.deep.equal([]);
    });
});

describe("ESC project: invalid platform stack files", () => {
    it("stops before registering anything, naming each file, line and key", () => {
        const dir = platformCopy((stack, data) => {
            if (stack === "staging") (data.config as Record<string, unknown>)["sophia:target"] = "nomad";
        });
        try {
            const run = runEscProgram("platform", { ...slack, "sophia-esc:platformDir": dir }, secretKeys);
            expect(run.code).to.equal(2);
            expect(run.stderr).to.match(
                /^The platform's stack files are invalid: 1 problem\(s\)\n {2}- Pulumi\.staging\.yaml:\d+:\d+ sophia:target: got "nomad"/,
            );
            expect(run.resources).to.deep.equal([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
