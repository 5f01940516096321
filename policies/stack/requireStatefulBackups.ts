import { componentNames, exemptionFor } from "../exemptions";
import type { PolicyResource, StackRule } from "../rule";
import { containerSpecOf, serviceLabels, SWARM_SERVICE } from "../swarm/services";

export const BACKUP_OF_LABEL = "sophia.ai/backup-of";
/** The value an exemption from this rule names: the service's volume data goes unbacked. */
export const UNBACKED_DATA = "volume-data";
const SCHEDULE_LABEL = "sophia.ai/schedule";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CRON_JOB = "kubernetes:batch/v1:CronJob";

const isStateful = (r: PolicyResource): boolean =>
    r.type === STATEFUL_SET || (r.type === SWARM_SERVICE && ((containerSpecOf(r.props).mounts ?? []) as { type?: string }[]).some((m) => m?.type === "volume"));

/** What a scheduled job backs up: its sophia.ai/backup-of label (comma-separated) and the <name> of a job named <name>-backup. */
export function backupTargets(r: PolicyResource): string[] {
    let labels: Record<string, string> = {};
    if (r.type === CRON_JOB)
        labels = { ...r.props?.spec?.jobTemplate?.spec?.template?.metadata?.labels, ...r.props?.metadata?.annotations, ...r.props?.metadata?.labels };
    else if (r.type === SWARM_SERVICE && serviceLabels(r.props)[SCHEDULE_LABEL] !== undefined) labels = serviceLabels(r.props);
    else return [];
    const named = [...componentNames(r)].filter((n) => n.endsWith("-backup")).map((n) => n.slice(0, -"-backup".length));
    return [
        ...(labels[BACKUP_OF_LABEL] ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        ...named,
    ];
}

export const requireStatefulBackups: StackRule = {
    kind: "stack",
    id: "require-stateful-backups",
    description: "Every stateful service (a StatefulSet, or a Swarm service with a volume) must have a scheduled backup job targeting it (prod).",
    rationale: "Persistent data without a tested, scheduled backup is lost with its volume.",
    remediation: `Add a scheduled job labelled ${BACKUP_OF_LABEL}: <service name> (or named <service name>-backup) that dumps the service to the backup bucket.`,
    severity: "high",
    topics: ["backups", "disaster-recovery"],
    check(resources) {
        const covered = new Set(resources.flatMap(backupTargets));
        return resources
            .filter(isStateful)
            .filter((r) => ![...componentNames(r)].some((n) => covered.has(n)))
            .filter((r) => !exemptionFor("require-stateful-backups", r, UNBACKED_DATA))
            .map((r) => ({ urn: r.urn, message: `stateful service ${[...componentNames(r)][0] ?? r.name} has no backup job (label ${BACKUP_OF_LABEL})` }));
    },
};
