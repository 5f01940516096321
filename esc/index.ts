// The ESC environments of the Sophia platform, defined as code. Its own project: a stack cannot
// safely define the environments it imports (it would open them before creating them).
import * as pulumi from "@pulumi/pulumi";
import { throwIfProblems } from "../stacks/problems";
import { environmentLayout, providedConfigKeys } from "./environments";
import { platformSecretNeeds } from "./needs";
import { createEnvironments, definedEnvironments } from "./resources";
import { ESC_CONFIG_NAMESPACE, loadEscSettings } from "./settings";

const settings = loadEscSettings();
const { needs, problems } = platformSecretNeeds(settings.platformDir);
throwIfProblems("The platform's stack files are invalid", problems);
const layout = environmentLayout(settings.environmentProject, needs);
const defined = definedEnvironments(layout, settings);
const slackWebhookUrl = new pulumi.Config(ESC_CONFIG_NAMESPACE).requireSecret("slackWebhookUrl");
createEnvironments(defined, settings, slackWebhookUrl);

/** Each environment's definition as deployed (placeholders and mappings only, never a value). */
export const definitions = Object.fromEntries(defined.map((d) => [d.ref, { owner: d.owner, yaml: d.yaml }]));
/** The config keys each platform stack's environments provide (its own imports common). */
export const providedKeys = Object.fromEntries(needs.map((n) => [n.stack, providedConfigKeys([`${layout.project}/${n.stack}`], layout)]));
