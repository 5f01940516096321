import * as pulumi from "@pulumi/pulumi";
import { Problem } from "./problems";
import { CONFIG_NAMESPACE, StackSettings } from "./settings";

/** Every secret name the stack needs, with the servers and components needing it (sorted, names only). */
export type SecretInventory = ReadonlyMap<string, readonly string[]>;

/** Something that reads secrets: an MCP server, or a platform component such as Alertmanager. */
export interface SecretConsumer {
    readonly name: string;
    readonly secrets: readonly string[];
}

/**
 * Secrets the platform's own components read in this stack, besides the catalog's. Each component
 * that needs one lists it here, so the inventory, the ESC environments and the missing-secret
 * check all see it.
 */
export function platformSecretConsumers(settings: StackSettings): SecretConsumer[] {
    // Alertmanager reads the Slack webhook and the PagerDuty routing key from files.
    const consumers: SecretConsumer[] = [
        { name: "alertmanager", secrets: ["ALERT_SLACK_WEBHOOK_URL", "ALERT_PAGERDUTY_ROUTING_KEY"] },
        { name: "grafana", secrets: ["GRAFANA_ADMIN_PASSWORD"] },
    ];
    if (settings.edge) {
        const tls = settings.edge.tls === "provided" ? EDGE_TLS_SECRETS : [];
        consumers.push({ name: "edge", secrets: [...EDGE_SECRETS, ...tls] });
    }
    if (settings.backup) consumers.push(BACKUP_JOBS_CONSUMER);
    if (settings.restore) consumers.push(RESTORE_CONSUMER);
    return consumers;
}

const EDGE_SECRETS = ["EDGE_OIDC_CLIENT_SECRET", "EDGE_COOKIE_SECRET"];
const EDGE_TLS_SECRETS = ["EDGE_TLS_CERTIFICATE", "EDGE_TLS_PRIVATE_KEY"];

/** Every secret some stack's platform components may read, whatever its settings. */
export const PLATFORM_SECRETS: readonly string[] = [
    "ALERT_SLACK_WEBHOOK_URL",
    "ALERT_PAGERDUTY_ROUTING_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    ...EDGE_SECRETS,
    ...EDGE_TLS_SECRETS,
    "BACKUP_AWS_ACCESS_KEY_ID",
    "BACKUP_AWS_SECRET_ACCESS_KEY",
    "RESTORE_AWS_ACCESS_KEY_ID",
    "RESTORE_AWS_SECRET_ACCESS_KEY",
];

/** The backup jobs' access key (IAM user sophia-<environment>-backup-writer), rotated through ESC. */
export const BACKUP_JOBS_CONSUMER: SecretConsumer = { name: "backup-jobs", secrets: ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"] };

/** The failover restore's read-only access key (IAM user sophia-<environment>-restore-reader), rotated through ESC. */
export const RESTORE_CONSUMER: SecretConsumer = { name: "restore", secrets: ["RESTORE_AWS_ACCESS_KEY_ID", "RESTORE_AWS_SECRET_ACCESS_KEY"] };

export function secretInventory(servers: readonly SecretConsumer[]): SecretInventory {
    const users = new Map<string, string[]>();
    for (const server of servers) {
        for (const secret of server.secrets) users.set(secret, [...(users.get(secret) ?? []), server.name]);
    }
    return new Map([...users.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The config key a secret is read from; ESC environments map their values onto these keys. */
export function secretConfigKey(secret: string): string {
    return `${CONFIG_NAMESPACE}:${secret}`;
}

/** A problem for each needed secret the stack does not configure, or configures in plaintext. */
export function secretProblems(
    inventory: SecretInventory,
    stack: string,
    isConfigured: (key: string) => boolean,
    isSecret: (key: string) => boolean,
): Problem[] {
    const problems: Problem[] = [];
    for (const [secret, servers] of inventory) {
        const key = secretConfigKey(secret);
        const where = `Pulumi.${stack}.yaml ${key}`;
        if (!isConfigured(key)) {
            problems.push({
                where,
                message: `secret ${secret} is needed by ${servers.join(", ")} but stack "${stack}" does not configure it: add it to the stack's ESC environment or run pulumi config set --secret ${secret} <value>`,
            });
        } else if (!isSecret(key)) {
            problems.push({
                where,
                message: `${secret} is configured in plaintext: set it again with pulumi config set --secret ${secret} <value>`,
                source: { file: `Pulumi.${stack}.yaml`, path: ["config", key], atKey: true },
            });
        }
    }
    return problems;
}

/** The secret values, read as Pulumi secrets so they stay encrypted in state and masked in output. */
export function readSecretValues(inventory: SecretInventory): ReadonlyMap<string, pulumi.Output<string>> {
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    return new Map([...inventory.keys()].map((secret) => [secret, config.requireSecret(secret)]));
}
