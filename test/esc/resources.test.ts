// The ESC environments as Pulumi Cloud resources, registered in process under the mocks: who owns
// each definition, who may open it, what a deployment may overwrite, and what Slack hears.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import * as YAML from "yaml";
import { RecordedResource, SECRET_MARKER } from "../../commands/plan/recorder";
import { InvalidInputError } from "../../stacks/problems";
import { secretInventory } from "../../stacks/secrets";
import {
    environmentLayout,
    loginEnvironmentDocument,
    renderEnvironment,
    ROTATION_CRON,
    stackEnvironmentDocument,
    StackSecretNeeds,
    valuesEnvironmentDocument,
} from "../../esc/environments";
import { createEnvironments, definedEnvironments, NOTIFIED_EVENTS } from "../../esc/resources";
import { EscSettings } from "../../esc/settings";
import { monitor, settled } from "../support/setup";

const needs = (stack: string, target: StackSecretNeeds["target"], secrets: string[]): StackSecretNeeds => ({
    stack,
    target,
    catalogSecrets: ["OPENAI_API_KEY"],
    inventory: secretInventory([
        { name: "ai-memory", secrets: ["OPENAI_API_KEY"] },
        { name: "platform", secrets },
    ]),
});
const BACKUP_KEYS = ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"];
const rotationOf = (account: string) => ({
    region: "eu-west-1",
    oidcRoleArn: `arn:aws:iam::${account}:role/esc`,
    users: { backupAwsIamUser: `arn:aws:iam::${account}:user/backup` },
});

/** Settings as loadEscSettings returns them, for the ESC stack "platform". */
const settingsFor = (awsRotation: EscSettings["awsRotation"], overrides: Partial<EscSettings> = {}): EscSettings => ({
    organization: "sophia-ai",
    environmentProject: "sophia",
    platformDir: "/platform",
    teams: { ci: "deployers", admins: "owners" },
    releaseTag: "live",
    awsRotation,
    stack: "platform",
    ...overrides,
});

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => (output as unknown as { promise(): Promise<T> }).promise();

