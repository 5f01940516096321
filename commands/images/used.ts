import { HELM_RELEASE } from "../../policies/helm/values";
import { imagesOf } from "../../policies/workloads/containers";
import * as path from "path";
import { UsageError } from "../command";
import { PlanFile, readPlanFile } from "../plan/planFile";

/** A Helm release of a plan: its images come from the chart, rendered with these values (helm template). */
export interface HelmReleaseImages {
    readonly stack: string;
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
    readonly namespace: string;
    /** The release's values as planned: their image keys point at the stack's registry mirror. */
    readonly values: unknown;
}

export interface StackImages {
    readonly stack: string;
    /** Every image a workload or Swarm service runs, as pulled (ours from the registry, upstream through its mirror). */
    readonly images: readonly string[];
    readonly helmReleases: readonly HelmReleaseImages[];
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** What a plan pulls: workload images, and the Helm releases whose charts name further images. */
export function imagesOfPlan(plan: PlanFile): StackImages {
    const images = new Set<string>();
    const helmReleases: HelmReleaseImages[] = [];
    for (const resource of plan.resources) {
        const props = resource.inputs ?? {};
        for (const { image } of imagesOf({ type: resource.type, props })) if (image) images.add(image);
        if (resource.type !== HELM_RELEASE) continue;
        helmReleases.push({
            stack: plan.stack,
            name: text(props.name) || resource.name,
            chart: text(props.chart),
            version: text(props.version),
            repo: text((props.repositoryOpts as Record<string, unknown> | undefined)?.repo),
            namespace: text(props.namespace),
            values: props.values ?? {},
        });
    }
    return { stack: plan.stack, images: [...images].sort(), helmReleases };
}

/** The images of several stacks together: each image once, with the stacks that pull it. */
export function mergeStacks(stacks: readonly StackImages[]): { images: { image: string; stacks: string[] }[]; helmReleases: HelmReleaseImages[] } {
    const byImage = new Map<string, Set<string>>();
    for (const s of stacks) for (const image of s.images) byImage.set(image, (byImage.get(image) ?? new Set()).add(s.stack));
    return {
        images: [...byImage.keys()].sort().map((image) => ({ image, stacks: [...byImage.get(image)!].sort() })),
        helmReleases: stacks.flatMap((s) => s.helmReleases),
    };
}

/** Each stack's plan, <plansDir>/<stack>/plan.json; a missing or unreadable one is a usage error naming the command that writes it. */
export function readStackPlans(stacks: readonly string[], plansDir: string): PlanFile[] {
    return stacks.map((stack) => {
        try {
            return readPlanFile(path.join(plansDir, stack, "plan.json"));
        } catch (error) {
            throw new UsageError(`cannot read the plan of ${stack}: ${(error as Error).message} (run npx sophia plan --stack ${stack} --out ${plansDir})`);
        }
    });
}
