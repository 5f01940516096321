import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import * as YAML from "yaml";
import { platformNodeCapacity, poolCapacities } from "./capacity";
import type { ClusterSettings } from "./settings";

/** The ESC environment the cluster writes for its platform stack: <project>/<environment>-cluster. */
export const handoffEnvironmentName = (settings: ClusterSettings): string => `${settings.environment}-cluster`;
export const handoffEnvironmentRef = (settings: ClusterSettings): string => `${settings.esc.project}/${handoffEnvironmentName(settings)}`;

export interface Connection {
    readonly dockerHost?: string;
    readonly kubeconfig?: string;
}

/**
 * The hand-off document: the platform stack's connection (sophia:dockerHost, or sophia:kubeconfig as
 * an ESC secret) and node capacity as pulumiConfig, plus the pools for people and tools.
 */
export function handoffDocument(settings: ClusterSettings, connection: Connection): Record<string, unknown> {
    const pulumiConfig: Record<string, unknown> = { "sophia:nodeCapacity": platformNodeCapacity(settings.pools) };
    if (connection.dockerHost) pulumiConfig["sophia:dockerHost"] = connection.dockerHost;
    if (connection.kubeconfig) pulumiConfig["sophia:kubeconfig"] = "${cluster.kubeconfig}";
    const cluster: Record<string, unknown> = { orchestrator: settings.orchestrator, stack: settings.stack, pools: poolCapacities(settings.pools) };
    if (connection.kubeconfig) cluster.kubeconfig = { "fn::secret": connection.kubeconfig };
    return { values: { cluster, pulumiConfig } };
}

export const renderHandoff = (document: Record<string, unknown>): string => YAML.stringify(document, { lineWidth: 0 });

/**
 * Writes the hand-off into ESC. The platform's stack file imports it, so `pulumi up` of the platform
 * reads the cluster's connection with nothing copied by hand. A kubeconfig makes the whole
 * definition secret in state, which is what it is.
 */
export function createHandoff(
    name: string,
    settings: ClusterSettings,
    connection: pulumi.Output<Connection>,
    opts?: pulumi.CustomResourceOptions,
): service.Environment {
    return new service.Environment(
        name,
        {
            organization: settings.esc.organization,
            project: settings.esc.project,
            name: handoffEnvironmentName(settings),
            yaml: connection.apply((c) => new pulumi.asset.StringAsset(renderHandoff(handoffDocument(settings, c)))),
        },
        opts,
    );
}
