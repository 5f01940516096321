import { expect } from "chai";
import { checkStack, compliantPodSpec, spreadDeployment, swarmService, urnOf, workload, type Fixture } from "../../test/policies/fixtures";
import { disallowSecretOutputs, PLAINTEXT_SECRET_MARKER, redactPlainSecrets, STACK } from "./disallowSecretOutputs";
import { UNKNOWN } from "../rule";
import { requireCriticalHighAvailability } from "./requireCriticalHighAvailability";
import { MCP_SERVER, PROMETHEUS_RULE, requireMcpServerMonitoring, SERVICE_MONITOR, SWARM_CONFIG } from "./requireMcpServerMonitoring";
import { BACKUP_OF_LABEL, requireStatefulBackups } from "./requireStatefulBackups";

type Obj = Record<string, any>;
const res = (type: string, name: string, props: Obj, parent?: string): Fixture => ({ type, urn: urnOf(type, name), name, props, parent });

describe(requireCriticalHighAvailability.id, () => {
    const critical = (replicas: number | undefined, spread = true) => spreadDeployment("api", replicas, undefined, spread);
    const pdb = res("kubernetes:policy/v1:PodDisruptionBudget", "api-pdb", {
        metadata: { name: "api", namespace: "sophia-mcp" },
        spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "api" } } },
    });
    const hpa = (min: number) =>
        res("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api-hpa", {
            metadata: { name: "api", namespace: "sophia-mcp" },
            spec: { minReplicas: min, maxReplicas: 6, scaleTargetRef: { kind: "Deployment", name: "api" } },
        });

    it("passes a critical Deployment with 2 replicas, a PDB and spread", () =>
        expect(checkStack(requireCriticalHighAvailability, [critical(2), pdb])).to.deep.equal([]));
    it("counts the autoscaler's minimum when the Deployment leaves replicas to it", () => {
        expect(checkStack(requireCriticalHighAvailability, [critical(undefined), pdb, hpa(2)])).to.deep.equal([]);
        expect(checkStack(requireCriticalHighAvailability, [critical(undefined), pdb, hpa(1)])[0].message).to.match(/runs 1 replica/);
    });
    it("fails one replica, a missing PDB, or no spread", () => {
        expect(checkStack(requireCriticalHighAvailability, [critical(1), pdb])[0].message).to.equal("critical workload api runs 1 replica(s)");
        expect(checkStack(requireCriticalHighAvailability, [critical(2)])[0].message).to.equal("critical workload api has no PodDisruptionBudget");
        expect(checkStack(requireCriticalHighAvailability, [critical(2, false), pdb])[0].message).to.match(/no topology spread/);
    });
    it("ignores other tiers", () => {
        const d = workload("kubernetes:apps/v1:Deployment", compliantPodSpec("x"), "x", { "sophia.ai/tier": "low" });
        d.props.spec.replicas = 1;
        expect(checkStack(requireCriticalHighAvailability, [d])).to.deep.equal([]);
    });
    it("checks critical Swarm services for replicas and spread", () => {
        const s = swarmService("api");
        s.props.labels.push({ label: "sophia.ai/tier", value: "critical" });
        expect(checkStack(requireCriticalHighAvailability, [s])[0].message).to.match(/no placement spread/);
        s.props.taskSpec.placement = { prefs: ["spread=node.id"] };
        expect(checkStack(requireCriticalHighAvailability, [s])).to.deep.equal([]);
        s.props.mode.replicated.replicas = 1;
        expect(checkStack(requireCriticalHighAvailability, [s])[0].message).to.match(/runs 1 replica/);
    });
});

