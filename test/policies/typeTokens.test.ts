// The stack rules find resources by the type tokens a Pulumi program registers. These tests write each
// token out as the program's providers and components spell it (not through the pack's constants), so a
// rule that stopped recognising one would be caught by a reviewer's finding going missing or appearing.
import { expect } from "chai";
import { disallowSecretOutputs } from "../../policies/stack/disallowSecretOutputs";
import { requireCriticalHighAvailability } from "../../policies/stack/requireCriticalHighAvailability";
import { requireMcpServerMonitoring } from "../../policies/stack/requireMcpServerMonitoring";
import { checkStack, compliantPodSpec, swarmService, urnOf, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const res = (type: string, name: string, props: Obj, parent?: string): Fixture => ({ type, urn: urnOf(type, name), name, props, parent });

/** The root resource `pulumi up` registers for every stack; its props are the stack outputs. */
const PULUMI_STACK = "pulumi:pulumi:Stack";
/** The MCP server component (components/mcp-server/mcpServer.ts registers it as sophia:platform:McpServer). */
const MCP_SERVER_COMPONENT = "sophia:platform:McpServer";

describe(`${disallowSecretOutputs.id} reads the outputs of the stack Pulumi registers`, () => {
    it("reports a Kubernetes Secret's value exported in plain text from pulumi:pulumi:Stack", () => {
        const stack = res(PULUMI_STACK, "sophia-test", { grafana: { adminPassword: "grafana-admin-pw-42" } });
        const secret = res("kubernetes:core/v1:Secret", "grafana-admin", { stringData: { password: "grafana-admin-pw-42" } });
        expect(checkStack(disallowSecretOutputs, [stack, secret])).to.deep.equal([
            { urn: stack.urn, message: "stack output grafana.adminPassword contains a secret value in plain text" },
        ]);
    });
});

describe(`${requireMcpServerMonitoring.id} finds servers and monitors by their registered types`, () => {
    const server = res(MCP_SERVER_COMPONENT, "codacy", {});
    const pods = { ...workload("kubernetes:apps/v1:Deployment", compliantPodSpec("codacy"), "codacy"), parent: server.urn };
    const rules = res("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "codacy-rules", {
        metadata: { name: "codacy-slo", labels: { "sophia.ai/mcp-server": "codacy" } },
        spec: { groups: [] },
    });

    it("reports a sophia:platform:McpServer nobody scrapes and no rule names", () => {
        expect(checkStack(requireMcpServerMonitoring, [server, pods])).to.deep.equal([
            { urn: server.urn, message: "MCP server codacy has no ServiceMonitor and no PrometheusRule with its SLO rules" },
        ]);
    });

    it("counts a monitoring.coreos.com/v1 PodMonitor selecting the server's pods as its scrape target", () => {
        const podMonitor = res("kubernetes:monitoring.coreos.com/v1:PodMonitor", "codacy-podmonitor", {
            metadata: { name: "codacy" },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": "codacy" } }, podMetricsEndpoints: [{ port: "http" }] },
        });
        expect(checkStack(requireMcpServerMonitoring, [server, pods, podMonitor, rules])).to.deep.equal([]);
    });

    it("counts a Swarm rules file held in a docker ServiceConfig as the Swarm server's SLO rules", () => {
        const text = "groups:\n  - name: mcp-slo\n    rules:\n      - alert: McpErrorBudgetBurn\n        expr: x\n        labels: { mcp_server: codacy }\n";
        const config = res("docker:index/serviceConfig:ServiceConfig", "prometheus-rules", {
            name: "sophia-prometheus-rules",
            data: Buffer.from(text).toString("base64"),
        });
        expect(checkStack(requireMcpServerMonitoring, [server, swarmService("codacy"), config])).to.deep.equal([]);
        expect(checkStack(requireMcpServerMonitoring, [server, swarmService("codacy")])).to.deep.equal([
            { urn: server.urn, message: "MCP server codacy has no SLO rules naming it in a Prometheus rules config" },
        ]);
    });
});

describe(`${requireCriticalHighAvailability.id} judges both replicated Kubernetes kinds`, () => {
    const critical = { "sophia.ai/tier": "critical" };
    for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"] as const) {
        it(`reports a critical ${type.split(":").pop()} with one replica, no PodDisruptionBudget and no spread`, () => {
            const w = workload(type, compliantPodSpec("postgres"), "postgres", critical);
            w.props.spec.replicas = 1;
            expect(checkStack(requireCriticalHighAvailability, [w])).to.deep.equal([
                {
                    urn: w.urn,
                    message:
                        "critical workload postgres runs 1 replica(s), has no PodDisruptionBudget, has no topology spread constraints or pod anti-affinity",
                },
            ]);
        });
    }
});