describe("ESC environments as resources (in process)", () => {
    // dev on Swarm without rotated keys; prod on Kubernetes with the backup key pair rotated.
    const layoutOf = (project: string) =>
        environmentLayout(project, [
            needs("dev", "swarm", ["ALERT_SLACK_WEBHOOK_URL"]),
            needs("prod", "kubernetes", ["ALERT_SLACK_WEBHOOK_URL", ...BACKUP_KEYS]),
        ]);

    describe("definedEnvironments", () => {
        const layout = layoutOf("sophia");
        const defined = definedEnvironments(layout, settingsFor({ prod: rotationOf("123456789012") }));
        const byRef = new Map(defined.map((d) => [d.ref, d]));

        it("defines each stack environment and its values environment, and a login only where keys rotate", () => {
            expect(defined.map((d) => d.ref)).to.deep.equal([
                "sophia/common",
                "sophia/common-secrets",
                "sophia/dev",
                "sophia/dev-secrets",
                "sophia/prod",
                "sophia/prod-secrets",
                "sophia/prod-aws-login",
            ]);
        });

        it("gives code the mappings and the login, operators the values; CI opens what stacks import, never the login", () => {
            const summary = defined.map((d) => `${d.ref} ${d.owner} ${d.openedByCi ? "ci" : "no-ci"} ${d.rotates ? "rotates" : "fixed"}`);
            expect(summary).to.deep.equal([
                "sophia/common code ci fixed",
                "sophia/common-secrets operators ci fixed",
                "sophia/dev code ci fixed",
                "sophia/dev-secrets operators ci fixed",
                "sophia/prod code ci fixed",
                "sophia/prod-secrets operators ci rotates",
                "sophia/prod-aws-login code no-ci fixed",
            ]);
        });

        it("carries each environment's own document, rendered", () => {
            const prod = layout.environments.find((e) => e.name === "prod")!;
            const rotation = rotationOf("123456789012");
            expect(byRef.get("sophia/prod")!.yaml).to.equal(renderEnvironment(stackEnvironmentDocument(prod)));
            expect(byRef.get("sophia/prod-secrets")!.yaml).to.equal(renderEnvironment(valuesEnvironmentDocument(layout, prod, rotation)));
            expect(byRef.get("sophia/prod-aws-login")!.yaml).to.equal(renderEnvironment(loginEnvironmentDocument(prod, rotation)));
            expect(YAML.parse(byRef.get("sophia/prod-aws-login")!.yaml).values.aws.login["fn::open::aws-login"].oidc.roleArn).to.equal(
                "arn:aws:iam::123456789012:role/esc",
            );
        });

        it("lists every missing rotation setting at once, with the stack file and key of each, before anything is defined", () => {
            const restoreKeys = ["RESTORE_AWS_ACCESS_KEY_ID", "RESTORE_AWS_SECRET_ACCESS_KEY"];
            const twoRotating = environmentLayout("sophia", [
                needs("prod", "kubernetes", BACKUP_KEYS),
                needs("staging", "k3s", [...BACKUP_KEYS, ...restoreKeys]),
            ]);
            const withoutUser = { prod: { ...rotationOf("123456789012"), users: {} } };
            let error: unknown;
            try {
                definedEnvironments(twoRotating, settingsFor(withoutUser, { stack: "edge" }));
            } catch (caught) {
                error = caught;
            }
            expect(error).to.be.instanceOf(InvalidInputError);
            expect((error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
                "Pulumi.edge.yaml sophia-esc:awsRotation.prod.users.backupAwsIamUser: the IAM user whose access key ESC rotates is missing",
                "Pulumi.edge.yaml sophia-esc:awsRotation.staging: stack staging needs rotated credentials (backupAwsIamUser, restoreAwsIamUser): set the AWS region, ESC's OIDC role (oidcRoleArn) and the IAM user of each under users",
            ]);
            expect((error as Error).message).to.match(/^Invalid settings for ESC stack "edge": 2 problem\(s\)/);
        });

        it("needs no rotation settings for stacks whose keys do not rotate", () => {
            const plain = environmentLayout("sophia", [needs("dev", "swarm", ["ALERT_SLACK_WEBHOOK_URL"])]);
            expect(definedEnvironments(plain, settingsFor({})).map((d) => d.ref)).to.have.length(4);
        });
    });

    describe("createEnvironments", () => {
        const settings = settingsFor({ prod: rotationOf("123456789012") });
        let registrations = 0;

        /**
         * Registers the environments of a project of its own (the resources' names start with it)
         * and returns what this registration recorded. Each test registers its own, so that each
         * test runs the code it checks.
         */
        async function registered() {
            const project = `escres${++registrations}`;
            const defined = definedEnvironments(layoutOf(project), settings);
            const first = monitor.recorded.length;
            // Pulumi Cloud answers each environment with its revision; the plan's mocks know none.
            const newResource = monitor.mocks.newResource.bind(monitor.mocks);
            monitor.mocks.newResource = async (args) => {
                const answer = await newResource(args);
                return args.type === "pulumiservice:index:Environment" ? { ...answer, state: { ...answer.state, revision: 7 } } : answer;
            };
            let created: ReturnType<typeof createEnvironments>;
            try {
                created = createEnvironments(defined, settings, pulumi.secret(`https://hooks.slack.com/services/T0/B0/${project}-planted`));
                await Promise.all(Object.values(created).map((e) => valueOf(e.urn)));
                await settled();
            } finally {
                monitor.mocks.newResource = newResource;
            }
            // Recorded inputs are untyped; these resources take plain strings.
            const recorded = monitor.recorded.slice(first) as (RecordedResource & { inputs: Record<string, any> })[];
            expect(recorded.every((r) => r.name.startsWith(`${project}-`))).to.equal(true);
            const ofType = (type: string) => recorded.filter((r) => r.type === `pulumiservice:index:${type}`);
            return { project, defined, created, recorded, ofType };
        }

        it("creates one Environment per definition in the organization, with its project, name and YAML", async () => {
            const { project, defined, created, ofType } = await registered();
            expect(Object.keys(created)).to.deep.equal(defined.map((d) => d.ref));
            const environments = ofType("Environment");
            expect(environments.map((e) => e.name)).to.deep.equal(defined.map((d) => d.ref.replace("/", "-")));
            for (const d of defined) {
                const [, name] = d.ref.split("/");
                const registered = environments.find((e) => e.inputs.name === name)!;
                expect(registered.inputs, d.ref).to.deep.include({ organization: "sophia-ai", project });
                const yaml = (await valueOf(created[d.ref].yaml)) as pulumi.asset.StringAsset;
                expect(await yaml.text, d.ref).to.equal(d.yaml);
            }
        });

        it("protects the operators' values environments and never overwrites their YAML; code-owned ones follow the code", async () => {
            const { ofType } = await registered();
            for (const e of ofType("Environment")) {
                const operators = e.name.endsWith("-secrets");
                if (operators) expect(e, e.name).to.deep.include({ protect: true, ignoreChanges: ["yaml"] });
                else expect(e, e.name).to.not.have.any.keys("protect", "ignoreChanges");
            }
            expect(ofType("Environment").filter((e) => e.protect)).to.have.length(3);
        });

        it("makes the admins team admin of every environment, and CI opener of all but ESC's AWS login", async () => {
            const { project, defined, ofType } = await registered();
            const grants = ofType("TeamEnvironmentPermission").map(
                (g) => `${g.inputs.organization} ${g.inputs.project}/${g.inputs.environment} ${g.inputs.team} ${g.inputs.permission}`,
            );
            const expected = defined.flatMap((d) => [
                `sophia-ai ${d.ref} owners admin`,
                ...(d.ref.endsWith("-aws-login") ? [] : [`sophia-ai ${d.ref} deployers open`]),
            ]);
            expect(grants.sort()).to.deep.equal(expected.sort());
            expect(ofType("TeamEnvironmentPermission").map((g) => g.name)).to.include.members([`${project}-prod-aws-login-admins`, `${project}-prod-ci`]);
        });

        it("moves the release tag to the revision of each code-owned environment only", async () => {
            const { project, ofType } = await registered();
            const tags = ofType("EnvironmentVersionTag");
            expect(tags.map((t) => `${t.name} ${t.inputs.environment} ${t.inputs.tagName}`)).to.deep.equal([
                `${project}-common-live common live`,
                `${project}-dev-live dev live`,
                `${project}-prod-live prod live`,
                `${project}-prod-aws-login-live prod-aws-login live`,
            ]);
            const prod = ofType("Environment").find((e) => e.inputs.name === "prod")!;
            const tag = tags.find((t) => t.inputs.environment === "prod")!;
            // The revision is the environment's own output, known once Pulumi Cloud has written it.
            expect(tag.inputs.revision).to.equal(7);
            expect(tag.propertyDependencies?.revision).to.deep.equal([prod.urn]);
        });

        it("schedules ESC's quarterly rotation on the values environment whose keys rotate, and on no other", async () => {
            const { project, ofType } = await registered();
            expect(ofType("EnvironmentRotationSchedule").map((s) => `${s.name} ${s.inputs.environment} ${s.inputs.scheduleCron}`)).to.deep.equal([
                `${project}-prod-secrets-rotation prod-secrets ${ROTATION_CRON}`,
            ]);
        });

        it("tells Slack of every change to every environment, through the secret webhook URL", async () => {
            const { project, defined, recorded, ofType } = await registered();
            const hooks = ofType("Webhook");
            expect(hooks.map((h) => h.name)).to.deep.equal(defined.map((d) => `${d.ref.replace("/", "-")}-slack`));
            for (const [i, hook] of hooks.entries()) {
                const [, name] = defined[i].ref.split("/");
                expect(hook.inputs).to.deep.equal({
                    organizationName: "sophia-ai",
                    projectName: project,
                    environmentName: name,
                    displayName: `Slack: changes to ${defined[i].ref}`,
                    format: "slack",
                    active: true,
                    payloadUrl: SECRET_MARKER,
                    filters: NOTIFIED_EVENTS,
                });
            }
            expect(JSON.stringify(recorded)).to.not.include(`${project}-planted`);
        });

        it("registers every grant, tag, schedule and webhook after its environment", async () => {
            const { defined, recorded, ofType } = await registered();
            const environments = new Map(ofType("Environment").map((e) => [`${e.inputs.project}/${e.inputs.name}`, e.urn]));
            const dependents = recorded.filter((r) => r.type !== "pulumiservice:index:Environment");
            expect(dependents).to.have.length(defined.length * 3 - 1 + 4 + 1);
            for (const r of dependents) {
                const environment = r.inputs.environment ?? r.inputs.environmentName;
                const inProject = r.inputs.project ?? r.inputs.projectName;
                expect(r.dependsOn, r.name).to.include(environments.get(`${inProject}/${environment}`));
            }
        });

        it("tells Slack about definitions, revisions, tags and rotations, each once, by events Pulumi Cloud defines", () => {
            const known = Object.values(service.types.enums.WebhookFilters) as string[];
            expect(
                NOTIFIED_EVENTS.filter((event) => !known.includes(event)),
                "events Pulumi Cloud does not define",
            ).to.deep.equal([]);
            expect(new Set(NOTIFIED_EVENTS).size).to.equal(NOTIFIED_EVENTS.length);
            // Every change to a definition or a revision, and both outcomes of a rotation.
            const environmentEvents = known.filter((event) => /^environment_(created|deleted|revision_|rotation_)|^imported_environment_/.test(event));
            expect([...NOTIFIED_EVENTS].sort()).to.deep.equal(environmentEvents.sort());
        });
    });
});
