import * as pulumi from "@pulumi/pulumi";

/**
 * Rendered files a component wants reviewers to see (prometheus.yml, rules, dashboards...), by
 * path relative to the plan's stack folder, e.g. "monitoring/prometheus.yml". Components add the
 * same text they deploy; the plan writes them out. Contents must never hold secret values.
 */
const artifacts = new Map<string, pulumi.Output<string>>();

export function contributeArtifact(relativePath: string, content: pulumi.Input<string>): void {
    if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/i.test(relativePath)) {
        throw new Error(`artifact path must be relative and plain, got "${relativePath}"`);
    }
    if (artifacts.has(relativePath)) throw new Error(`artifact ${relativePath} is contributed twice`);
    artifacts.set(relativePath, pulumi.output(content));
}

/** Forgets every contribution: a program evaluation starts with none (evaluateProgram). */
export function clearArtifacts(): void {
    artifacts.clear();
}

export function contributedArtifacts(): ReadonlyMap<string, pulumi.Output<string>> {
    return artifacts;
}
