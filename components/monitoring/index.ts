export { Monitoring, type MonitoringArgs } from "./monitoring";
export * as metricsContract from "./metricsContract";
export { platformRuleGroups, renderRuleFiles, serverRuleGroups, type AlertingRule, type RecordingRule, type RuleGroup } from "./render/rules";
export { alertmanagerConfig, alertmanagerYaml, ALERT_SECRETS, SEVERITY_RECEIVERS } from "./render/alertmanager";
export { renderMonitoringFiles } from "./files";
