// Which scripts each machine runs, in order, from the settings alone: pure, so the plan shows them
// and the tests run shellcheck over exactly what the hosts get.
import { INSTANCE_TYPES } from "./pricing";
import { renderDocker } from "./scripts/docker";
import { PortRule, renderHardening } from "./scripts/hardening";
import { K3S_ADMIN_PORTS, K3S_PEER_PORTS, renderK3s, renderK3sGpuAddons } from "./scripts/k3s";
import { renderNvidia } from "./scripts/nvidia";
import { renderK3sDeployer } from "./scripts/k3sDeployer";
import { renderK3sUpgradeGuard } from "./scripts/k3sUpgrade";
import { renderSwarmInit, renderSwarmJoin, renderSwarmLabels, SWARM_PEER_PORTS, SWARM_PEER_PROTOCOLS } from "./scripts/swarm";
import { ClusterSettings, ORCHESTRATOR_ROLES, Pool } from "./settings";

/** The edge's HTTP and HTTPS: the only ports open to everyone. */
export const PUBLIC_PORTS: readonly PortRule[] = [
    { port: "80", proto: "tcp" },
    { port: "443", proto: "tcp" },
];

export const arch = (pool: Pool) => INSTANCE_TYPES[pool.instanceType].arch;
export const isControlPlane = (settings: ClusterSettings, pool: Pool): boolean => pool.role === ORCHESTRATOR_ROLES[settings.orchestrator][0];

/** The machine that starts the cluster: the first of the first control-plane pool (<environment>-<pool>-0). */
export function leaderName(settings: ClusterSettings): string {
    const pool = settings.pools.find((p) => isControlPlane(settings, p) && p.count > 0);
    if (!pool) throw new Error("the cluster has no control-plane machine");
    return `${settings.environment}-${pool.name}-0`;
}

/** Node labels the platform places by: gpu and tier. */
export function nodeLabels(pool: Pool): Record<string, string> {
    return { gpu: String(pool.gpu), ...(pool.tier ? { tier: pool.tier } : {}), "sophia.ai/pool": pool.name };
}

/** The preparation steps of a pool's machines, in order: name → script. */
export function poolScripts(settings: ClusterSettings, pool: Pool): [string, string][] {
    const k3s = settings.orchestrator === "k3s";
    const steps: [string, string][] = [
        [
            "hardening",
            renderHardening({
                arch: arch(pool),
                adminCidrs: settings.allowedSshCidrs,
                peerPorts: k3s ? K3S_PEER_PORTS : SWARM_PEER_PORTS,
                peerProtocols: k3s ? [] : SWARM_PEER_PROTOCOLS,
                clusterNetworks: k3s ? [settings.k3sClusterCidr, settings.k3sServiceCidr] : [],
                dockerUserChain: !k3s,
                adminPorts: k3s ? K3S_ADMIN_PORTS : [],
                publicPorts: PUBLIC_PORTS,
            }),
        ],
    ];
    if (pool.gpu) steps.push(["nvidia", renderNvidia({ arch: arch(pool) })]);
    if (!k3s) steps.push(["docker", renderDocker({ arch: arch(pool), gpu: pool.gpu, user: settings.sshUser })]);
    return steps;
}

/** K3s's install for a pool: the first server's variant starts the cluster. */
export function k3sScript(settings: ClusterSettings, pool: Pool, first: boolean): string {
    return renderK3s({
        version: settings.k3sVersion!,
        arch: arch(pool),
        role: isControlPlane(settings, pool) ? "server" : "agent",
        first,
        labels: nodeLabels(pool),
        registrationAddress: settings.k3sRegistrationAddress!,
        clusterCidr: settings.k3sClusterCidr,
        serviceCidr: settings.k3sServiceCidr,
        gpu: pool.gpu,
        releaseUrl: settings.k3sReleaseUrl,
    });
}

/** Every script the stack renders, by artifact path ("scripts/<pool>/<step>.sh", "scripts/<cluster step>.sh"). */
export function hostScripts(settings: ClusterSettings): Map<string, string> {
    const scripts = new Map<string, string>();
    for (const pool of settings.pools) {
        for (const [step, text] of poolScripts(settings, pool)) scripts.set(`scripts/${pool.name}/${step}.sh`, text);
        if (settings.orchestrator === "k3s") {
            if (isControlPlane(settings, pool)) scripts.set(`scripts/${pool.name}/k3s-first-server.sh`, k3sScript(settings, pool, true));
            scripts.set(`scripts/${pool.name}/k3s-${isControlPlane(settings, pool) ? "server" : "agent"}.sh`, k3sScript(settings, pool, false));
        }
    }
    if (settings.orchestrator === "swarm") {
        scripts.set("scripts/swarm-init.sh", renderSwarmInit());
        scripts.set("scripts/swarm-join.sh", renderSwarmJoin());
        scripts.set("scripts/swarm-labels.sh", renderSwarmLabels());
    } else {
        scripts.set("scripts/k3s-upgrade-guard.sh", renderK3sUpgradeGuard());
        scripts.set("scripts/k3s-deployer.sh", renderK3sDeployer({ registrationAddress: settings.k3sRegistrationAddress! }));
        if (settings.pools.some((p) => p.gpu && p.count > 0)) scripts.set("scripts/k3s-gpu-addons.sh", renderK3sGpuAddons());
    }
    return scripts;
}
