// The Sophia AI platform: every MCP server of the catalog, on the target the stack chooses.
import { Edge } from "./components/edge";
import { BackupJobs, backupFreshnessRuleGroup } from "./components/backup-jobs";
import { BackupStore } from "./components/backup-store";
import { McpServer } from "./components/mcp-server";
import { Monitoring } from "./components/monitoring";
import { loadImageLock } from "./catalog/imageLock";
import { createPlatform } from "./components/platform";
import { Postgres } from "./components/postgres";
import { Redis } from "./components/redis";
import { Restore } from "./components/restore";
import { loadProgramInputs } from "./stacks/inputs";
import { readSecretValues } from "./stacks/secrets";
import { kubeconfigFromConfig } from "./stacks/settings";

const { settings, servers, secrets } = loadProgramInputs();
const platform = createPlatform({ settings, kubeconfig: kubeconfigFromConfig(), imageDigests: loadImageLock() });
const secretValues = readSecretValues(secrets);

// A failover stack restores PostgreSQL first: the database comes from the backup, not from initdb.
const postgres = new Postgres("postgres", { platform, settings: { createDatabase: !settings.restore } });
const redis = new Redis("redis", { platform, cacheServers: servers.filter((s) => s.cache).map((s) => s.name) });
const restore =
    settings.restore && settings.backup
        ? new Restore("restore", {
              platform,
              environment: settings.environment,
              backup: settings.backup,
              restore: settings.restore,
              registry: settings.registry,
              accessKeyId: secretValues.get("RESTORE_AWS_ACCESS_KEY_ID")!,
              secretAccessKey: secretValues.get("RESTORE_AWS_SECRET_ACCESS_KEY")!,
              postgres: postgres.connection,
              after: [postgres],
          })
        : undefined;
// PostgreSQL ready → restore → the servers and the stack's own backups.
const afterRestore = restore?.done ?? [];
const monitoring = new Monitoring("monitoring", {
    platform,
    stack: settings.stack,
    prefix: settings.namespace,
    settings: settings.monitoring,
    servers,
    secretValues,
    // No successful backup within the RPO pages through the same rules as everything else.
    extraRuleGroups: settings.backup ? [backupFreshnessRuleGroup([postgres.workloadName, redis.workloadName])] : [],
});
const observability = { otlpEndpoint: monitoring.otlpEndpoint };

const mcpServers = servers.map(
    (spec) =>
        new McpServer(spec.name, {
            spec,
            platform,
            secretValues,
            observability,
            after: afterRestore,
            cache: spec.cache ? redis.cacheCredentials(spec.name) : undefined,
        }),
);

// Only public servers get a route; the edge is deployed where the stack configures one.
const edge = settings.edge
    ? new Edge("edge", { settings, platform, servers: mcpServers.map((s) => ({ spec: s.spec, address: s.address })), uis: monitoring.uis, secretValues })
    : undefined;

const backupStore = settings.backup && new BackupStore("backups", { environment: settings.environment, backup: settings.backup });
if (settings.backup && backupStore) {
    new BackupJobs("backup-jobs", {
        platform,
        registry: settings.registry,
        bucket: backupStore.names.primaryBucket,
        region: settings.backup.region,
        fullBackupHour: settings.backup.fullBackupHour,
        accessKeyId: secretValues.get("BACKUP_AWS_ACCESS_KEY_ID")!,
        secretAccessKey: secretValues.get("BACKUP_AWS_SECRET_ACCESS_KEY")!,
        postgres: postgres.connection,
        redis: { workload: redis.workloadName, credentials: redis.backup },
        after: afterRestore,
    });
}

export const target = settings.target;
export const serverAddresses = Object.fromEntries(mcpServers.map((s) => [s.spec.name, s.address]));
export const edgeHosts = edge?.hosts ?? [];
// Empty where the stack keeps no off-site backups (dev): an undefined output only earns a warning.
export const backupBuckets = backupStore ? { primary: backupStore.bucket, replica: backupStore.replicaBucket } : {};
export const otlpEndpoint = monitoring.otlpEndpoint;
