import * as fs from "fs";
import * as path from "path";
import type { PlanFile } from "../../../commands/plan/planFile";
import { waitFor } from "../../support/tools";
import { ApiResponse, KubeClient } from "./client";
import { operatorCrds } from "./crds";
import { customGroups, KubeObject, orderManifests, podFor, readPlanManifests } from "./workloads";

/** What the API server said about one object. */
export interface ObjectOutcome {
    /** The manifest file under <plan>/k8s/, or what the object stands for. */
    what: string;
    kind: string;
    name: string;
    namespace?: string;
    /** The server's own message when it refused the object. */
    rejected?: string;
    warnings: string[];
}

export interface StackReport {
    stack: string;
    /** Every rendered manifest, applied with server-side apply and strict field validation. */
    manifests: ObjectOutcome[];
    /** The published CRDs installed for the custom kinds the plan renders. */
    crds: ObjectOutcome[];
    crdSources: string[];
    /** The first pod of each workload, created as a dry run so Pod Security admission judges it. */
    pods: ObjectOutcome[];
    /** Objects a controller would have made that the pods need (each namespace's default ServiceAccount). */
    standIns: ObjectOutcome[];
    /** Resources of the plan that are not Kubernetes manifests the test can apply, and why. */
    notApplied: string[];
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function outcome(what: string, object: KubeObject, response: ApiResponse): ObjectOutcome {
    const body = response.body as { reason?: string; message?: string };
    const rejected = response.status >= 400 ? `${response.status} ${body.reason ?? ""}: ${body.message ?? JSON.stringify(body)}` : undefined;
    return { what, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, rejected, warnings: response.warnings };
}

async function applyAll(client: KubeClient, objects: { what: string; object: KubeObject }[]): Promise<ObjectOutcome[]> {
    // A few at a time: the server takes them in parallel, and one slow object does not hold the rest.
    const results: ObjectOutcome[] = [];
    for (let i = 0; i < objects.length; i += 8) {
        const batch = objects.slice(i, i + 8);
        results.push(...(await Promise.all(batch.map(async ({ what, object }) => outcome(what, object, await client.apply(object))))));
    }
    return results;
}

async function established(client: KubeClient, name: string): Promise<boolean | undefined> {
    const response = await client.request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const conditions = ((response.body.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []) as {
        type: string;
        status: string;
    }[];
    return conditions.some((c) => c.type === "Established" && c.status === "True") || undefined;
}

async function installCrds(client: KubeClient, groups: string[], plan: PlanFile, scratch: string): Promise<{ outcomes: ObjectOutcome[]; sources: string[] }> {
    const outcomes: ObjectOutcome[] = [];
    const sources: string[] = [];
    for (const group of groups) {
        const published = operatorCrds(group, plan, scratch);
        sources.push(
            `${group}: ${published.source}${published.dropped.length ? ` (left out chart-template metadata: ${published.dropped.length} fields)` : ""}`,
        );
        outcomes.push(
            ...(await applyAll(
                client,
                published.crds.map((crd) => ({ what: `CRD from ${published.source}`, object: crd })),
            )),
        );
        for (const crd of published.crds) await waitFor(`CRD ${crd.metadata.name} established`, () => established(client, crd.metadata.name), 60_000);
    }
    return { outcomes, sources };
}

async function isBuiltInGroup(client: KubeClient, group: string): Promise<boolean> {
    return (await client.request("GET", `/apis/${group}`)).status === 200;
}

/**
 * Applies a stack's plan to the engine: its namespaces, the CRDs of the custom kinds it renders,
 * every other manifest, then the first pod of each workload (dry run). Refusals are collected, not
 * thrown, so one report lists them all.
 *
 * `podClient` creates the pods: in a cluster their controllers do, not whoever deploys the plan.
 */
export async function applyPlan(client: KubeClient, stackDir: string, scratch: string, podClient: KubeClient = client): Promise<StackReport> {
    const plan = JSON.parse(fs.readFileSync(path.join(stackDir, "plan.json"), "utf8")) as PlanFile;
    const manifests = readPlanManifests(stackDir);
    const { namespaces, rest } = orderManifests(manifests);
    const applied = await applyAll(
        client,
        namespaces.map((m) => ({ what: m.file, object: m.object })),
    );

    const standIns = await applyAll(
        client,
        namespaces.map((m) => ({
            what: `default ServiceAccount (the service-account controller's) in ${m.object.metadata.name}`,
            object: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: m.object.metadata.name } },
        })),
    );
    const builtIn = new Map<string, boolean>();
    for (const m of rest) {
        const group = m.object.apiVersion.split("/")[0];
        if (m.object.apiVersion.includes("/") && !builtIn.has(group)) builtIn.set(group, await isBuiltInGroup(client, group));
    }
    const crds = await installCrds(
        client,
        customGroups(rest, (g) => builtIn.get(g) ?? true),
        plan,
        scratch,
    );
    applied.push(
        ...(await applyAll(
            client,
            rest.map((m) => ({ what: m.file, object: m.object })),
        )),
    );

