// The generators of the knowledge base's pages on inputs the committed pages do not show: shapes of
// plans, catalogs and stack lists that a new stack, server or finding would bring.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanFile } from "../commands/plan/planFile";
import type { RecordedResource } from "../commands/plan/recorder";
import { loadCatalog } from "../catalog";
import { TARGETS } from "../catalog/schema";
import { stackDiagram } from "../docs/generate/architecture";
import { renderScannerFindings } from "../docs/generate/scannerFindings";
import { renderServiceReference } from "../docs/generate/services";
import { projectStacks, stackSettings } from "../docs/generate/stacks";

const STACK_URN = "urn:pulumi:dev::sophia::pulumi:pulumi:Stack::sophia-dev";

/** A resource of a hand-made plan: a component when no `custom` is given. */
function resource(type: string, name: string, fields: Partial<RecordedResource> = {}): RecordedResource {
    return { urn: `urn:${type}::${name}`, type, name, parent: STACK_URN, custom: false, inputs: {}, dependsOn: [], ...fields };
}

const child = (parent: RecordedResource, type: string, name: string, inputs: Record<string, unknown> = {}, fields: Partial<RecordedResource> = {}) =>
    resource(type, name, { parent: parent.urn, custom: true, inputs, ...fields });

const deployment = (parent: RecordedResource, name: string, namespace: string) =>
    child(parent, "kubernetes:apps/v1:Deployment", name, { metadata: { namespace } });

const planOf = (resources: RecordedResource[]): PlanFile =>
    ({
        stack: "dev",
        project: "sophia",
        target: "kubernetes",
        resources: [resource("pulumi:pulumi:Stack", "sophia-dev", { parent: null }), ...resources],
    }) as PlanFile;

/** The diagram's lines without its fences. */
const diagramLines = (resources: RecordedResource[]): string[] => stackDiagram(planOf(resources)).split("\n").slice(2, -1);

describe("the architecture diagram", () => {
    it("places a component in the namespace of its workloads, and not by a workload's list or patch", () => {
        const web = resource("sophia:web:Web", "web");
        const patcher = resource("sophia:patch:Patcher", "patcher");
        const lines = diagramLines([
            web,
            deployment(web, "web-deployment", "sophia-web"),
            patcher,
            child(patcher, "kubernetes:apps/v1:DeploymentPatch", "patch", { metadata: { namespace: "sophia-web" } }),
            child(patcher, "kubernetes:apps/v1:StatefulSetList", "list", { metadata: { namespace: "sophia-web" } }),
            child(patcher, "kubernetes:batch/v1:CronJobPatch", "cron-patch", { metadata: { namespace: "sophia-web" } }),
        ]);
        expect(lines).to.deep.equal(['    subgraph sophia-web["sophia-web"]', '        Web["Web"]', "    end", '    Patcher["Patcher"]']);
    });

    it("places a component whose only workload is a StatefulSet or a CronJob (a database, a backup job) in its namespace", () => {
        const db = resource("sophia:db:Database", "db");
        const backup = resource("sophia:backup:Backup", "backup");
        const lines = diagramLines([
            db,
            child(db, "kubernetes:apps/v1:StatefulSet", "db", { metadata: { namespace: "sophia-data" } }),
            backup,
            child(backup, "kubernetes:batch/v1:CronJob", "backup", { metadata: { namespace: "sophia-backup" } }),
        ]);
        expect(lines).to.deep.equal([
            '    subgraph sophia-backup["sophia-backup"]',
            '        Backup["Backup"]',
            "    end",
            '    subgraph sophia-data["sophia-data"]',
            '        Database["Database"]',
            "    end",
        ]);
    });

    it("draws a component whose workloads span namespaces once, in the first, and each namespace's components sorted", () => {
        const zeta = resource("sophia:z:Zeta", "zeta");
        const alpha = resource("sophia:a:Alpha", "alpha");
        const lines = diagramLines([zeta, deployment(zeta, "z-in-b", "b"), deployment(zeta, "z-in-a", "a"), alpha, deployment(alpha, "a-in-a", "a")]);
        expect(lines).to.deep.equal(['    subgraph a["a"]', '        Alpha["Alpha"]', '        Zeta["Zeta"]', "    end", '    subgraph b["b"]', "    end"]);
    });

    it("gives a group whose name Mermaid cannot take as an id one it can, keeping the name as its label", () => {
        const web = resource("sophia:web:Web", "web");
        const lines = diagramLines([web, deployment(web, "web-deployment", "team.web/prod")]);
        expect(lines[0]).to.equal('    subgraph team_web_prod["team.web/prod"]');
    });

    it("places a Swarm service in its first network by the Network resource's name, and one without networks nowhere", () => {
        const mcp = resource("sophia:mcp:Mcp", "mcp");
        const idle = resource("sophia:idle:Idle", "idle");
        const network = child(mcp, "docker:index/network:Network", "overlay", { name: "sophia_mcp" });
        // Another resource sharing the network's resource name does not name the network.
        const namesake = child(mcp, "docker:index/secret:Secret", "overlay", { name: "not-a-network" });
        const lines = diagramLines([
            mcp,
            network,
            namesake,
            child(mcp, "docker:index/service:Service", "svc", { taskSpec: { networksAdvanceds: [{ name: "overlay-id" }, { name: "other-id" }] } }),
            idle,
            child(idle, "docker:index/service:Service", "idle-svc", { taskSpec: { networksAdvanceds: [] } }),
        ]);
        expect(lines).to.deep.equal(['    subgraph sophia_mcp["sophia_mcp"]', '        Mcp["Mcp"]', "    end", '    Idle["Idle"]']);
    });

    it("draws traffic only from NetworkPolicies inside a component, from the namespaces they admit", () => {
        const api = resource("sophia:api:Api", "api");
        const web = resource("sophia:web:Web", "web");
        const ingressFrom = (namespace: string) => ({
            spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } }] }] },
        });
        const lines = diagramLines([
            api,
            deployment(api, "api-deployment", "sophia-api"),
            web,
            deployment(web, "web-deployment", "sophia-web"),
            child(api, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "api-netpol", ingressFrom("sophia-web")),
            // A policy of another kind with the same fields, and a policy outside any component, draw nothing.
            child(web, "kubernetes:crd.projectcalico.org/v1:NetworkPolicy", "web-calico", ingressFrom("sophia-api")),
            resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "loose-netpol", { custom: true, inputs: ingressFrom("sophia-api") }),
        ]);
        expect(lines.filter((l) => l.includes("->"))).to.deep.equal(["    Web -. traffic .-> Api"]);
    });

    it("draws a dependency between components, and none to a resource that belongs to no component", () => {
        const app = resource("sophia:app:App", "app");
        const db = resource("sophia:db:Db", "db");
        const provider = resource("pulumi:providers:kubernetes", "cluster", { custom: true });
        const secret = child(db, "kubernetes:core/v1:Secret", "db-secret");
        const lines = diagramLines([
            app,
            db,
            secret,
            provider,
            child(app, "kubernetes:apps/v1:Deployment", "app-deployment", { metadata: { namespace: "a" } }, { dependsOn: [secret.urn, provider.urn] }),
        ]);
        expect(lines.filter((l) => l.includes("->"))).to.deep.equal(["    App --> Db"]);
    });
});

