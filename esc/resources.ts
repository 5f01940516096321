import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { Problem, throwIfProblems } from "../stacks/problems";
import {
    EnvironmentLayout,
    loginEnvironmentDocument,
    renderEnvironment,
    ROTATION_CRON,
    stackEnvironmentDocument,
    valuesEnvironmentDocument,
} from "./environments";
import { ESC_CONFIG_NAMESPACE, EscSettings } from "./settings";

/** Environment events Slack hears about: definitions, revisions, tags and rotations. */
export const NOTIFIED_EVENTS: service.types.enums.WebhookFilters[] = [
    "environment_created",
    "environment_deleted",
    "environment_revision_created",
    "environment_revision_retracted",
    "environment_revision_tag_created",
    "environment_revision_tag_deleted",
    "environment_revision_tag_updated",
    "imported_environment_changed",
    "environment_rotation_succeeded",
    "environment_rotation_failed",
];

/** Who owns a definition: code rewrites it on every deployment; operators and ESC's rotations write the values. */
export type Owner = "code" | "operators";

export interface DefinedEnvironment {
    readonly ref: string;
    readonly owner: Owner;
    readonly yaml: string;
    /** Teams that may open it: CI only opens what the stacks import. */
    readonly openedByCi: boolean;
    readonly rotates: boolean;
}

/** Every environment of the layout, as the YAML the ESC project gives Pulumi Cloud. */
export function definedEnvironments(layout: EnvironmentLayout, settings: EscSettings): DefinedEnvironment[] {
    throwIfProblems(`Invalid settings for ESC stack "${settings.stack}"`, rotationProblems(layout, settings));
    const ref = (name: string): string => `${layout.project}/${name}`;
    return layout.environments.flatMap((environment): DefinedEnvironment[] => {
        const rotation = settings.awsRotation[environment.name];
        const rotates = environment.values.rotated.length > 0;
        const defined: DefinedEnvironment[] = [
            { ref: ref(environment.name), owner: "code", yaml: renderEnvironment(stackEnvironmentDocument(environment)), openedByCi: true, rotates: false },
            {
                ref: ref(environment.values.name),
                owner: "operators",
                yaml: renderEnvironment(valuesEnvironmentDocument(layout, environment, rotation)),
                openedByCi: true,
                rotates,
            },
        ];
        if (rotates && environment.login) {
            defined.push({
                ref: ref(environment.login),
                owner: "code",
                yaml: renderEnvironment(loginEnvironmentDocument(environment, rotation)),
                openedByCi: false,
                rotates: false,
            });
        }
        return defined;
    });
}

/** Each stack with rotated credentials needs ESC's AWS login and the IAM user of each credential. */
function rotationProblems(layout: EnvironmentLayout, settings: EscSettings): Problem[] {
    const problems: Problem[] = [];
    for (const environment of layout.environments) {
        if (environment.values.rotated.length === 0) continue;
        const where = `Pulumi.${settings.stack}.yaml ${ESC_CONFIG_NAMESPACE}:awsRotation.${environment.name}`;
        const rotation = settings.awsRotation[environment.name];
        if (!rotation) {
            const ids = environment.values.rotated.map((c) => c.id).join(", ");
            problems.push({
                where,
                message: `stack ${environment.name} needs rotated credentials (${ids}): set the AWS region, ESC's OIDC role (oidcRoleArn) and the IAM user of each under users`,
            });
            continue;
        }
        for (const c of environment.values.rotated) {
            if (!rotation.users[c.id]) problems.push({ where: `${where}.users.${c.id}`, message: "the IAM user whose access key ESC rotates is missing" });
        }
    }
    return problems;
}

const resourceName = (ref: string): string => ref.replace("/", "-");

/**
 * The environments in Pulumi Cloud, with their permissions, the release tag, the 90-day rotation
 * of rotated credentials and a Slack notice on every change.
 */
export function createEnvironments(
    defined: readonly DefinedEnvironment[],
    settings: EscSettings,
    slackWebhookUrl: pulumi.Output<string>,
): Record<string, service.Environment> {
    const organization = settings.organization;
    const created: Record<string, service.Environment> = {};
    for (const env of defined) {
        const [project, name] = env.ref.split("/");
        const id = resourceName(env.ref);
        const environment = new service.Environment(
            id,
            { organization, project, name, yaml: new pulumi.asset.StringAsset(env.yaml) },
            // After creation, values environments belong to operators (`esc env set`) and to ESC's
            // rotations, which write their state into the definition; a deployment must not undo either.
            env.owner === "operators" ? { ignoreChanges: ["yaml"], protect: true } : {},
        );
        created[env.ref] = environment;
        const scope = { organization, project, environment: name };
        const after = { dependsOn: [environment] };
        new service.TeamEnvironmentPermission(`${id}-admins`, { ...scope, team: settings.teams.admins, permission: "admin" }, after);
        if (env.openedByCi) new service.TeamEnvironmentPermission(`${id}-ci`, { ...scope, team: settings.teams.ci, permission: "open" }, after);
        if (env.owner === "code") {
            new service.EnvironmentVersionTag(
                `${id}-${settings.releaseTag}`,
                { ...scope, tagName: settings.releaseTag, revision: environment.revision },
                after,
            );
        }
        if (env.rotates) new service.EnvironmentRotationSchedule(`${id}-rotation`, { ...scope, scheduleCron: ROTATION_CRON }, after);
        new service.Webhook(
            `${id}-slack`,
            {
                organizationName: organization,
                projectName: project,
                environmentName: name,
                displayName: `Slack: changes to ${env.ref}`,
                format: "slack",
                active: true,
                payloadUrl: slackWebhookUrl,
                filters: NOTIFIED_EVENTS,
            },
            after,
        );
    }
    return created;
}