describe(requireMcpServerMonitoring.id, () => {
    const server = res(MCP_SERVER, "codacy", {});
    const deployment = {
        ...workload("kubernetes:apps/v1:Deployment", compliantPodSpec("codacy"), "codacy", { "sophia.ai/mcp-server": "codacy" }),
        parent: server.urn,
    };
    const monitor = res(SERVICE_MONITOR, "codacy-servicemonitor", {
        metadata: { name: "codacy", labels: { "sophia.ai/mcp-server": "codacy" } },
        spec: { selector: { matchLabels: { "app.kubernetes.io/name": "codacy" } } },
    });
    const rules = res(PROMETHEUS_RULE, "codacy-rules", {
        metadata: { name: "codacy-slo", labels: { "sophia.ai/mcp-server": "codacy" } },
        spec: { groups: [{ name: "codacy-slo", rules: [] }] },
    });
    const unnamedRules = res(PROMETHEUS_RULE, "other-rules", {
        metadata: { name: "codacy-2-slo" },
        spec: { groups: [{ name: "codacy-2-slo", rules: [{ alert: "A", expr: "x", labels: { mcp_server: "codacy-2" } }] }] },
    });
    const sharedRules = res(PROMETHEUS_RULE, "mcp-slo", {
        metadata: { name: "mcp-slo" },
        spec: { groups: [{ name: "mcp-slo", rules: [{ alert: "McpErrorBudgetBurn", expr: "x", labels: { mcp_server: "codacy" } }] }] },
    });

    it("passes a Kubernetes server with a ServiceMonitor and a PrometheusRule naming it", () => {
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, monitor, rules])).to.deep.equal([]);
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, monitor, sharedRules])).to.deep.equal([]);
    });
    it("fails a Kubernetes server without either, on the server's URN", () => {
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, rules])).to.deep.equal([
            { urn: server.urn, message: "MCP server codacy has no ServiceMonitor" },
        ]);
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, monitor])[0].message).to.match(/no PrometheusRule/);
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, monitor, unnamedRules])[0].message).to.match(/no PrometheusRule/);
        const other = res(SERVICE_MONITOR, "x", {
            metadata: { labels: { "sophia.ai/mcp-server": "codacy-2" } },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": "codacy-2" } } },
        });
        expect(checkStack(requireMcpServerMonitoring, [server, deployment, other, rules])).to.have.length(1);
    });
    const swarm = () => ({ ...swarmService("codacy"), parent: server.urn });
    const rulesConfig = (text: string) =>
        res(SWARM_CONFIG, "prometheus-rules", { name: "sophia-prometheus-rules", data: Buffer.from(text).toString("base64") });
    it("passes a Swarm server with scrape labels and a rules file naming it", () => {
        expect(
            checkStack(requireMcpServerMonitoring, [
                server,
                swarm(),
                rulesConfig(
                    "groups:\n  - name: mcp-slo\n    rules:\n      - alert: McpErrorBudgetBurn\n        expr: x\n        labels: { mcp_server: codacy }\n",
                ),
            ]),
        ).to.deep.equal([]);
    });
    it("fails a Swarm server without scrape labels or rules", () => {
        const s = swarm();
        s.props.labels = s.props.labels.filter((l: Obj) => l.label !== "prometheus.io/scrape");
        expect(checkStack(requireMcpServerMonitoring, [server, s, rulesConfig("groups:\n  - labels: { mcp_server: codacy }\n")])[0].message).to.match(
            /prometheus.io\/scrape/,
        );
        expect(checkStack(requireMcpServerMonitoring, [server, swarm(), rulesConfig("groups:\n  - labels: { mcp_server: codacy-2 }\n")])[0].message).to.match(
            /SLO rules/,
        );
    });
});

describe(requireStatefulBackups.id, () => {
    const statefulSet = () => workload("kubernetes:apps/v1:StatefulSet", compliantPodSpec("postgres"), "postgres");
    const cron = (labels: Obj, name = "nightly") => {
        const c = workload("kubernetes:batch/v1:CronJob", compliantPodSpec(name), name);
        Object.assign(c.props.metadata.labels, labels);
        return c;
    };
    it("passes a StatefulSet with a backup job labelled for it, or named <name>-backup", () => {
        expect(checkStack(requireStatefulBackups, [statefulSet(), cron({ [BACKUP_OF_LABEL]: "redis,postgres" })])).to.deep.equal([]);
        expect(checkStack(requireStatefulBackups, [statefulSet(), cron({}, "postgres-backup")])).to.deep.equal([]);
    });
    it("fails a StatefulSet whose only job backs up something else", () => {
        const s = statefulSet();
        expect(checkStack(requireStatefulBackups, [s, cron({ [BACKUP_OF_LABEL]: "redis" })])).to.deep.equal([
            { urn: s.urn, message: `stateful service postgres has no backup job (label ${BACKUP_OF_LABEL})` },
        ]);
    });
    it("treats a Swarm service with a volume as stateful, and a scheduled Swarm job as its backup", () => {
        const db = swarmService("postgres");
        db.props.taskSpec.containerSpec.mounts.push({ type: "volume", source: "pgdata", target: "/var/lib/postgresql/data" });
        expect(checkStack(requireStatefulBackups, [db])).to.have.length(1);
        const job = swarmService("pg-dump");
        job.props.labels.push({ label: "sophia.ai/schedule", value: "0 3 * * *" }, { label: BACKUP_OF_LABEL, value: "postgres" });
        expect(checkStack(requireStatefulBackups, [db, job])).to.deep.equal([]);
        expect(checkStack(requireStatefulBackups, [swarmService("stateless")])).to.deep.equal([]);
    });
});

