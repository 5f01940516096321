// A stdio server in the plans of every stack: the same new catalog entry planned twice, as a
// Streamable HTTP server and as a stdio server. The only difference is how its container starts
// (the stdio bridge, with the entry's command as its argument); its port, health check, scrape
// target, route at the edge and everything else of the platform stay as they are.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE } from "../../catalog";
import { diffPlans } from "../../commands/plan/diff";
import type { PlanFile } from "../../commands/plan/planFile";
import { STDIO_BRIDGE_PROGRAM } from "../../components/mcp-server";
import { platformStacks } from "../../esc/needs";
import { ROOT, runPlan, unusedServerSlot } from "../support/plan";

type Resource = PlanFile["resources"][number];

const WORKLOAD_TYPES = ["docker:index/service:Service", "kubernetes:apps/v1:Deployment"];

/** The new server's one workload: a Swarm service or a Deployment, child of its McpServer component. */
function workloadOf(plan: PlanFile, name: string): Resource {
    const server = plan.resources.find((r) => r.type === "sophia:platform:McpServer" && r.name === name);
    expect(server, `the McpServer ${name} in the plan of ${plan.stack}`).to.not.equal(undefined);
    const workloads = plan.resources.filter((r) => r.parent === server!.urn && WORKLOAD_TYPES.includes(r.type));
    expect(workloads, `${name}'s workload`).to.have.length(1);
    return workloads[0];
}

/** How the workload's container starts, and how its health is checked, on either target. */
function containerOf(workload: Resource): { command?: string[]; args?: string[]; health: unknown; ports: unknown } {
    const inputs = workload.inputs as any;
    if (workload.type === "docker:index/service:Service") {
        const spec = inputs.taskSpec.containerSpec;
        return { command: spec.commands, args: spec.args, health: spec.healthcheck, ports: inputs.endpointSpec };
    }
    const container = inputs.spec.template.spec.containers[0];
    return { command: container.command, args: container.args, health: [container.readinessProbe, container.livenessProbe], ports: container.ports };
}

describe("a stdio server in the stacks' plans", function () {
    this.timeout(600_000);
    const data = YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };
    const slot = unusedServerSlot(data.servers as { name: string; port: number }[]);
    const command = ["node", "/app/server.js", "--root", "/data with space"];
    const entry = { ...slot, category: "additional", purpose: "a stdio test", tier: "low", version: "1.0.0", expose: "public", clients: ["claude-desktop"] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-stdio-catalog-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const plan = (stack: string, transport: "streamable-http" | "stdio"): PlanFile => {
        const file = path.join(dir, `${stack}-${transport}.yaml`);
        const server = transport === "stdio" ? { ...entry, transport, command } : entry;
        fs.writeFileSync(file, YAML.stringify({ ...data, servers: [...data.servers, server] }));
        const run = runPlan(["--stack", stack, "--catalog", file]);
        expect(run.code, run.stderr + run.stdout).to.equal(0);
        return run.plan!;
    };

    for (const stack of platformStacks(ROOT)) {
        it(`${stack}: runs the entry behind the stdio bridge with its command, and changes nothing else`, () => {
            const [http, stdio] = [plan(stack, "streamable-http"), plan(stack, "stdio")];
            const before = containerOf(workloadOf(http, slot.name));
            const after = containerOf(workloadOf(stdio, slot.name));
            expect(before.command, "a Streamable HTTP server runs its image's entrypoint").to.equal(undefined);
            expect(before.args).to.equal(undefined);
            expect(after.command).to.deep.equal(STDIO_BRIDGE_PROGRAM);
            expect(after.args).to.deep.equal(["--health-path", "/health", "--metrics-path", "/metrics", "--", ...command]);
            expect(after.health, "the same health check, now answered by the bridge").to.deep.equal(before.health);
            expect(after.ports).to.deep.equal(before.ports);

            const diff = diffPlans(http, stdio);
            expect(diff.added).to.deep.equal([]);
            expect(diff.removed).to.deep.equal([]);
            expect(diff.changed.map((c) => c.urn)).to.deep.equal([workloadOf(stdio, slot.name).urn]);
            expect(diff.changed[0].paths).to.not.be.empty;
            for (const change of diff.changed[0].paths) expect(change).to.match(/(commands?|args)(\.|\[|$)/);
        });
    }
});
