#!/usr/bin/env bash
# The test host: a private mount namespace whose /etc, /usr/local and /var/lib are overlays on
# this machine's (changes land in HOST_DIR, which persists across runs), with an empty /run and
# the shims first on PATH. Usage: run-host.sh HOST_DIR SHIM_DIR SCRIPT [ARG...] (stdin passes through).
set -euo pipefail
host=$1 shims=$2 script=$3
shift 3
exec unshare --mount --fork -- bash -s "$host" "$shims" "$script" "$@" 3<&0 <<'INNER'
set -euo pipefail
host=$1 shims=$2 script=$3
shift 3
mount --make-rprivate /
for dir in /etc /usr/local /var/lib; do
    mkdir -p "$host/upper$dir" "$host/work$dir"
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$host/upper$dir,workdir=$host/work$dir" "$dir"
done
mount -t tmpfs tmpfs /run
PATH="$shims:$PATH" bash "$script" "$@" <&3
INNER
