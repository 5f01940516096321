// The offline plan of another Pulumi project of the repository (the cluster project): its program
// under the same recording mocks as the platform's, its artifacts (rendered scripts) written out,
// secrets redacted, and the cost and capacity the program reports.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { contributedArtifacts } from "../../components/artifacts";
import { redactPlainSecrets } from "../../policies/stack/disallowSecretOutputs";
import { clusterEscProvidedKeys } from "../../clusters/settings";
import { offlineIp } from "../../clusters/offline";
import type { ClusterCost } from "../../clusters/pricing";
import type { PoolCapacity } from "../../clusters/capacity";
import { replaceDirectory } from "../files";
import { InvalidInputError } from "../../stacks/problems";
import { evaluateProgram } from "./evaluate";
import { RecordedResource, RecordingMonitor } from "./recorder";
import { readStackConfig } from "./stackConfig";

export interface ProjectPlanFile {
    stack: string;
    project: string;
    resources: RecordedResource[];
    summary: {
        resourceCount: number;
        byType: Record<string, number>;
        placeholders: string[];
        artifacts: string[];
        pools?: PoolCapacity[];
        instances?: PlannedInstance[];
        rulesets?: { name: string; region: string }[];
        cost?: ClusterCost;
    };
    outputs: Record<string, unknown>;
}

/** An instance of the cluster stack and the firewall ruleset it carries from launch. */
export interface PlannedInstance {
    name: string;
    pool: string;
    instanceType: string;
    region: string;
    ruleset: string;
}

export type ProjectPlanResult = { status: "invalid-input"; error: InvalidInputError } | { status: "planned"; plan: ProjectPlanFile; dir: string; text: string };

/** Dynamic resources carry their provider's serialized code; the plan names it instead. */
const PROVIDER_CODE = "[serialized dynamic provider]";

const isMachine = (args: pulumi.runtime.MockResourceArgs): boolean =>
    args.type === "pulumi-nodejs:dynamic:Resource" && typeof (args.inputs as { instanceType?: unknown }).instanceType === "string";

/** The recording monitor, with stand-in addresses for machines: only a launch knows the real ones. */
export class ProjectMonitor extends RecordingMonitor {
    constructor() {
        super();
        const self = this as unknown as { mocks: pulumi.runtime.Mocks };
        const base = self.mocks;
        self.mocks = {
            call: (args) => base.call(args),
            newResource: async (args) => {
                const result = await base.newResource(args);
                if (!isMachine(args)) return result;
                const name = String((args.inputs as { name: unknown }).name);
                return { ...result, state: { ...result.state, ip: offlineIp(name), privateIp: `offline-private-ip-of-${name}`, status: "active" } };
            },
        };
    }
}

async function artifactsOf(): Promise<Map<string, string>> {
    const artifacts = new Map<string, string>();
    for (const [file, output] of contributedArtifacts()) {
        const internal = output as unknown as { isSecret: Promise<boolean>; promise(): Promise<string> };
        if (await internal.isSecret) throw new Error(`artifact ${file} contains a secret value`);
        artifacts.set(file, await internal.promise());
    }
    return artifacts;
}