describe(disallowSecretOutputs.id, () => {
    const stack = (outputs: Obj) => res(STACK, "sophia-test", outputs);
    const k8sSecret = res("kubernetes:core/v1:Secret", "s", { stringData: { TOKEN: "tok-1234567890" } });
    it("passes plain outputs and redacted secret outputs", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ target: "swarm", token: "[secret]" }), k8sSecret])).to.deep.equal([]);
    });
    it("fails an output carrying a secret resource's value", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ urls: { a: "https://x?t=tok-1234567890" } }), k8sSecret])).to.deep.equal([
            { urn: urnOf(STACK, "sophia-test"), message: "stack output urls.a contains a secret value in plain text" },
        ]);
    });
    it("fails an output carrying a secret config value, and the plan's marker for one", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ key: "offline-placeholder:sophia:KEY" })], {}, ["offline-placeholder:sophia:KEY"])).to.have.length(1);
        expect(checkStack(disallowSecretOutputs, [stack({ key: PLAINTEXT_SECRET_MARKER })])).to.have.length(1);
    });
    it("passes outputs a preview cannot know yet, and ignores secret values that are themselves unknown", () => {
        const pending = res("kubernetes:core/v1:Secret", "p", { stringData: { TOKEN: UNKNOWN } });
        expect(checkStack(disallowSecretOutputs, [stack({ bucketArn: UNKNOWN, note: "value [unknown] here" }), pending], {}, [UNKNOWN])).to.deep.equal([]);
    });
    it("finds a secret in a list output, a Kubernetes Secret's base64 data and a Docker secret, and names the output's path", () => {
        const encoded = (text: string) => Buffer.from(text, "utf8").toString("base64");
        const k8sData = res("kubernetes:core/v1:Secret", "d", { data: { PASSWORD: encoded("pg-password-123") } });
        const dockerSecret = res("docker:index/secret:Secret", "docker", { data: encoded("docker-secret-456") });
        const outputs = stack({ hosts: ["plain", { dsn: "postgres://u:pg-password-123@db" }], nested: { deep: { value: "docker-secret-456" } } });
        expect(checkStack(disallowSecretOutputs, [outputs, k8sData, dockerSecret]).map((v) => v.message)).to.deep.equal([
            "stack output hosts[1].dsn contains a secret value in plain text",
            "stack output nested.deep.value contains a secret value in plain text",
        ]);
        // The base64 text itself is not the secret; a redacted Docker secret has nothing to compare.
        expect(checkStack(disallowSecretOutputs, [stack({ raw: encoded("pg-password-123") }), k8sData])).to.deep.equal([]);
        expect(checkStack(disallowSecretOutputs, [stack({ a: "[secret]-tail" }), res("docker:index/secret:Secret", "r", { data: "[secret]" })])).to.deep.equal(
            [],
        );
    });
    it("ignores secrets shorter than 8 characters, which would match everywhere, and a stack without its stack resource", () => {
        expect(checkStack(disallowSecretOutputs, [stack({ flag: "true", port: "6379" })], {}, ["true", "6379"])).to.deep.equal([]);
        expect(checkStack(disallowSecretOutputs, [stack({ token: "12345678" })], {}, ["12345678"])).to.have.length(1);
        expect(checkStack(disallowSecretOutputs, [k8sSecret], {}, ["tok-1234567890"])).to.deep.equal([]);
    });
    it("redacts leaked values before a plan is written", () => {
        expect(redactPlainSecrets({ a: ["x", "pre-s3cr3tvalue"], b: "[secret]" }, ["s3cr3tvalue", undefined])).to.deep.equal({
            a: ["x", PLAINTEXT_SECRET_MARKER],
            b: "[secret]",
        });
        expect(redactPlainSecrets({ n: { deep: "s3cr3tvalue", port: 5432, on: true, none: null } }, ["s3cr3tvalue", "short"])).to.deep.equal({
            n: { deep: PLAINTEXT_SECRET_MARKER, port: 5432, on: true, none: null },
        });
        expect(redactPlainSecrets({ port: "5432", name: "short" }, ["short"])).to.deep.equal({ port: "5432", name: "short" });
        expect(redactPlainSecrets(undefined, ["s3cr3tvalue"])).to.deep.equal({});
    });
});
