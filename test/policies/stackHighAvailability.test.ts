import { expect } from "chai";
import { requireCriticalHighAvailability } from "../../policies/stack/requireCriticalHighAvailability";
import { checkStack, spreadDeployment, swarmService, urnOf, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const TIER = "sophia.ai/tier";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const res = (type: string, name: string, props: Obj): Fixture => ({ type, urn: urnOf(type, name), name, props });
const check = (resources: Fixture[]) => checkStack(requireCriticalHighAvailability, resources);

/** The "api" Deployment spread across nodes, with `replicas` (undefined: left to an autoscaler) and the tier labels given. */
const api = (replicas: number | undefined, labels: Obj = { [TIER]: "critical" }, spread = true) => spreadDeployment("api", replicas, labels, spread);

const pdb = (name: string, matchLabels: Obj | undefined, namespace = "sophia-mcp") =>
    res(PDB, name, { metadata: { name, namespace }, spec: { maxUnavailable: 1, ...(matchLabels ? { selector: { matchLabels } } : {}) } });
const apiPdb = pdb("api-pdb", { "app.kubernetes.io/name": "api" });
const hpa = (name: string, target: string, minReplicas: number, namespace = "sophia-mcp", type = HPA, kind = "Deployment") =>
    res(type, name, { metadata: { name, namespace }, spec: { minReplicas, maxReplicas: 6, scaleTargetRef: { kind, name: target } } });
const pdbSelecting = (name: string, selector: Obj) => res(PDB, name, { metadata: { name, namespace: "sophia-mcp" }, spec: { maxUnavailable: 1, selector } });

describe(`${requireCriticalHighAvailability.id}: the PodDisruptionBudget must select the workload's pods`, () => {
    const noPdb = "critical workload api has no PodDisruptionBudget";
    it("counts a PDB in the workload's namespace selecting its pods", () => expect(check([api(2), apiPdb])).to.deep.equal([]));
    it("does not count a PDB without a selector, which protects no pods", () =>
        expect(check([api(2), pdb("bare-pdb", undefined)]).map((v) => v.message)).to.deep.equal([noPdb]));
    it("does not count a PDB selecting another app's pods", () =>
        expect(check([api(2), pdb("web-pdb", { "app.kubernetes.io/name": "web" })]).map((v) => v.message)).to.deep.equal([noPdb]));
    it("does not count a PDB whose selector also needs a label the pods lack", () => {
        const narrow = pdb("cache-pdb", { "app.kubernetes.io/name": "api", "app.kubernetes.io/component": "cache" });
        expect(check([api(2), narrow]).map((v) => v.message)).to.deep.equal([noPdb]);
    });
    it("counts a PDB with an empty selector, which in policy/v1 takes every pod of its namespace", () =>
        expect(check([api(2), pdbSelecting("all-pdb", {})])).to.deep.equal([]));
    it("reads matchExpressions as the API does: In, NotIn, Exists and DoesNotExist, each required", () => {
        const name = "app.kubernetes.io/name";
        const taking: Obj[] = [
            { key: name, operator: "In", values: ["web", "api"] },
            { key: name, operator: "NotIn", values: ["web"] },
            { key: name, operator: "Exists" },
            { key: "app.kubernetes.io/component", operator: "DoesNotExist" },
            { key: "app.kubernetes.io/component", operator: "NotIn", values: ["cache"] },
        ];
        const refusing: Obj[] = [
            { key: name, operator: "In", values: ["web"] },
            { key: name, operator: "NotIn", values: ["api"] },
            { key: "app.kubernetes.io/component", operator: "Exists" },
            { key: name, operator: "DoesNotExist" },
            { key: name, operator: "Matches", values: ["api"] },
        ];
        for (const requirement of taking)
            expect(check([api(2), pdbSelecting("expr-pdb", { matchExpressions: [requirement] })]), JSON.stringify(requirement)).to.deep.equal([]);
        for (const requirement of refusing)
            expect(
                check([api(2), pdbSelecting("expr-pdb", { matchExpressions: [requirement] })]).map((v) => v.message),
                JSON.stringify(requirement),
            ).to.deep.equal([noPdb]);
        const both = { matchLabels: { [name]: "api" }, matchExpressions: [taking[0], refusing[2]] };
        expect(
            check([api(2), pdbSelecting("expr-pdb", both)]).map((v) => v.message),
            "every requirement must hold",
        ).to.deep.equal([noPdb]);
    });
    it("does not count a PDB in another namespace", () =>
        expect(check([api(2), pdb("other-pdb", { "app.kubernetes.io/name": "api" }, "sophia-data")]).map((v) => v.message)).to.deep.equal([noPdb]));
});

describe(`${requireCriticalHighAvailability.id}: the PodDisruptionBudget must keep a pod through a drain`, () => {
    const budget = (figures: Obj) =>
        res(PDB, "api-pdb", {
            metadata: { name: "api-pdb", namespace: "sophia-mcp" },
            spec: { ...figures, selector: { matchLabels: { "app.kubernetes.io/name": "api" } } },
        });
    it("counts a budget that keeps at least one of the replicas: a count or a percentage, rounded up as the disruption controller does", () => {
        for (const figures of [{ maxUnavailable: 1 }, { maxUnavailable: "50%" }, { minAvailable: 1 }, { minAvailable: "1%" }, {}])
            expect(check([api(2), budget(figures)]), JSON.stringify(figures)).to.deep.equal([]);
    });
    it("does not count a budget that lets a drain take every pod, naming it and its figure", () => {
        for (const [figures, text] of [
            [{ maxUnavailable: 2 }, "maxUnavailable 2"],
            [{ maxUnavailable: "100%" }, "maxUnavailable 100%"],
            [{ maxUnavailable: "51%" }, "maxUnavailable 51%"],
            [{ minAvailable: 0 }, "minAvailable 0"],
            [{ minAvailable: "0%" }, "minAvailable 0%"],
        ] as const)
            expect(
                check([api(2), budget(figures)]).map((v) => v.message),
                JSON.stringify(figures),
            ).to.deep.equal([`critical workload api has only PodDisruptionBudgets that let a drain take all its 2 pods (api-pdb: ${text})`]);
    });
    it("counts the workload when any one of its budgets keeps a pod", () =>
        expect(check([api(2), budget({ maxUnavailable: "100%" }), apiPdb])).to.deep.equal([]));
});

describe(`${requireCriticalHighAvailability.id}: replicas left to an autoscaler`, () => {
    const oneReplica = "critical workload api runs 1 replica(s)";
    it("counts the minimum of the autoscaler scaling the Deployment", () =>
        expect(check([api(undefined), apiPdb, hpa("api-hpa", "api", 3)])).to.deep.equal([]));
    it("does not count an autoscaler scaling another Deployment in the namespace", () =>
        expect(check([api(undefined), apiPdb, hpa("web-hpa", "web", 3)]).map((v) => v.message)).to.deep.equal([oneReplica]));
    it("counts an autoscaling/v1 autoscaler as it counts a v2 one", () =>
        expect(check([api(undefined), apiPdb, hpa("api-hpa", "api", 3, "sophia-mcp", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler")])).to.deep.equal([]));
    it("does not count an autoscaler scaling a StatefulSet of the same name", () =>
        expect(check([api(undefined), apiPdb, hpa("api-hpa", "api", 3, "sophia-mcp", HPA, "StatefulSet")]).map((v) => v.message)).to.deep.equal([oneReplica]));
    it("does not count an autoscaler in another namespace, though it scales a Deployment of the same name", () =>
        expect(check([api(undefined), apiPdb, hpa("api-hpa-data", "api", 3, "sophia-data")]).map((v) => v.message)).to.deep.equal([oneReplica]));
});

describe(`${requireCriticalHighAvailability.id}: which workloads are critical, and the message`, () => {
    it("checks a Deployment whose pod template alone carries the critical tier", () => {
        const d = api(1, {});
        d.props.spec.template.metadata.labels = { "app.kubernetes.io/name": "api", [TIER]: "critical" };
        expect(check([d, apiPdb]).map((v) => v.message)).to.deep.equal(["critical workload api runs 1 replica(s)"]);
    });
    it("checks a Deployment whose own metadata alone carries the critical tier", () => {
        const d = api(1, {});
        d.props.metadata.labels = { "app.kubernetes.io/name": "api", [TIER]: "critical" };
        expect(check([d, apiPdb]).map((v) => v.message)).to.deep.equal(["critical workload api runs 1 replica(s)"]);
    });
    it("reports every shortfall of a critical Deployment in one message, on its URN", () => {
        const d = api(1, undefined, false);
        expect(check([d])).to.deep.equal([
            {
                urn: d.urn,
                message: "critical workload api runs 1 replica(s), has no PodDisruptionBudget, has no topology spread constraints or pod anti-affinity",
            },
        ]);
    });
});

describe(`${requireCriticalHighAvailability.id}: Swarm services`, () => {
    const criticalService = () => {
        const s = swarmService("api");
        s.props.labels.push({ label: TIER, value: "critical" });
        return s;
    };
    it("accepts at most one task per node (placement maxReplicas 1) as spread", () => {
        const s = criticalService();
        s.props.taskSpec.placement = { maxReplicas: 1 };
        expect(check([s])).to.deep.equal([]);
    });
    it("names a critical service by its Swarm service name and lists every shortfall", () => {
        const s = criticalService();
        s.props.mode.replicated.replicas = 1;
        expect(check([s])).to.deep.equal([
            { urn: s.urn, message: "critical service sophia-api runs 1 replica(s), has no placement spread (preferences or maxReplicas 1)" },
        ]);
    });
    it("ignores a service of no critical tier, even with one replica and no spread", () => {
        const s = swarmService("api");
        s.props.mode.replicated.replicas = 1;
        expect(check([s])).to.deep.equal([]);
    });
    it("ignores a Docker volume labelled critical: it is no replicated workload", () => {
        const volume = res("docker:index/volume:Volume", "pgdata", { name: "pgdata", labels: [{ label: TIER, value: "critical" }] });
        expect(check([volume])).to.deep.equal([]);
    });
});
