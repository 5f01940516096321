import type { ServerSpec } from "../../stacks/specs";
import type { MonitoringSettings } from "../../stacks/settings";
import { alertmanagerYaml, SecretFilePath } from "./render/alertmanager";
import { datasourcesYaml, dashboardProviderYaml, renderDashboards } from "./render/grafana";
import { renderRuleFiles, RuleGroup } from "./render/rules";
import { prometheusConfig, prometheusYaml } from "./render/scrape";
import { jaegerConfigYaml } from "./jaeger";

/** Everything the renderers need, as plain data. */
export interface MonitoringInputs {
    readonly stack: string;
    readonly prefix: string;
    readonly servers: readonly ServerSpec[];
    readonly settings: MonitoringSettings;
    /** Scrape jobs for this target (Swarm discovery or Kubernetes annotations). */
    readonly scrapeConfigs: readonly Record<string, unknown>[];
    readonly alertmanagerDns: string;
    readonly secretFile: SecretFilePath;
    readonly urls: { readonly prometheus: string; readonly jaeger: string };
    /** Rule groups other components contribute (e.g. backup freshness). */
    readonly extraRuleGroups?: readonly RuleGroup[];
}

/** Every rendered file, by path under monitoring/ (the same paths the plan writes). Pure. */
export function renderMonitoringFiles(inputs: MonitoringInputs): Record<string, string> {
    const files: Record<string, string> = {
        "prometheus.yml": prometheusYaml(
            prometheusConfig(
                {
                    stack: inputs.stack,
                    prefix: inputs.prefix,
                    scrapeInterval: inputs.settings.scrapeInterval,
                    alertmanagers: { dnsName: inputs.alertmanagerDns, port: 9093 },
                },
                inputs.scrapeConfigs,
            ),
            `Prometheus configuration of stack ${inputs.stack}.`,
        ),
        "alertmanager.yml": alertmanagerYaml({ secretFile: inputs.secretFile }),
        "grafana/datasources.yml": datasourcesYaml(inputs.urls),
        "grafana/dashboards.yml": dashboardProviderYaml("/etc/grafana/dashboards"),
        "jaeger.yaml": jaegerConfigYaml(),
    };
    for (const [file, text] of Object.entries(renderRuleFiles(inputs.servers, inputs.extraRuleGroups))) files[`rules/${file}`] = text;
    for (const [file, text] of Object.entries(renderDashboards(inputs.servers))) files[`grafana/dashboards/${file}`] = text;
    return files;
}
