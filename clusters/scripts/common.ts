// What every host script shares: strict mode, change tracking, files written only when their
// content differs, packages installed only when missing, and a last line that says whether
// anything changed. Scripts run as root (through sudo) with bash.
import type { Arch } from "../pricing";

/** Where scripts are kept on a host, so an operator can run one again by hand. */
export const SCRIPT_DIR = "/var/lib/sophia";

export function prelude(title: string): string {
    return `#!/usr/bin/env bash
# ${title}. Rendered by the cluster stack (clusters/scripts); safe to run again: a run that finds
# everything in place changes nothing and says so on its last line.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CHANGED=0
FILE_CHANGED=0

changed() {
    CHANGED=1
    echo "sophia: changed: $*"
}

# install_file PATH MODE < content: writes PATH only when its content differs; FILE_CHANGED says whether it did.
# shellcheck disable=SC2034 # FILE_CHANGED is the function's result; not every script reads it
install_file() {
    local path=$1 mode=$2 tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
        FILE_CHANGED=0
        rm -f "$tmp"
        return 0
    fi
    install -D -m "$mode" "$tmp" "$path"
    rm -f "$tmp"
    FILE_CHANGED=1
    changed "$path"
}

installed() {
    dpkg-query -W -f='\${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# ensure_packages NAME...: installs the ones that are missing, in one apt transaction.
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        installed "$package" || missing+=("$package")
    done
    if [ "\${#missing[@]}" -gt 0 ]; then
        apt-get update -q
        apt-get install -y -q --no-install-recommends "\${missing[@]}"
        changed "packages \${missing[*]}"
    fi
}

finish() {
    if [ "$CHANGED" -eq 0 ]; then
        echo "sophia: $1: no changes"
    else
        echo "sophia: $1: done"
    fi
}
`;
}

/** Stops on a machine whose architecture is not its instance type's (GH200 is arm64). */
export function expectArch(arch: Arch): string {
    return `host_arch=$(dpkg --print-architecture)
if [ "$host_arch" != "${arch}" ]; then
    echo "sophia: this host is $host_arch but its instance type is ${arch}: check the pool's instanceType" >&2
    exit 1
fi
`;
}

/**
 * Reads a secret from standard input into VARIABLE. remote.Command writes stdin verbatim, with no
 * trailing newline, so `read -r` would return 1 at end of input and stop the script under set -e;
 * `$(cat)` takes everything up to EOF, with or without a newline. Environment variables are no
 * way in: they reach the command only where sshd has AcceptEnv.
 */
export function readStdinSecret(variable: string, what: string): string {
    return `${variable}=$(cat)
if [ -z "$${variable}" ]; then
    echo "sophia: expected ${what} on standard input, got nothing" >&2
    exit 2
fi
`;
}

/** A script's text as a heredoc body: quoted, so nothing in it expands. */
export function fileFrom(path: string, mode: string, content: string): string {
    const marker = "SOPHIA_FILE";
    if (content.includes(marker)) throw new Error(`content for ${path} contains the heredoc marker ${marker}`);
    return `install_file ${path} ${mode} <<'${marker}'\n${content.endsWith("\n") ? content : `${content}\n`}${marker}\n`;
}

/** Shell word for an argument: single-quoted. Arguments are addresses, names and labels, never secrets. */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The remote command that installs a script under SCRIPT_DIR and runs it as root with its
 * arguments. The script travels base64-encoded in the command; stdin stays free for secrets.
 */
export function runScriptCommand(name: string, script: string, args: readonly string[] = []): string {
    const file = `${SCRIPT_DIR}/${name}.sh`;
    const encoded = Buffer.from(script, "utf8").toString("base64");
    return [
        `sudo install -d -m 0700 ${SCRIPT_DIR}`,
        `echo ${encoded} | base64 -d | sudo tee ${file} >/dev/null`,
        `sudo bash ${file}${args.map((a) => ` ${shellQuote(a)}`).join("")}`,
    ].join(" && ");
}
