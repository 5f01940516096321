// The Sophia platform's machines and clusters: Lambda Cloud instances, prepared over SSH into
// Docker Swarm or K3s, handed to the platform stack through ESC. Its own project: the platform's
// stacks deploy onto what this one builds.
import * as pulumi from "@pulumi/pulumi";
import { contributeArtifact } from "../components/artifacts";
import { poolCapacities, platformNodeCapacity } from "./capacity";
import { Connection, createHandoff, handoffDocument, handoffEnvironmentRef, renderHandoff } from "./handoff";
import { hostScripts } from "./hosts";
import { K3sCluster } from "./k3s";
import { Machines } from "./machines";
import { HostPreparation } from "./preparation";
import { clusterCost } from "./pricing";
import { CLUSTER_CONFIG_NAMESPACE, loadClusterSettings } from "./settings";
import { SwarmCluster } from "./swarm";

const settings = loadClusterSettings();
const config = new pulumi.Config(CLUSTER_CONFIG_NAMESPACE);
const api = { apiUrl: settings.lambdaApiUrl, apiKey: config.requireSecret("lambdaApiKey") };
const privateKey = config.requireSecret("sshPrivateKey");

for (const [file, text] of hostScripts(settings)) contributeArtifact(file, text);

const { machines } = new Machines("machines", { settings, api });
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
export const cost = clusterCost(settings.pools.map((p) => ({ name: p.name, instanceType: p.instanceType, count: p.count })));