/** Plans one stack of the project at `projectDir` into <out>/<project>/<stack>/. One stack per process. */
export async function planProjectStack(options: { projectDir: string; stack: string; out: string }): Promise<ProjectPlanResult> {
    const stackConfig = readStackConfig(options.projectDir, options.stack, (environments) => clusterEscProvidedKeys(environments));
    // Config as the Pulumi runtime receives it, as the platform's plan takes it: overrides, secret where said.
    Object.assign(stackConfig.config, JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>);
    stackConfig.secretKeys.push(...(JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[]));
    let evaluation;
    try {
        evaluation = await evaluateProgram(path.join(options.projectDir, "index"), stackConfig, new ProjectMonitor());
    } catch (error) {
        if (error instanceof InvalidInputError) return { status: "invalid-input", error };
        throw error;
    }
    const resources = evaluation.resources.map((r) => ("__provider" in r.inputs ? { ...r, inputs: { ...r.inputs, __provider: PROVIDER_CODE } } : r));
    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const artifacts = await artifactsOf();
    const outputs = redactPlainSecrets(
        evaluation.stackOutputs,
        stackConfig.secretKeys.map((k) => stackConfig.config[k]),
    );
    const plan: ProjectPlanFile = {
        stack: options.stack,
        project: stackConfig.project,
        resources,
        summary: {
            resourceCount: resources.length,
            byType,
            placeholders: stackConfig.placeholders,
            artifacts: [...artifacts.keys()].sort(),
            pools: outputs.pools as PoolCapacity[] | undefined,
            instances: outputs.instances as PlannedInstance[] | undefined,
            rulesets: outputs.firewallRulesets as { name: string; region: string }[] | undefined,
            cost: outputs.cost as ClusterCost | undefined,
        },
        outputs,
    };
    const dir = path.join(options.out, stackConfig.project, options.stack);
    replaceDirectory(dir, new Map([["plan.json", JSON.stringify(plan, null, 2) + "\n"], ...artifacts]));
    return { status: "planned", plan, dir, text: formatProjectPlan(plan) };
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

function instanceLines(plan: ProjectPlanFile): string[] {
    const lines: string[] = [];
    if (plan.summary.instances) {
        lines.push("", "Instances              pool           instance type            region            firewall ruleset");
        for (const i of plan.summary.instances)
            lines.push(`  ${i.name.padEnd(20)} ${i.pool.padEnd(14)} ${i.instanceType.padEnd(24)} ${i.region.padEnd(17)} ${i.ruleset}`);
    }
    if (plan.summary.rulesets) {
        lines.push("", "Firewall rulesets (one per region, attached at launch; the account-wide /firewall-rules list is never touched)");
        for (const r of plan.summary.rulesets) lines.push(`  ${r.name.padEnd(30)} ${r.region}`);
    }
    return lines;
}

/** The pools table, with a note under it for each pool whose GPUs go unused. */
function poolLines(plan: ProjectPlanFile): string[] {
    if (!plan.summary.pools) return [];
    const lines: string[] = [];
    lines.push("", "Pools            role      instance type            nodes  vCPU/node  GiB/node  GPUs/node");
    for (const p of plan.summary.pools) {
        lines.push(
            `  ${p.pool.padEnd(14)} ${p.role.padEnd(9)} ${p.instanceType.padEnd(24)} ${String(p.nodes).padStart(5)} ${String(p.vcpus).padStart(10)} ${String(p.memoryGib).padStart(9)} ${String(p.gpus).padStart(10)}`,
        );
    }
    // Why GPU machines whose GPUs nobody uses, and the cheapest alternative: from the same price list as the cost.
    for (const idle of plan.summary.cost?.idleGpuPools ?? []) lines.push(`  note: ${idle.note}`);
    return lines;
}

export function formatProjectPlan(plan: ProjectPlanFile): string {
    const lines = [`Plan of stack ${plan.stack} (${plan.project})`, "", `Resources: ${plan.summary.resourceCount}`];
    for (const [type, n] of Object.entries(plan.summary.byType).sort()) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    lines.push(...poolLines(plan));
    lines.push(...instanceLines(plan));
    const cost = plan.summary.cost;
    if (cost) {
        const from = cost.pricesFrom === "api" ? "from the API" : "DATED FALLBACK";
        lines.push("", `Cost (on-demand prices ${from}, as of ${cost.asOf}; ${cost.source}):`);
        for (const p of cost.pools) {
            const capacity = p.capacityNow === undefined ? "capacity unknown" : p.capacityNow ? "capacity now" : `NO CAPACITY in ${p.region} now`;
            lines.push(
                `  ${p.pool.padEnd(14)} ${p.count} × ${p.instanceType.padEnd(24)} ${usd(p.usdPerHour).padStart(9)}/h ${usd(p.usdPerMonth).padStart(11)}/month  ${capacity}`,
            );
        }
        lines.push(`  ${"total".padEnd(14)} ${" ".repeat(30)} ${usd(cost.usdPerHour).padStart(9)}/h ${usd(cost.usdPerMonth).padStart(11)}/month`);
    }
    lines.push("", `Artifacts: ${plan.summary.artifacts.length} (${plan.summary.artifacts.join(", ")})`);
    if (plan.summary.placeholders.length > 0) lines.push("", `Offline placeholders stood in for: ${plan.summary.placeholders.join(", ")}`);
    return lines.join("\n");
}
