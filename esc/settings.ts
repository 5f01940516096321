import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { formatPath, friendlyIssueMessage, gotPrefix, readConfigValues, throwIfProblems, zodProblems } from "../stacks/problems";
import { DEFAULT_ENVIRONMENT_PROJECT } from "./environments";

/** The config namespace of the ESC project: `sophia-esc:<key>` in esc/Pulumi.<stack>.yaml. */
export const ESC_CONFIG_NAMESPACE = "sophia-esc";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a name of letters, digits, '.', '_' or '-'");
const arn = (kind: string) =>
    z.string().regex(new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:${kind}/.+$`), `expected an IAM ${kind} ARN such as arn:aws:iam::123456789012:${kind}/name`);

const escSettingsSchema = z.strictObject({
    /** Pulumi Cloud organization that owns the environments. */
    organization: name,
    /** ESC project of the environments: the stacks import `<project>/common` and `<project>/<stack>`. */
    environmentProject: name.default(DEFAULT_ENVIRONMENT_PROJECT),
    /** The platform project whose stacks these environments serve, relative to this project. */
    platformDir: z.string().default(".."),
    teams: z
        .strictObject({
            /** Opens the environments to deploy (read and decrypt), never edits them. */
            ci: name.default("sophia-ci"),
            /** Owns them: edits values, rotates, manages tags and permissions. */
            admins: name.default("platform-admins"),
        })
        .default({ ci: "sophia-ci", admins: "platform-admins" }),
    /** Version tag moved to each environment's revision on every deployment of this project. */
    releaseTag: name.default("stable"),
    /** Per platform stack with rotated credentials: ESC's AWS login and the IAM users it rotates. */
    awsRotation: z
        .record(
            z.string(),
            z.strictObject({
                region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as eu-west-1"),
                oidcRoleArn: arn("role"),
                users: z.record(z.string(), arn("user")),
            }),
        )
        .default({}),
});

export type EscSettings = z.infer<typeof escSettingsSchema> & { readonly platformDir: string; readonly stack: string };

const OBJECT_KEYS = new Set(["teams", "awsRotation"]);

/** Reads and validates the ESC project's settings; one error lists every problem with its key. */
export function loadEscSettings(
    stack: string = pulumi.getStack(),
    read: (key: string) => string | undefined = (key) => pulumi.runtime.getConfig(`${ESC_CONFIG_NAMESPACE}:${key}`),
    projectDir: string = __dirname,
): EscSettings {
    const where = (p: PropertyKey[]): string => `Pulumi.${stack}.yaml ${ESC_CONFIG_NAMESPACE}:${formatPath(p)}`;
    const problems = [];
    const raw = readConfigValues(Object.keys(escSettingsSchema.shape), OBJECT_KEYS, read, (key, text) =>
        problems.push({ where: where([key]), message: `${gotPrefix(text)}expected an object` }),
    );
    const parsed = escSettingsSchema.safeParse(raw, { error: friendlyIssueMessage });
    if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, where, { data: raw, schema: escSettingsSchema }));
    throwIfProblems(`Invalid settings for ESC stack "${stack}"`, problems);
    return { ...parsed.data!, platformDir: path.resolve(projectDir, parsed.data!.platformDir), stack };
}
