/**
 * What this sandbox cannot do that a real Swarm does, and the one change to a service spec each
 * forces. The apply makes these changes to the Engine API body only — never to the program — and
 * the test prints every one it made.
 *
 * - No IPVS: a service's virtual IP (endpoint mode `vip`) accepts no connections, so services are
 *   created with endpoint mode `dnsrr`; their names then resolve to their tasks' addresses, which is
 *   what the clients in the plan (nginx upstreams, exporters, Prometheus' discovery) connect to.
 * - No iptables: the routing mesh cannot publish ports on the node, and Swarm refuses published
 *   ingress ports with `dnsrr`; published ports are dropped and the edge is reached on its task.
 * - Two cores: the dev plan reserves CPU for a 16-core manager; reservations are scaled down by one
 *   factor so that Swarm can place every task, and a CPU limit above the node's cores (which the
 *   engine refuses) is capped at them; every other limit stays as planned.
 * - The manager's Docker socket is the test's own dockerd socket, not /var/run/docker.sock.
 */
export interface SandboxFacts {
    /** CPU cores the node offers Swarm. */
    readonly cores: number;
    /** The test's dockerd socket, standing for the manager's /var/run/docker.sock. */
    readonly dockerSocket: string;
}

export const MANAGER_DOCKER_SOCKET = "/var/run/docker.sock";

/** The factor that makes the plan's CPU reservations fit the node (1 when they already fit). */
export function reservationScale(services: readonly Record<string, any>[], cores: number): number {
    const reserved = services.reduce((sum, s) => sum + ((s.TaskTemplate?.Resources?.Reservations?.NanoCPUs as number | undefined) ?? 0), 0);
    const available = cores * 1e9 * 0.9;
    return reserved > available ? available / reserved : 1;
}

type Adaptation = (spec: Record<string, any>, facts: SandboxFacts, cpuScale: number) => string[];

/** No IPVS: dnsrr instead of a virtual IP; no iptables: no routing-mesh ports (dnsrr refuses them anyway). */
const endpoint: Adaptation = (spec) => {
    const changes: string[] = [];
    const endpointSpec = (spec.EndpointSpec ??= {});
    if ((endpointSpec.Mode ?? "vip") === "vip") {
        changes.push("endpoint mode vip -> dnsrr (no IPVS in this sandbox: a virtual IP accepts no connections)");
        endpointSpec.Mode = "dnsrr";
    }
    if (endpointSpec.Ports?.length) {
        changes.push(
            `published ports ${endpointSpec.Ports.map((p: any) => `${p.PublishedPort}->${p.TargetPort}`).join(", ")} dropped (no routing mesh without iptables)`,
        );
        delete endpointSpec.Ports;
    }
    return changes;
};

const cpu: Adaptation = (spec, facts, cpuScale) => {
    const changes: string[] = [];
    const { Limits: limits, Reservations: reservations } = spec.TaskTemplate?.Resources ?? {};
    if (limits?.NanoCPUs > facts.cores * 1e9) {
        changes.push(`CPU limit ${limits.NanoCPUs / 1e9} capped at the node's ${facts.cores} cores (the engine refuses a limit above them)`);
        limits.NanoCPUs = facts.cores * 1e9;
    }
    if (reservations?.NanoCPUs && cpuScale < 1) {
        reservations.NanoCPUs = Math.floor(reservations.NanoCPUs * cpuScale);
        changes.push(`CPU reservation scaled by ${cpuScale.toFixed(3)} to fit ${facts.cores} cores`);
    }
    return changes;
};

const dockerSocket: Adaptation = (spec, facts) =>
    ((spec.TaskTemplate?.ContainerSpec?.Mounts ?? []) as { Type: string; Source?: string }[])
        .filter((mount) => mount.Type === "bind" && mount.Source === MANAGER_DOCKER_SOCKET)
        .map((mount) => {
            mount.Source = facts.dockerSocket;
            return `bind mount ${MANAGER_DOCKER_SOCKET} is the test's dockerd socket`;
        });

/** The service body adapted to the sandbox, and one "service: change" line per change made. */
export function adaptService(spec: Record<string, any>, facts: SandboxFacts, cpuScale: number): { spec: Record<string, any>; changes: string[] } {
    const adapted = structuredClone(spec);
    const changes = [endpoint, cpu, dockerSocket].flatMap((adapt) => adapt(adapted, facts, cpuScale));
    return { spec: adapted, changes: changes.map((change) => `${String(spec.Name)}: ${change}`) };
}
