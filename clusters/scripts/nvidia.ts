import { expectArch, prelude } from "./common";
import type { Arch } from "../pricing";

/** NVIDIA's signing key for its container toolkit repository. */
export const NVIDIA_KEY_URL = "https://nvidia.github.io/libnvidia-container/gpgkey";
/** The repository, per architecture ($(ARCH) is expanded by apt). */
export const NVIDIA_REPOSITORY = "https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH)";

/**
 * GPU nodes: the driver must already work (Lambda's images ship it; installing one is a reimage,
 * not a script), then the NVIDIA Container Toolkit from NVIDIA's repository, for the node's
 * architecture. The container runtime is configured by the Docker or K3s script that follows.
 */
export function renderNvidia(input: { readonly arch: Arch }): string {
    return `${prelude("GPU node: NVIDIA driver check and NVIDIA Container Toolkit")}
${expectArch(input.arch)}
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "sophia: no working NVIDIA driver (nvidia-smi failed): reimage the machine with Lambda's image, which ships the driver" >&2
    exit 1
fi
echo "sophia: NVIDIA driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1), $(nvidia-smi -L | wc -l) GPU(s)"

if ! installed nvidia-container-toolkit; then
    ensure_packages ca-certificates curl gnupg
    install -d -m 0755 /etc/apt/keyrings
    # Downloaded to a file first: a failed download stops the script (curl -f under set -e), and
    # gpg must read a valid key from it before apt trusts it; apt then checks every package against it.
    key=$(mktemp)
    curl -fsSL -o "$key" ${NVIDIA_KEY_URL}
    gpg --show-keys "$key" >/dev/null
    gpg --dearmor --yes -o /etc/apt/keyrings/nvidia-container-toolkit.gpg "$key"
    rm -f "$key"
    # The repository line is NVIDIA's published one, written here rather than downloaded.
    install_file /etc/apt/sources.list.d/nvidia-container-toolkit.list 0644 <<'SOPHIA_FILE'
deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.gpg] ${NVIDIA_REPOSITORY} /
SOPHIA_FILE
    ensure_packages nvidia-container-toolkit
fi
finish nvidia
`;
}
