import { expect } from "chai";
import {
    MCP_SERVER,
    POD_MONITOR,
    PROMETHEUS_RULE,
    requireMcpServerMonitoring,
    SERVICE_MONITOR,
    SWARM_CONFIG,
} from "../../policies/stack/requireMcpServerMonitoring";
import { checkStack, compliantPodSpec, swarmService, urnOf, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const SERVER_LABEL = "sophia.ai/mcp-server";
const res = (type: string, name: string, props: Obj, parent?: string): Fixture => ({ type, urn: urnOf(type, name), name, props, parent });
const check = (resources: Fixture[]) => checkStack(requireMcpServerMonitoring, resources);
const messages = (resources: Fixture[]) => check(resources).map((v) => v.message);

/** A Prometheus rules file whose SLO rule is labelled with `server`. */
const rulesNaming = (server: string) =>
    `groups:\n  - name: mcp-slo\n    rules:\n      - alert: McpErrorBudgetBurn\n        expr: x\n        labels: { mcp_server: ${server} }\n`;
const rulesConfig = (name: string, text: string) => res(SWARM_CONFIG, name, { name: `sophia-${name}`, data: Buffer.from(text).toString("base64") });
const withoutLabel = (s: Fixture, label: string): Fixture => {
    s.props.labels = s.props.labels.filter((l: Obj) => l.label !== label);
    return s;
};

describe(`${requireMcpServerMonitoring.id}: a server's Swarm service`, () => {
    const server = res(MCP_SERVER, "codacy", {});
    const rules = rulesConfig("prometheus-rules", rulesNaming("codacy"));
    const noScrape = "MCP server codacy has no prometheus.io/scrape label on its service";

    it("is found as the server's child, without the server label", () => {
        const child = () => ({ ...withoutLabel(swarmService("codacy"), SERVER_LABEL), parent: server.urn });
        expect(check([server, child(), rules])).to.deep.equal([]);
        // Judged as a Swarm service: its own scrape label is what counts, not a ServiceMonitor.
        expect(messages([server, withoutLabel(child(), "prometheus.io/scrape"), rules])).to.deep.equal([noScrape]);
    });

    it("is found by the server label, without being the server's child", () => {
        expect(check([server, swarmService("codacy"), rules])).to.deep.equal([]);
        expect(messages([server, withoutLabel(swarmService("codacy"), "prometheus.io/scrape"), rules])).to.deep.equal([noScrape]);
    });

    it("is the first in stack order when the server has two, however each was found", () => {
        const labelled = swarmService("codacy");
        const child = { ...withoutLabel(swarmService("codacy-worker"), "prometheus.io/scrape"), parent: server.urn };
        expect(check([server, labelled, child, rules])).to.deep.equal([]);
        expect(messages([server, child, labelled, rules])).to.deep.equal([noScrape]);
    });

    it("reports both gaps in one message, on the server's URN", () => {
        const s = { ...withoutLabel(swarmService("codacy"), "prometheus.io/scrape"), parent: server.urn };
        expect(check([server, s])).to.deep.equal([
            {
                urn: server.urn,
                message: "MCP server codacy has no prometheus.io/scrape label on its service and no SLO rules naming it in a Prometheus rules config",
            },
        ]);
    });

    it("needs its rules in a Swarm config: a Docker secret holding the same text is no rules file", () => {
        const secret = res("docker:index/secret:Secret", "prometheus-rules", {
            name: "sophia-prometheus-rules",
            data: Buffer.from(rulesNaming("codacy")).toString("base64"),
        });
        const noRules = "MCP server codacy has no SLO rules naming it in a Prometheus rules config";
        expect(messages([server, swarmService("codacy"), secret])).to.deep.equal([noRules]);
    });
});

describe(`${requireMcpServerMonitoring.id}: a server name beyond letters, digits, _ and -`, () => {
    const server = res(MCP_SERVER, "docs.search", {});
    const service = swarmService("docs.search");
    const noRules = "MCP server docs.search has no SLO rules naming it in a Prometheus rules config";

    it("is found as a whole token in any of several rules files", () => {
        expect(
            check([server, service, rulesConfig("codacy-rules", rulesNaming("codacy")), rulesConfig("docs-rules", rulesNaming("docs.search"))]),
        ).to.deep.equal([]);
    });

    it("is not found in rules naming another server, or a longer name, or the name with another character for the dot", () => {
        expect(messages([server, service, rulesConfig("codacy-rules", rulesNaming("codacy"))])).to.deep.equal([noRules]);
        expect(messages([server, service, rulesConfig("docs-rules", rulesNaming("docs.search-2"))])).to.deep.equal([noRules]);
        expect(messages([server, service, rulesConfig("docs-rules", rulesNaming("docsXsearch"))])).to.deep.equal([noRules]);
    });
});

describe(`${requireMcpServerMonitoring.id}: a Kubernetes server`, () => {
    const server = res(MCP_SERVER, "codacy", {});
    const pods = workload("kubernetes:apps/v1:Deployment", compliantPodSpec("codacy"), "codacy", { [SERVER_LABEL]: "codacy" });
    const deployment = { ...pods, parent: server.urn };
    const rules = res(PROMETHEUS_RULE, "codacy-rules", {
        metadata: { name: "codacy-slo", labels: { [SERVER_LABEL]: "codacy" } },
        spec: { groups: [] },
    });
    /** An unlabelled monitor of `type` selecting pods by `matchLabels`. */
    const selecting = (type: string, name: string, matchLabels: Obj) => res(type, name, { metadata: { name: "codacy" }, spec: { selector: { matchLabels } } });
    const byName = { "app.kubernetes.io/name": "codacy" };

    it("is scraped by a PodMonitor selecting its pods", () => {
        expect(check([server, deployment, selecting(POD_MONITOR, "codacy-podmonitor", byName), rules])).to.deep.equal([]);
    });

    it("is scraped by an unlabelled ServiceMonitor selecting it by app.kubernetes.io/name or by the server label", () => {
        expect(check([server, deployment, selecting(SERVICE_MONITOR, "by-name", byName), rules])).to.deep.equal([]);
        expect(check([server, deployment, selecting(SERVICE_MONITOR, "by-server", { [SERVER_LABEL]: "codacy" }), rules])).to.deep.equal([]);
    });

    it("reports both gaps in one message", () => {
        expect(messages([server, deployment])).to.deep.equal(["MCP server codacy has no ServiceMonitor and no PrometheusRule with its SLO rules"]);
    });

    it("reads a PrometheusRule past empty (null) groups and rules", () => {
        const monitor = selecting(SERVICE_MONITOR, "codacy-servicemonitor", byName);
        const sparse = res(PROMETHEUS_RULE, "mcp-slo", {
            metadata: { name: "mcp-slo" },
            spec: { groups: [null, { name: "mcp-slo", rules: [null, { alert: "McpErrorBudgetBurn", labels: { mcp_server: "codacy" } }] }] },
        });
        expect(check([server, deployment, monitor, sparse])).to.deep.equal([]);
    });
});
