import type { PolicyResource, StackRule } from "../rule";
import { kubernetesProps } from "../shapes";
import { serviceLabels, SWARM_SERVICE } from "../swarm/services";

export const MCP_SERVER = "sophia:platform:McpServer";
export const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const SWARM_CONFIG = "docker:index/serviceConfig:ServiceConfig";
const SERVER_LABEL = "sophia.ai/mcp-server";

const word = (name: string) => new RegExp(`(^|[^A-Za-z0-9_-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_-])`);

/** The text of a Swarm config holding a Prometheus rules file, or undefined for any other resource. */
function swarmRulesText(r: PolicyResource): string | undefined {
    if (r.type !== SWARM_CONFIG || typeof r.props?.data !== "string") return undefined;
    const text = Buffer.from(r.props.data, "base64").toString("utf8");
    return /(^|\n)groups:/.test(text) ? text : undefined;
}

/** Names made only of the characters `word` treats as part of a name: looked up in a text's words instead of a regex per server. */
const PLAIN_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * What the stack's resources say about servers, gathered in one pass so the rule stays linear in
 * the number of resources: each server's workloads, and which servers are scraped and have rules.
 */
class MonitoringIndex {
    private readonly position = new Map<PolicyResource, number>();
    private readonly byParent = new Map<string, PolicyResource[]>();
    private readonly byServerLabel = new Map<string, PolicyResource[]>();
    private readonly scraped = new Set<string>();
    private readonly kubernetesRuled = new Set<unknown>();
    /** The Swarm rules files (configs holding a Prometheus rules file), decoded once. */
    private readonly swarmRuleTexts: string[] = [];
    private readonly swarmRuleWords = new Set<string>();

    constructor(resources: readonly PolicyResource[]) {
        resources.forEach((r, i) => {
            this.position.set(r, i);
            this.addWorkload(r);
            this.addMonitor(r);
            this.addKubernetesRules(r);
            this.addSwarmRules(r);
        });
    }

    private addWorkload(r: PolicyResource): void {
        const add = (map: Map<string, PolicyResource[]>, key: string) => map.set(key, [...(map.get(key) ?? []), r]);
        if (r.parent && r.type !== MCP_SERVER) add(this.byParent, r.parent);
        const label = kubernetesProps(r).metadata?.labels?.[SERVER_LABEL];
        if (typeof label === "string") add(this.byServerLabel, label);
        const swarmLabel = r.type === SWARM_SERVICE ? serviceLabels(r.props)[SERVER_LABEL] : undefined;
        if (swarmLabel !== undefined && swarmLabel !== label) add(this.byServerLabel, swarmLabel);
    }

    /** A ServiceMonitor/PodMonitor scrapes the servers it is labelled with or whose pods it selects. */
    private addMonitor(r: PolicyResource): void {
        if (r.type !== SERVICE_MONITOR && r.type !== POD_MONITOR) return;
        const props = kubernetesProps(r);
        const match = props.spec?.selector?.matchLabels ?? {};
        for (const name of [props.metadata?.labels?.[SERVER_LABEL], match["app.kubernetes.io/name"], match[SERVER_LABEL]]) {
            if (typeof name === "string") this.scraped.add(name);
        }
    }

    /** A PrometheusRule names the server it is labelled with, and every value of its rules' labels (e.g. mcp_server: <name>). */
    private addKubernetesRules(r: PolicyResource): void {
        if (r.type !== PROMETHEUS_RULE) return;
        const props = kubernetesProps(r);
        const rules = (props.spec?.groups ?? []).flatMap((group) => group?.rules ?? []);
        for (const value of [props.metadata?.labels?.[SERVER_LABEL], ...rules.flatMap((rule) => Object.values(rule?.labels ?? {}))]) {
            this.kubernetesRuled.add(value);
        }
    }

    private addSwarmRules(r: PolicyResource): void {
        const text = swarmRulesText(r);
        if (text === undefined) return;
        this.swarmRuleTexts.push(text);
        for (const w of text.split(/[^A-Za-z0-9_-]+/)) this.swarmRuleWords.add(w);
    }

    /** The server's own workloads: its children, Kubernetes ones labelled with it, or its Swarm service. */
    workloadsOf(server: PolicyResource): PolicyResource[] {
        const own = new Set([...(this.byParent.get(server.urn) ?? []), ...(this.byServerLabel.get(server.name) ?? [])]);
        return [...own].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
    }

    isScraped(server: string): boolean {
        return this.scraped.has(server);
    }

    hasKubernetesRules(server: string): boolean {
        return this.kubernetesRuled.has(server);
    }

    /** A Swarm rules file names the server as a whole token ("codacy", not "codacy-2"). */
    hasSwarmRules(server: string): boolean {
        return PLAIN_NAME.test(server) ? this.swarmRuleWords.has(server) : this.swarmRuleTexts.some((text) => word(server).test(text));
    }
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
        const index = new MonitoringIndex(resources);
        for (const server of resources.filter((r) => r.type === MCP_SERVER)) {
            const own = index.workloadsOf(server);
            const swarm = own.find((r) => r.type === SWARM_SERVICE);
            const missing: string[] = [];
            if (swarm) {
                if (serviceLabels(swarm.props)["prometheus.io/scrape"] !== "true") missing.push("prometheus.io/scrape label on its service");
                if (!index.hasSwarmRules(server.name)) missing.push("SLO rules naming it in a Prometheus rules config");
            } else {
                if (!index.isScraped(server.name)) missing.push("ServiceMonitor");
                if (!index.hasKubernetesRules(server.name)) missing.push("PrometheusRule with its SLO rules");
            }
            if (missing.length > 0) violations.push({ urn: server.urn, message: `MCP server ${server.name} has no ${missing.join(" and no ")}` });
        }
        return violations;
    },
};
