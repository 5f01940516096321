import { prelude } from "./common";

/** etcd snapshots the guard takes before each node's upgrade are named with this prefix. */
export const UPGRADE_SNAPSHOT_PREFIX = "sophia-pre-upgrade";

/**
 * The upgrade guard, run on a server (it holds the kubeconfig and the etcd data) around each
 * node's upgrade, one node at a time, servers first:
 *   k3s-upgrade-guard.sh before NODE TARGET_VERSION  →  the node's k3s script at TARGET_VERSION  →
 *   k3s-upgrade-guard.sh after NODE TARGET_VERSION
 * "before" refuses a skipped minor release (Kubernetes upgrades one minor at a time) and a cluster
 * with another node not Ready or still cordoned (one at a time), then takes an etcd snapshot and
 * drains the node. "after" waits until the node is Ready at the target release, then uncordons it.
 */
export function renderK3sUpgradeGuard(): string {
    return `${prelude("K3s upgrade guard: version skew, one node at a time, etcd snapshot, drain and uncordon")}
if [ "$#" -ne 3 ] || { [ "$1" != before ] && [ "$1" != after ]; }; then
    echo "usage: k3s-upgrade-guard.sh before|after NODE TARGET_VERSION (e.g. before prod-k3s-servers-0 v1.36.1+k3s1)" >&2
    exit 2
fi
phase=$1 node=$2 target=$3
kubectl() { /usr/local/bin/k3s kubectl "$@"; }
minor() { sed -E 's/^v?[0-9]+\\.([0-9]+)\\..*/\\1/' <<<"$1"; }
current=$(kubectl get node "$node" -o jsonpath='{.status.nodeInfo.kubeletVersion}')

if [ "$phase" = before ]; then
    if [ "$current" = "$target" ]; then
        echo "sophia: $node already runs $target"
    else
        if [ "$(minor "$target")" -gt "$(( $(minor "$current") + 1 ))" ] || [ "$(minor "$target")" -lt "$(minor "$current")" ]; then
            echo "sophia: $node runs $current; $target is not the same or the next minor release: upgrade one minor release at a time" >&2
            exit 1
        fi
        # One node at a time: every other node Ready and schedulable.
        others=$(kubectl get nodes --no-headers | awk -v node="$node" '$1 != node && $2 != "Ready" { print $1 " (" $2 ")" }')
        if [ -n "$others" ]; then
            echo "sophia: not upgrading $node while other nodes are not Ready or cordoned: $others" >&2
            exit 1
        fi
        /usr/local/bin/k3s etcd-snapshot save --name "${UPGRADE_SNAPSHOT_PREFIX}-$node-\${target//+/-}" >/dev/null
        changed "etcd snapshot before upgrading $node to $target"
        kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=10m >/dev/null
        changed "$node drained"
    fi
else
    for _ in $(seq 1 60); do
        ready=$(kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
        current=$(kubectl get node "$node" -o jsonpath='{.status.nodeInfo.kubeletVersion}')
        [ "$ready" = True ] && [ "$current" = "$target" ] && break
        sleep 5
    done
    if [ "$ready" != True ] || [ "$current" != "$target" ]; then
        echo "sophia: $node is not Ready at $target (Ready: $ready, version: $current): it stays cordoned; see the runbook's upgrade section" >&2
        exit 1
    fi
    if [ "$(kubectl get node "$node" -o jsonpath='{.spec.unschedulable}')" = true ]; then
        kubectl uncordon "$node" >/dev/null
        changed "$node uncordoned"
    fi
fi
finish k3s-upgrade-guard
`;
}
