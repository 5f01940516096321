export { BackupJobs, type BackupJobsArgs } from "./backupJobs";
export { BACKUP_OF_LABEL, backupJob, backupSchedule, pushgatewayWorkload, type BackupSubject } from "./jobs";
export { backupFreshnessRuleGroup, LAST_SUCCESS_METRIC, type PrometheusRuleGroup } from "./freshnessRule";
export { RPO_SECONDS, RTO_SECONDS } from "./objectives";
