import { prelude, readStdinSecret } from "./common";

/** Ports Swarm nodes reach each other on: cluster management, gossip, the overlay network. */
export const SWARM_PEER_PORTS = [
    { port: "2377", proto: "tcp" },
    { port: "7946", proto: "tcp" },
    { port: "7946", proto: "udp" },
    { port: "4789", proto: "udp" },
] as const;
/** IP protocols Swarm nodes exchange besides ports: ESP (50) carries the encrypted overlay's traffic. */
export const SWARM_PEER_PROTOCOLS = ["esp"] as const;

const swarmState = `state=$(docker info --format '{{.Swarm.LocalNodeState}}')`;

/** The first manager: starts the swarm. Usage: swarm-init.sh ADVERTISE_ADDRESS. */
export function renderSwarmInit(): string {
    return `${prelude("Swarm: initialise on the first manager")}
${swarmState}
if [ "$state" = "active" ]; then
    echo "sophia: already a member of a swarm"
else
    docker swarm init --advertise-addr "$1" >/dev/null
    changed "swarm initialised, advertising $1"
fi
finish swarm-init
`;
}

/**
 * Every other node: joins with the token for its role, read from standard input so it never
 * appears in a command line or a file. Usage: swarm-join.sh ADVERTISE_ADDRESS MANAGER_ADDRESS < token.
 */
export function renderSwarmJoin(): string {
    return `${prelude("Swarm: join as a manager or a worker")}
${readStdinSecret("token", "the swarm join token")}${swarmState}
if [ "$state" = "active" ]; then
    echo "sophia: already a member of a swarm"
else
    docker swarm join --token "$token" --advertise-addr "$1" "$2:2377" >/dev/null
    changed "joined the swarm of $2"
fi
finish swarm-join
`;
}

/** Node labels the platform places workloads by (gpu, tier), run on a manager. Usage: swarm-labels.sh NODE_ID KEY=VALUE... */
export function renderSwarmLabels(): string {
    return `${prelude("Swarm: node labels")}
node=$1
shift
for label in "$@"; do
    key=\${label%%=*}
    value=\${label#*=}
    current=$(docker node inspect "$node" --format "{{ index .Spec.Labels \\"$key\\" }}")
    if [ "$current" != "$value" ]; then
        docker node update --label-add "$label" "$node" >/dev/null
        changed "label $label on node $node"
    fi
done
finish swarm-labels
`;
}
