import type { PolicyResource, StackRule } from "../rule";
import { kubernetesProps, type KubernetesProps } from "../shapes";
import { serviceLabels, SWARM_SERVICE } from "../swarm/services";

export const MCP_SERVER = "sophia:platform:McpServer";
export const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const SWARM_CONFIG = "docker:index/serviceConfig:ServiceConfig";
const SERVER_LABEL = "sophia.ai/mcp-server";

const word = (name: string) => new RegExp(`(^|[^A-Za-z0-9_-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_-])`);

/** A ServiceMonitor/PodMonitor scraping the server: labelled with it, or selecting its pods. */
function scrapes(r: PolicyResource, server: string): boolean {
    if (r.type !== SERVICE_MONITOR && r.type !== POD_MONITOR) return false;
    const props = kubernetesProps(r);
    const match = props.spec?.selector?.matchLabels ?? {};
    return props.metadata?.labels?.[SERVER_LABEL] === server || match["app.kubernetes.io/name"] === server || match[SERVER_LABEL] === server;
}

/** Prometheus rule groups naming the server: a rule carrying a label whose value is its name (e.g. mcp_server: <name>). */
function groupsName(groups: NonNullable<NonNullable<KubernetesProps["spec"]>["groups"]>, server: string): boolean {
    return groups.some((g) => (g?.rules ?? []).some((rule) => Object.values(rule?.labels ?? {}).includes(server)));
}

function kubernetesRules(r: PolicyResource, server: string): boolean {
    return (
        r.type === PROMETHEUS_RULE &&
        (kubernetesProps(r).metadata?.labels?.[SERVER_LABEL] === server || groupsName(kubernetesProps(r).spec?.groups ?? [], server))
    );
}

/** A Swarm config holding a Prometheus rules file that names the server as a whole token ("codacy", not "codacy-2"). */
function swarmRules(r: PolicyResource, server: string): boolean {
    if (r.type !== SWARM_CONFIG || typeof r.props?.data !== "string") return false;
    let text: string;
    try {
        text = Buffer.from(r.props.data, "base64").toString("utf8");
    } catch {
        return false;
    }
    return /(^|\n)groups:/.test(text) && word(server).test(text);
}

/** The server's own workloads: Kubernetes ones labelled with it, or its Swarm service. */
function workloadsOf(resources: readonly PolicyResource[], server: PolicyResource): PolicyResource[] {
    return resources.filter(
        (r) =>
            (r.parent === server.urn && r.type !== MCP_SERVER) ||
            kubernetesProps(r).metadata?.labels?.[SERVER_LABEL] === server.name ||
            (r.type === SWARM_SERVICE && serviceLabels(r.props)[SERVER_LABEL] === server.name),
    );
}

export const requireMcpServerMonitoring: StackRule = {
    kind: "stack",
    id: "require-mcp-server-monitoring",
    description:
        "Every MCP server must be scraped and have SLO rules: a ServiceMonitor and a PrometheusRule naming it on Kubernetes; prometheus.io/scrape labels and a rules file naming it on Swarm.",
    rationale: "A server nobody scrapes fails silently; SLO alerts are how the on-call hears of it before users do.",
    remediation:
        "Compose the Monitoring component, which derives a scrape target and SLO rules from each catalog entry; check that the server's entry sets metrics.",
    severity: "high",
    topics: ["monitoring", "reliability"],
    check(resources) {
        const violations: { urn: string; message: string }[] = [];
        for (const server of resources.filter((r) => r.type === MCP_SERVER)) {
            const own = workloadsOf(resources, server);
            const swarm = own.find((r) => r.type === SWARM_SERVICE);
            const missing: string[] = [];
            if (swarm) {
                if (serviceLabels(swarm.props)["prometheus.io/scrape"] !== "true") missing.push("prometheus.io/scrape label on its service");
                if (!resources.some((r) => swarmRules(r, server.name))) missing.push("SLO rules naming it in a Prometheus rules config");
            } else {
                if (!resources.some((r) => scrapes(r, server.name))) missing.push("ServiceMonitor");
                if (!resources.some((r) => kubernetesRules(r, server.name))) missing.push("PrometheusRule with its SLO rules");
            }
            if (missing.length > 0) violations.push({ urn: server.urn, message: `MCP server ${server.name} has no ${missing.join(" and no ")}` });
        }
        return violations;
    },
};
