import { expectArch, prelude } from "./common";
import type { Arch } from "../pricing";

/**
 * Docker Engine for Swarm nodes: an engine already on the image is kept, else Docker's own
 * repository for the node's architecture. daemon.json bounds logs and, on GPU nodes, makes the
 * NVIDIA runtime the default and advertises each GPU to Swarm as a generic resource. The login
 * user joins the docker group: the platform deploys over SSH as that user.
 */
export function renderDocker(input: { readonly arch: Arch; readonly gpu: boolean; readonly user: string }): string {
    return `${prelude(`Docker Engine${input.gpu ? " with the NVIDIA runtime" : ""}`)}
${expectArch(input.arch)}
if ! command -v docker >/dev/null; then
    ensure_packages ca-certificates curl
    install -d -m 0755 /etc/apt/keyrings
    [ -f /etc/apt/keyrings/docker.asc ] || curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    install_file /etc/apt/sources.list.d/docker.list 0644 <<<"deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $codename stable"
    ensure_packages docker-ce docker-ce-cli containerd.io
fi
${input.gpu ? gpuDaemonConfig() : plainDaemonConfig()}if [ "$FILE_CHANGED" -eq 1 ]; then
    systemctl restart docker
fi
systemctl is-active --quiet docker || {
    systemctl enable --now docker
    changed "docker started"
}
# The platform's dockerHost (ssh://${input.user}@manager) reaches the engine as this user.
if ! id -nG ${input.user} | grep -qw docker; then
    usermod -aG docker ${input.user}
    changed "${input.user} added to the docker group"
fi
finish docker
`;
}

function plainDaemonConfig(): string {
    return `install_file /etc/docker/daemon.json 0644 <<'SOPHIA_FILE'
{
  "log-driver": "local",
  "log-opts": { "max-size": "20m", "max-file": "5" }
}
SOPHIA_FILE
`;
}

/** The generic resource kind each GPU is advertised as. */
export const SWARM_GPU_RESOURCE_KIND = "NVIDIA-GPU";
/** The variable the engine names a task's reserved generic resources by (swarmkit genericresource.EnvFormat: upper-cased "DOCKER_RESOURCE_" + kind). */
export const SWARM_GPU_RESOURCE_VARIABLE = `DOCKER_RESOURCE_${SWARM_GPU_RESOURCE_KIND}`.toUpperCase();

/** Each GPU by UUID as a Swarm generic resource, so services can reserve GPUs. */
function gpuDaemonConfig(): string {
    return `gpus=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | sed 's/^/"${SWARM_GPU_RESOURCE_KIND}=/; s/$/"/' | paste -sd, -)
install_file /etc/docker/daemon.json 0644 <<SOPHIA_FILE
{
  "log-driver": "local",
  "log-opts": { "max-size": "20m", "max-file": "5" },
  "default-runtime": "nvidia",
  "runtimes": { "nvidia": { "path": "nvidia-container-runtime", "args": [] } },
  "node-generic-resources": [$gpus]
}
SOPHIA_FILE
restart_docker=$FILE_CHANGED
# The runtime hands Swarm's GPU reservations to the container: the engine sets
# DOCKER_RESOURCE_<KIND> in the task's environment, here DOCKER_RESOURCE_NVIDIA-GPU.
if ! grep -q '^swarm-resource = "${SWARM_GPU_RESOURCE_VARIABLE}"' /etc/nvidia-container-runtime/config.toml; then
    sed -i 's/^#\\{0,1\\}swarm-resource = .*/swarm-resource = "${SWARM_GPU_RESOURCE_VARIABLE}"/' /etc/nvidia-container-runtime/config.toml
    grep -q '^swarm-resource = ' /etc/nvidia-container-runtime/config.toml || echo 'swarm-resource = "${SWARM_GPU_RESOURCE_VARIABLE}"' >>/etc/nvidia-container-runtime/config.toml
    changed "/etc/nvidia-container-runtime/config.toml"
    restart_docker=1
fi
FILE_CHANGED=$restart_docker
`;
}
