// The Sophia platform's machines and clusters: Lambda Cloud instances, prepared over SSH into
// Docker Swarm or K3s, handed to the platform stack through ESC. Its own project: the platform's
// stacks deploy onto what this one builds.
import * as pulumi from "@pulumi/pulumi";
import { contributeArtifact } from "../components/artifacts";
import { poolCapacities, platformNodeCapacity } from "./capacity";
import { throwIfProblems } from "../stacks/problems";
import { servedPlatformProblems } from "./agreement";
import { Connection, createHandoff, handoffDocument, handoffEnvironmentRef, renderHandoff } from "./handoff";
import { hostScripts } from "./hosts";
import { K3sCluster } from "./k3s";
import { Machines, rulesetName } from "./machines";
import { HostPreparation } from "./preparation";
import { clusterCost } from "./pricing";
import { CLUSTER_CONFIG_NAMESPACE, loadClusterSettings } from "./settings";
import { SwarmCluster } from "./swarm";

const settings = loadClusterSettings();
throwIfProblems(`Invalid settings for cluster stack "${settings.stack}"`, servedPlatformProblems(settings, __dirname));
const config = new pulumi.Config(CLUSTER_CONFIG_NAMESPACE);
const api = { apiUrl: settings.lambdaApiUrl, apiKey: config.requireSecret("lambdaApiKey") };
const privateKey = config.requireSecret("sshPrivateKey");

for (const [file, text] of hostScripts(settings)) contributeArtifact(file, text);

const { machines, rulesets } = new Machines("machines", { settings, api });
const { ready } = new HostPreparation("prepare", { settings, machines, privateKey });
const clusterArgs = { settings, machines, privateKey, ready };
const cluster = settings.orchestrator === "swarm" ? new SwarmCluster("swarm", clusterArgs) : new K3sCluster("k3s", clusterArgs);
const connection: pulumi.Output<Connection> =
    cluster instanceof SwarmCluster ? cluster.dockerHost.apply((dockerHost) => ({ dockerHost })) : cluster.kubeconfig.apply((kubeconfig) => ({ kubeconfig }));
createHandoff("handoff", settings, connection);
contributeArtifact(
    "handoff.yaml",
    renderHandoff(
        handoffDocument(
            settings,
            settings.orchestrator === "swarm" ? { dockerHost: `ssh://${settings.sshUser}@<leader's IP>` } : { kubeconfig: "<the leader's kubeconfig, secret>" },
        ),
    ),
);

export const orchestrator = settings.orchestrator;
export const machineAddresses = Object.fromEntries(machines.map((m) => [m.name, m.instance.ip]));
/** What the platform connects with: sophia:dockerHost, or the kubeconfig (secret). */
export const platformConnection = cluster instanceof K3sCluster ? { kubeconfig: cluster.kubeconfig } : { dockerHost: cluster.dockerHost };
export const escEnvironment = handoffEnvironmentRef(settings);
export const nodeCapacity = platformNodeCapacity(settings.pools);
export const pools = poolCapacities(settings.pools);
/** The stack's instances and the firewall ruleset each carries. */
export const instances = machines.map((m) => ({
    name: m.name,
    pool: m.pool.name,
    instanceType: m.pool.instanceType,
    region: m.pool.region,
    ruleset: rulesetName(settings, m.pool.region),
}));
export const firewallRulesets = [...rulesets.keys()].map((region) => ({ name: rulesetName(settings, region), region }));
/** Price per hour and month from the API's /instance-types (not secret, though the key reads it), or the dated fallback. */
export const cost = pulumi.unsecret(
    pulumi.all([api.apiUrl, api.apiKey]).apply(([apiUrl, apiKey]) =>
        clusterCost(
            { apiUrl, apiKey },
            settings.pools.map((p) => ({ name: p.name, instanceType: p.instanceType, region: p.region, count: p.count, gpu: p.gpu })),
        ),
    ),
);
