// Parity of one environment on two targets: the same platform program planned as Swarm and as K3s,
// compared on what must not change when the environment moves (docs/04-deployment/migrate-swarm-to-k3s.md).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { kubernetesProps, list, swarmProps } from "../../policies/shapes";
import type { PlanFile } from "./planFile";
import type { RecordedResource } from "./recorder";

/** What an environment offers, independent of the target it runs on. */
export interface EnvironmentShape {
    readonly servers: string[];
    /** Base replicas per MCP server (a Deployment under an autoscaler counts its minimum). */
    readonly replicas: Record<string, number>;
    readonly secrets: string[];
    readonly alerts: string[];
    readonly routes: string[];
    /** Backup components and the buckets they write to. */
    readonly backups: string[];
}

const SERVER_LABEL = "sophia.ai/mcp-server";

/** The minimum replicas of each autoscaled Deployment, by name. */
function autoscalerMinimums(plan: PlanFile): Map<string, number> {
    const minimums = new Map<string, number>();
    for (const r of plan.resources.filter((x) => x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
        const spec = kubernetesProps({ props: r.inputs }).spec;
        minimums.set(spec?.scaleTargetRef?.name ?? "", spec?.minReplicas ?? 1);
    }
    return minimums;
}

function swarmReplicas(r: RecordedResource): [string, number] | undefined {
    const inputs = swarmProps({ props: r.inputs });
    const server = (list(inputs.labels) as { label: string; value: string }[]).find((l) => l.label === SERVER_LABEL)?.value;
    return server ? [server, inputs.mode?.replicated?.replicas ?? 1] : undefined;
}

function deploymentReplicas(r: RecordedResource, minimums: Map<string, number>): [string, number] | undefined {
    const inputs = kubernetesProps({ props: r.inputs });
    const server = inputs.metadata?.labels?.[SERVER_LABEL];
    return server ? [server, inputs.spec?.replicas ?? minimums.get(inputs.metadata?.name ?? "") ?? 1] : undefined;
}

function replicasOf(plan: PlanFile): Record<string, number> {
    const minimums = autoscalerMinimums(plan);
    const pairs = plan.resources.map((r) => {
        if (r.type === "docker:index/service:Service") return swarmReplicas(r);
        return r.type === "kubernetes:apps/v1:Deployment" ? deploymentReplicas(r, minimums) : undefined;
    });
    return Object.fromEntries(pairs.filter((p): p is [string, number] => p !== undefined));
}

/** Alert names in the rule files the plan wrote. */
function alertsIn(planDir: string): string[] {
    const dir = path.join(planDir, "monitoring", "rules");
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).flatMap((file) => {
        const doc = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { groups?: { rules?: { alert?: string }[] }[] };
        return (doc.groups ?? []).flatMap((g) => (g.rules ?? []).flatMap((r) => (r.alert ? [`${file}: ${r.alert}`] : [])));
    });
}

function backupsOf(plan: PlanFile): string[] {
    const components = plan.resources.filter((r) => /Backup/.test(r.type) && !r.custom).map((r) => `${r.type.split(":").pop()} ${r.name}`);
    const buckets = plan.outputs.backupBuckets as Record<string, unknown> | undefined;
    return [...components, ...Object.keys(buckets ?? {}).map((k) => `bucket ${k}`)];
}

export function environmentShape(plan: PlanFile, planDir: string): EnvironmentShape {
    const sorted = (xs: string[]) => [...new Set(xs)].sort();
    return {
        servers: sorted(plan.resources.filter((r) => r.type === "sophia:platform:McpServer").map((r) => r.name)),
        replicas: replicasOf(plan),
        secrets: sorted(Object.keys(plan.summary.secretInventory)),
        alerts: sorted(alertsIn(planDir)),
        routes: sorted((plan.outputs.edgeHosts as string[] | undefined) ?? []),
        backups: sorted(backupsOf(plan)),
    };
}

export interface ParityDifference {
    readonly aspect: keyof EnvironmentShape;
    readonly item: string;
    readonly before: string;
    readonly after: string;
}

const ASPECTS: (keyof EnvironmentShape)[] = ["servers", "replicas", "secrets", "alerts", "routes", "backups"];

/** Every difference between two shapes: items only on one side, and replica counts that differ. */
export function compareShapes(before: EnvironmentShape, after: EnvironmentShape): ParityDifference[] {
    const differences: ParityDifference[] = [];
    for (const aspect of ASPECTS) {
        if (aspect === "replicas") {
            for (const server of [...new Set([...Object.keys(before.replicas), ...Object.keys(after.replicas)])].sort()) {
                const [b, a] = [before.replicas[server], after.replicas[server]];
                if (b !== a) differences.push({ aspect, item: server, before: String(b ?? "absent"), after: String(a ?? "absent") });
            }
            continue;
        }
        const [b, a] = [new Set(before[aspect]), new Set(after[aspect])];
        for (const item of [...b].filter((x) => !a.has(x))) differences.push({ aspect, item, before: "present", after: "absent" });
        for (const item of [...a].filter((x) => !b.has(x))) differences.push({ aspect, item, before: "absent", after: "present" });
    }
    return differences;
}

export function formatParity(stack: string, from: string, to: string, before: EnvironmentShape, differences: readonly ParityDifference[]): string {
    const lines = [`Parity of stack ${stack}: ${from} → ${to}`, ""];
    for (const aspect of ASPECTS) {
        const count = aspect === "replicas" ? Object.keys(before.replicas).length : before[aspect].length;
        const own = differences.filter((d) => d.aspect === aspect);
        lines.push(`  ${aspect.padEnd(9)} ${String(count).padStart(4)} on ${from}: ${own.length === 0 ? "same" : `${own.length} difference(s)`}`);
        for (const d of own) lines.push(`      ${d.item}: ${from} ${d.before}, ${to} ${d.after}`);
    }
    lines.push("", differences.length === 0 ? "No differences." : `${differences.length} difference(s): resolve or accept each before the cut-over.`);
    return lines.join("\n");
}