describe("the service reference", () => {
    const catalog = loadCatalog();

    it("names a server's pinned digest and the targets it is limited to, and neither when it has none", () => {
        const [first, ...rest] = catalog.servers;
        const digest = `sha256:${"ab".repeat(32)}`;
        const limited = { ...catalog, servers: [{ ...first, digest, targets: ["kubernetes" as const] }, ...rest] };
        const sectionOf = (text: string) => text.slice(text.indexOf(`\n## ${first.name}\n`)).split("\n## ")[1];
        const section = sectionOf(renderServiceReference(limited, stackSettings()));
        expect(section).to.include(`- **Digest:** \`${digest}\``);
        expect(section).to.include("- **Deployed on:** `kubernetes` only; stacks on other targets leave it out");
        const plain = sectionOf(
            renderServiceReference({ ...catalog, servers: [{ ...first, digest: undefined, targets: [...TARGETS] }, ...rest] }, stackSettings()),
        );
        expect(plain).not.to.include("**Digest:**");
        expect(plain).not.to.include("**Deployed on:**");
    });

    it("renders without any stack: a row per server and no per-stack sizes", () => {
        const text = renderServiceReference(catalog, []);
        for (const server of catalog.servers) expect(text).to.include(`| [${server.name}](#${server.name}) |`);
        expect(text).not.to.include("**Resources (");
    });
});

describe("the stacks the generated pages show", () => {
    it("come in promotion order, dev, staging, prod, then any other by name", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-stacks-"));
        for (const stack of ["zeta", "prod", "alpha", "staging", "dev", "prod-dr"]) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "config: {}\n");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: sophia\n");
        expect(projectStacks(dir)).to.deep.equal(["dev", "staging", "prod", "alpha", "prod-dr", "zeta"]);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("the scanner findings page", () => {
    it("writes each accepted finding's reason on one line, its spaces and line breaks folded", () => {
        const text = renderScannerFindings([
            { check: "CKV_K8S_1", resources: ["Deployment.a.*", "Pod.b"], reason: "  Runs as root\n   because  the\timage needs it. \n" },
        ]);
        expect(text.trimEnd().split("\n").pop()).to.equal("| CKV_K8S_1 | `Deployment.a.*`, `Pod.b` | Runs as root because the image needs it. |");
    });
});
