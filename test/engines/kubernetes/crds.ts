import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { PlanFile } from "../../../commands/plan/planFile";
import { goCommand } from "./apiserver";
import type { KubeObject } from "./workloads";

/**
 * Where each custom API group's CustomResourceDefinitions are published: the operator's own Go
 * module, fetched through the Go module proxy at the release the plan's Helm chart installs.
 */
interface CrdSource {
    /** The Helm chart of the plan that installs the operator (and so fixes its release). */
    chart: string;
    module: string;
    /** The operator release a chart version ships; undefined when the chart version is the release. */
    releases?: Record<string, string>;
    folder: string;
}

export const CRD_SOURCES: Record<string, CrdSource> = {
    "monitoring.coreos.com": {
        chart: "kube-prometheus-stack",
        module: "github.com/prometheus-operator/prometheus-operator",
        // The chart's appVersion: the Prometheus Operator release whose CRDs it installs.
        releases: { "88.5.3": "v0.93.1" },
        folder: "example/prometheus-operator-crd",
    },
    "cert-manager.io": { chart: "cert-manager", module: "github.com/cert-manager/cert-manager", folder: "deploy/crds" },
};

export interface OperatorCrds {
    group: string;
    source: string;
    crds: KubeObject[];
    /** Chart-template labels and annotations left out because they are not Kubernetes values. */
    dropped: string[];
}

function chartVersion(plan: PlanFile, chart: string): string {
    const release = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart);
    if (!release) throw new Error(`the plan renders ${chart} custom resources but has no ${chart} Helm release to take the CRD version from`);
    return String(release.inputs.version);
}

function moduleDir(module: string, version: string, scratch: string): string {
    const run = spawnSync(goCommand(), ["mod", "download", "-json", `${module}@${version}`], { cwd: scratch, encoding: "utf8", timeout: 300_000 });
    if (run.status !== 0) throw new Error(`go mod download ${module}@${version} failed: ${run.stderr}${run.stdout}`);
    return (JSON.parse(run.stdout) as { Dir: string }).Dir;
}

/** A chart template's `{{ ... }}` label or annotation is no Kubernetes value: leave it out and say so. */
function withoutTemplateMetadata(crd: KubeObject, dropped: string[]): KubeObject {
    const metadata = { ...crd.metadata };
    for (const field of ["labels", "annotations"]) {
        const values = metadata[field] as Record<string, string> | undefined;
        if (!values) continue;
        const kept = Object.entries(values).filter(([key, value]) => {
            const template = String(value).includes("{{");
            if (template) dropped.push(`${crd.metadata.name} ${field}.${key}`);
            return !template;
        });
        metadata[field] = kept.length > 0 ? Object.fromEntries(kept) : undefined;
    }
    return { ...crd, metadata };
}

/** The published CRDs of one custom API group, at the release the plan installs. */
export function operatorCrds(group: string, plan: PlanFile, scratch: string): OperatorCrds {
    const source = CRD_SOURCES[group];
    if (!source) throw new Error(`no published CRD source is known for API group ${group}: add it to CRD_SOURCES`);
    const chart = chartVersion(plan, source.chart);
    const version = source.releases ? source.releases[chart] : chart;
    if (!version) throw new Error(`${source.chart} ${chart}: which ${source.module} release does it install? Add it to CRD_SOURCES["${group}"].releases`);
    const folder = path.join(moduleDir(source.module, version, scratch), source.folder);
    const dropped: string[] = [];
    const crds = fs
        .readdirSync(folder)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(folder, f), "utf8")).map((d) => d.toJSON() as KubeObject | null))
        .filter((d): d is KubeObject => d?.kind === "CustomResourceDefinition")
        .map((crd) => withoutTemplateMetadata(crd, dropped));
    return { group, source: `${source.module}@${version}/${source.folder}`, crds, dropped };
}
