import { componentNames, exemptionFor } from "../exemptions";
import type { PolicyResource, StackRule } from "../rule";
import { kubernetesProps, type KubernetesProps, type StringMap } from "../shapes";
import { containerSpecOf, serviceLabels, SWARM_SERVICE } from "../swarm/services";

export const BACKUP_OF_LABEL = "sophia.ai/backup-of";
/** The value an exemption from this rule names: the service's volume data goes unbacked. */
export const UNBACKED_DATA = "volume-data";
const SCHEDULE_LABEL = "sophia.ai/schedule";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CRON_JOB = "kubernetes:batch/v1:CronJob";

const isStateful = (r: PolicyResource): boolean =>
    r.type === STATEFUL_SET || (r.type === SWARM_SERVICE && (containerSpecOf(r.props).mounts ?? []).some((m) => m?.type === "volume"));

/** A CronJob's pod template labels, then its own annotations and labels (the later win). */
function cronJobLabels(props: KubernetesProps): StringMap {
    return { ...props.spec?.jobTemplate?.spec?.template?.metadata?.labels, ...props.metadata?.annotations, ...props.metadata?.labels };
}

/** Labels (and, on Kubernetes, annotations) of a scheduled job; undefined for anything else. */
function scheduledJobLabels(r: PolicyResource): Readonly<Record<string, string | undefined>> | undefined {
    if (r.type === CRON_JOB) return cronJobLabels(kubernetesProps(r));
    if (r.type === SWARM_SERVICE && serviceLabels(r.props)[SCHEDULE_LABEL] !== undefined) return serviceLabels(r.props);
    return undefined;
}

/** What a scheduled job backs up: its sophia.ai/backup-of label (comma-separated) and the <name> of a job named <name>-backup. */
export function backupTargets(r: PolicyResource): string[] {
    const labels = scheduledJobLabels(r);
    if (!labels) return [];
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