    const pods: ObjectOutcome[] = [];
    for (const m of rest) {
        const pod = podFor(m.object);
        if (pod) pods.push(outcome(`pod of ${m.file}`, pod, await podClient.createDryRun(pod)));
    }
    const notApplied = plan.resources
        .filter((r) => r.type === HELM_RELEASE)
        .map(
            (r) =>
                `${r.name} (Helm chart ${String(r.inputs.chart)} ${String(r.inputs.version)}): a helm.v3.Release is one opaque resource; Helm renders its objects at deploy time`,
        );
    return { stack: plan.stack, manifests: applied, crds: crds.outcomes, crdSources: crds.sources, pods, standIns, notApplied };
}

const everyOutcome = (report: StackReport) => [...report.manifests, ...report.crds, ...report.standIns, ...report.pods];

/** Every refusal of the report, one line each with the server's message. */
export function rejections(report: StackReport): string[] {
    return everyOutcome(report)
        .filter((o) => o.rejected)
        .map((o) => `${o.what} (${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}): ${o.rejected}`);
}

/**
 * A refusal the engine reports today that needs a change to the platform rather than to this
 * test: matched exactly, printed, and failing the test once it stops happening.
 */
export interface KnownRefusal {
    what: string;
    /** A part of the server's message. */
    message: string;
    why: string;
}

const isKnown = (line: string, known: readonly KnownRefusal[]) => known.some((k) => line.startsWith(`${k.what} (`) && line.includes(k.message));

/** The refusals no known entry accounts for. */
export function unexpectedRejections(report: StackReport, known: readonly KnownRefusal[]): string[] {
    return rejections(report).filter((r) => !isKnown(r, known));
}

/** Throws with every refusal's server message when the engine refused anything not known. */
export function assertAccepted(report: StackReport, known: readonly KnownRefusal[] = []): void {
    const refused = unexpectedRejections(report, known);
    if (refused.length > 0) throw new Error(`the API server refused ${refused.length} object(s) of stack ${report.stack}:\n  ${refused.join("\n  ")}`);
    const stale = known.filter((k) => !rejections(report).some((r) => isKnown(r, [k])));
    if (stale.length > 0) throw new Error(`no longer refused, so delete from KNOWN_REFUSALS: ${stale.map((k) => k.what).join(", ")}`);
}

/** The per-stack summary the test prints: counts, refusals, warnings, and what was not applied. */
export function formatReport(report: StackReport): string {
    const count = (list: ObjectOutcome[]) => `${list.filter((o) => !o.rejected).length} accepted, ${list.filter((o) => o.rejected).length} rejected`;
    const warnings = everyOutcome(report).flatMap((o) => o.warnings.map((w) => `${o.what}: ${w}`));
    return [
        `stack ${report.stack}:`,
        `  manifests (server-side apply, fieldValidation=Strict): ${report.manifests.length}: ${count(report.manifests)}`,
        `  CRDs: ${report.crds.length}: ${count(report.crds)}`,
        ...report.crdSources.map((s) => `    from ${s}`),
        `  pods of workloads (dry run, Pod Security enforce): ${report.pods.length}: ${count(report.pods)}`,
        `  controller stand-ins: ${report.standIns.length}: ${count(report.standIns)}`,
        `  warnings: ${warnings.length}`,
        ...warnings.map((w) => `    ${w}`),
        ...rejections(report).map((r) => `  REJECTED ${r}`),
        `  not applied: ${report.notApplied.length}`,
        ...report.notApplied.map((n) => `    ${n}`),
    ].join("\n");
}
