// A workload as its container runtime would run it, for tests that start the workload's real program
// on this machine: a recorded Kubernetes pod template (the kubelet's view) or Swarm service (the
// task's) becomes the environment, secret files, volumes and health check of its container, and a
// Sandbox runs the program as in a pod or task: in its own network namespace (its own 127.0.0.1,
// where it listens on its own ports), over a private root where the secret files sit at their paths
// and the platform's service names resolve, with this machine's programs (/usr, /etc) underneath.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RecordedResource } from "../../commands/plan/recorder";
import { locateBinary, requireBinary, waitFor } from "./tools";

/** The content a secret holds under a key (tests choose it; the recorded plan only has "[secret]"). */
export type SecretValue = (secret: string, key: string) => string;

/** How the runtime checks the container: a command inside it, or an HTTP GET of a port and path. */
export type Probe = { readonly exec: readonly string[] } | { readonly http: { readonly port: number; readonly path: string } };

export interface ContainerFile {
    readonly path: string;
    readonly content: string;
    readonly mode: number;
    readonly uid: number;
    readonly gid: number;
}

/** What the runtime hands a workload's container. */
export interface Container {
    readonly workload: string;
    readonly image: string;
    readonly env: Readonly<Record<string, string>>;
    /** Secret files at their paths in the container. */
    readonly files: readonly ContainerFile[];
    /** Paths where an (empty) volume or scratch space is mounted. */
    readonly volumes: readonly string[];
    /** Named ports the container declares (Kubernetes; a Swarm task declares none). */
    readonly ports: ReadonlyMap<string, number>;
    readonly health?: Probe;
    readonly user?: number;
    readonly group?: number;
}

type Json = Record<string, any>;

/** The pod template a Kubernetes workload's controller stamps pods from. */
export function podTemplateOf(resource: RecordedResource): Json {
    const spec = resource.inputs.spec as Json;
    return resource.type === "kubernetes:batch/v1:CronJob" ? spec.jobTemplate.spec.template : spec.template;
}

/** Kubernetes' probe: a command, or an HTTP GET whose named port the container must declare (the API server defaults the path to "/"). */
function kubernetesProbe(probe: Json | undefined, ports: ReadonlyMap<string, number>, workload: string): Probe | undefined {
    if (!probe) return undefined;
    if (probe.exec) return { exec: probe.exec.command };
    const { port, path: probePath } = probe.httpGet as { port: string | number; path?: string };
    const number = typeof port === "number" ? port : ports.get(port);
    if (number === undefined) throw new Error(`${workload}: its probe names port "${port}", which its container does not declare: the kubelet cannot probe it`);
    return { http: { port: number, path: probePath || "/" } };
}

/** One file of a secret volume, as the kubelet projects it: a key the Secret lacks keeps the pod from starting. */
function secretVolumeFile(mount: Json, volume: Json, keysOf: KeysOf, value: SecretValue, workload: string) {
    const { secretName, items, defaultMode } = volume.secret as { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
    const keys = keysOf(secretName);
    if (!keys) throw new Error(`${workload}: mounts Secret ${secretName}, which the plan does not create: the pod cannot start`);
    const projected = items ?? keys.map((key) => ({ key, path: key }));
    for (const item of projected)
        if (!keys.includes(item.key))
            throw new Error(`${workload}: Secret ${secretName} has no key "${item.key}" (it has ${keys.join(", ")}): the pod cannot start`);
    const item = projected.find((i) => i.path === mount.subPath);
    if (!mount.subPath || !item)
        throw new Error(`${workload}: mounts ${mount.mountPath} from no single file of Secret ${secretName} (subPath "${mount.subPath ?? ""}")`);
    return { key: item.key, secretName, mode: defaultMode ?? 0o644 };
}

type KeysOf = (secret: string) => readonly string[] | undefined;

/** The container's environment: literals, and secret references resolved (a key the Secret lacks keeps the pod from starting). */
function kubernetesEnv(container: Json, keysOf: KeysOf, value: SecretValue, workload: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const variable of (container.env ?? []) as Json[]) {
        if (variable.value !== undefined) {
            env[variable.name] = variable.value;
            continue;
        }
        const { name, key } = variable.valueFrom.secretKeyRef as { name: string; key: string };
        if (!keysOf(name)?.includes(key))
            throw new Error(`${workload}: $${variable.name} refers to key "${key}" of Secret ${name}, which it lacks: the pod cannot start`);
        env[variable.name] = value(name, key);
    }
    return env;
}

/** The container's mounts: secret files (owned by root and the pod's fsGroup), and the paths of its other volumes. */
function kubernetesMounts(pod: Json, container: Json, keysOf: KeysOf, value: SecretValue, workload: string) {
    const volumes = new Map(((pod.volumes ?? []) as Json[]).map((v) => [v.name as string, v]));
    const files: ContainerFile[] = [];
    const mounted: string[] = [];
    for (const mount of (container.volumeMounts ?? []) as Json[]) {
        const volume = volumes.get(mount.name);
        if (!volume?.secret) {
            mounted.push(mount.mountPath);
            continue;
        }
        const file = secretVolumeFile(mount, volume, keysOf, value, workload);
        files.push({ path: mount.mountPath, content: value(file.secretName, file.key), mode: file.mode, uid: 0, gid: pod.securityContext?.fsGroup ?? 0 });
    }
    return { files, volumes: mounted };
}

/** The first container of a Kubernetes workload as the kubelet starts it, each secret with the content `value` gives it. */
export function kubernetesContainer(resource: RecordedResource, keysOf: KeysOf, value: SecretValue): Container {
    const workload = resource.name;
    const pod = podTemplateOf(resource).spec as Json;
    const container = pod.containers[0] as Json;
    const ports = new Map(((container.ports ?? []) as Json[]).map((p) => [p.name as string, p.containerPort as number]));
    return {
        workload,
        image: container.image,
        env: kubernetesEnv(container, keysOf, value, workload),
        ...kubernetesMounts(pod, container, keysOf, value, workload),
        ports,
        health: kubernetesProbe(container.readinessProbe, ports, workload),
        user: pod.securityContext?.runAsUser,
        group: pod.securityContext?.runAsGroup,
    };
}

/** The docker secret behind a Swarm secret file: its resource, and the key it holds (one docker secret per key). */
function dockerSecret(resources: readonly RecordedResource[], name: string): { name: string; key: string } {
    const secret = resources.find((r) => r.type === "docker:index/secret:Secret" && r.name === name);
    if (!secret) throw new Error(`the service mounts docker secret ${name}, which the plan does not create: the task cannot start`);
    const key = (secret.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "sophia.ai/secret")!.value;
    return { name, key };
}

/** A Swarm service's container as its task runs it (`resources`: the plan's, for its docker secrets). */
export function swarmContainer(service: RecordedResource, resources: readonly RecordedResource[], value: SecretValue): Container {
    const spec = (service.inputs.taskSpec as Json).containerSpec as Json;
    const files = ((spec.secrets ?? []) as Json[]).map((s) => {
        const secret = dockerSecret(resources, s.secretName);
        return {
            path: s.fileName as string,
            content: value(secret.name, secret.key),
            mode: s.fileMode as number,
            uid: Number(s.fileUid),
            gid: Number(s.fileGid),
        };
    });
    const tests = (spec.healthcheck?.tests ?? []) as string[];
    const health: Probe | undefined =
        tests[0] === "CMD" ? { exec: tests.slice(1) } : tests[0] === "CMD-SHELL" ? { exec: ["/bin/sh", "-c", tests[1]] } : undefined;
    const user = spec.user === undefined ? undefined : Number(spec.user);
    return {
        workload: service.name,
        image: spec.image,
        env: (spec.env ?? {}) as Record<string, string>,
        files,
        volumes: ((spec.mounts ?? []) as Json[]).map((m) => m.target as string),
        ports: new Map(),
        health,
        user,
        group: user,
    };
}

export interface RunOptions {
    readonly env?: Readonly<Record<string, string>>;
    /** uid or user name, and gid; root when absent. */
    readonly user?: number | string;
    readonly group?: number | string;
    readonly input?: string;
    readonly timeoutMs?: number;
}

/**
 * The Prometheus project's images (prom/*, quay.io/prometheus*) are built FROM its busybox image:
 * their shell tools are busybox's. Its wget differs from Debian's where a health check notices:
 * `wget --spider` sends GET, where Debian's sends HEAD (which the Pushgateway answers 405).
 */
export const isBusyboxImage = (image: string): boolean => /(^|\/)(docker\.io\/prom|quay\.io\/prometheus[a-z]*)\//.test(image);

/** Where the sandbox keeps busybox's applets (wget), for the commands of busybox images. */
const BUSYBOX_BIN = "/toolbox/busybox";

/** The PATH of a container built on Debian, with this machine's PostgreSQL server programs as the official image has them. */
export function containerPath(extra: readonly string[] = []): string {
    return [...extra, "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");
}

const SETUP = `set -e
R="$1"; H="$2"
mount -t tmpfs -o mode=0755 sandbox "$R"
for d in usr bin sbin lib lib32 lib64 libx32 etc opt; do
    if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$R/$d"
    elif [ -d "/$d" ]; then mkdir "$R/$d"; mount --rbind "/$d" "$R/$d"; mount -o remount,bind,ro "$R/$d"; fi
done
mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/run" "$R/var/lib" "$R/root"
chmod 1777 "$R/tmp"
ln -s ../run "$R/var/run"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount --bind "$H" "$R/etc/hosts"
"$3" link set lo up
if [ -n "$4" ]; then mkdir -p "$R/toolbox/busybox"; ln -s "$4" "$R/toolbox/busybox/wget"; fi
# Ready only once inside the private root: commands enter the holder's root (nsenter -r), and before
# the chroot that root is this machine's, where a volume made at /tmp would take over the host's /tmp.
exec chroot "$R" /bin/sh -c 'echo ready; exec sleep infinity'
`;

/** The folders the sandbox shares with this machine: it must never write there. */
const SHARED = ["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "opt", "dev", "proc"];

function ownPath(file: string): void {
    const top = path.posix.normalize(file).split("/")[1];
    if (!path.posix.isAbsolute(file) || SHARED.includes(top))
        throw new Error(`${file} is in this machine's /${top}, which the sandbox shares: it writes only in its own folders`);
}

/**
 * A pod's or task's place to run on this machine: new network and mount namespaces (as root) over a
 * private root with this machine's /usr and /etc. Processes inside listen on and reach its own
 * 127.0.0.1; the names `resolve` adds resolve to it.
 */
export class Sandbox {
    private readonly processes: { child: ChildProcess; log: string[] }[] = [];

    private constructor(
        private readonly dir: string,
        private readonly holder: ChildProcess,
        private readonly hosts: string[],
    ) {}

    static async start(): Promise<Sandbox> {
        if (process.getuid?.() !== 0) throw new Error("a Sandbox needs root: it makes network and mount namespaces (npm test runs as root in CI)");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-sandbox-"));
        fs.mkdirSync(path.join(dir, "root"));
        const hosts = ["127.0.0.1 localhost"];
        fs.writeFileSync(path.join(dir, "hosts"), `${hosts.join("\n")}\n`);
        fs.writeFileSync(path.join(dir, "setup.sh"), SETUP);
        const holder = spawn(
            requireBinary("unshare"),
            [
                "--mount",
                "--net",
                "--propagation",
                "private",
                "--",
                "/bin/sh",
                path.join(dir, "setup.sh"),
                path.join(dir, "root"),
                path.join(dir, "hosts"),
                requireBinary("ip"),
                requireBinary("busybox"),
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        let output = "";
        holder.stdout.on("data", (d: Buffer) => (output += d.toString()));
        holder.stderr.on("data", (d: Buffer) => (output += d.toString()));
        const sandbox = new Sandbox(dir, holder, hosts);
        await waitFor(
            "the sandbox's namespaces",
            () => {
                if (holder.exitCode !== null) throw new Error(`the sandbox did not start (${holder.exitCode}): ${output}`);
                return output.includes("ready") ? true : undefined;
            },
            10_000,
            50,
        );
        return sandbox;
    }

    /** Makes `name` resolve to the sandbox's own address, as the platform's DNS resolves a service's name to it. */
    resolve(name: string): void {
        this.hosts.push(`127.0.0.1 ${name}`);
        // The same file (inode) is bind-mounted over the sandbox's /etc/hosts: rewrite it in place.
        fs.writeFileSync(path.join(this.dir, "hosts"), `${this.hosts.join("\n")}\n`);
    }

    private argv(command: readonly string[], options: RunOptions): string[] {
        const enter = ["-t", String(this.holder.pid), "-m", "-n", "-r", "-w", "--"];
        if (options.user === undefined) return [...enter, ...command];
        const group = options.group ?? options.user;
        return [...enter, "setpriv", `--reuid=${options.user}`, `--regid=${group}`, `--groups=${group}`, "--", ...command];
    }

    /** Runs a command inside to its end. */
    run(command: readonly string[], options: RunOptions = {}): { code: number; output: string } {
        const result = spawnSync(requireBinary("nsenter"), this.argv(command, options), {
            env: { PATH: containerPath(), ...options.env },
            input: options.input,
            encoding: "utf8",
            timeout: options.timeoutMs ?? 30_000,
        });
        return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
    }

    /** Runs a command inside, or fails naming it and its output. */
    exec(command: readonly string[], options: RunOptions = {}): string {
        const run = this.run(command, options);
        if (run.code !== 0) throw new Error(`${command.join(" ")} failed (${run.code}): ${run.output}`);
        return run.output;
    }

    /** Starts a long-running process inside; `stop` ends it. Its output is kept for failure messages. */
    start(command: readonly string[], options: RunOptions = {}): { child: ChildProcess; log: () => string } {
        const child = spawn(requireBinary("nsenter"), this.argv(command, options), {
            env: { PATH: containerPath(), ...options.env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const log: string[] = [];
        child.stdout.on("data", (d: Buffer) => log.push(d.toString()));
        child.stderr.on("data", (d: Buffer) => log.push(d.toString()));
        this.processes.push({ child, log });
        return { child, log: () => log.join("") };
    }

    /** Writes a file at its path inside, with its owner and mode. */
    writeFile(file: string, content: string, mode = 0o644, uid = 0, gid = 0): void {
        ownPath(file);
        this.exec(
            [
                "/bin/sh",
                "-c",
                'mkdir -p "$(dirname "$1")" && cat > "$1" && chown "$2:$3" "$1" && chmod "$4" "$1"',
                "sh",
                file,
                String(uid),
                String(gid),
                mode.toString(8),
            ],
            {
                input: content,
            },
        );
    }

    /** An empty directory inside, owned by uid:gid (a volume or scratch mount). */
    mkdir(dir: string, uid = 0, gid = 0, mode = 0o755): void {
        ownPath(dir);
        this.exec(["/bin/sh", "-c", 'mkdir -p "$1" && chown "$2:$3" "$1" && chmod "$4" "$1"', "sh", dir, String(uid), String(gid), mode.toString(8)]);
    }

    /** The container's files and volumes, in place, as the runtime mounts them. */
    mount(container: Container, volumeOwner = { uid: container.user ?? 0, gid: container.group ?? 0 }): void {
        for (const volume of container.volumes) this.mkdir(volume, volumeOwner.uid, volumeOwner.gid, 0o700);
        for (const file of container.files) this.writeFile(file.path, file.content, file.mode, file.uid, file.gid);
    }

    /**
     * Runs the container's health check as its runtime does: its command inside the container, as its
     * user, with its image's tools (busybox's in a busybox image); or the kubelet's HTTP GET of its
     * port (healthy: status 200-399).
     */
    probe(container: Container, options: RunOptions = {}): { code: number; output: string } {
        const probe = container.health;
        if (!probe) throw new Error(`${container.workload} has no health check`);
        if ("http" in probe) return this.run(["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${probe.http.port}${probe.http.path}`], { timeoutMs: 10_000 });
        if (isBusyboxImage(container.image) && !locateBinary("busybox"))
            throw new Error(`${container.workload}'s image is busybox-based: its health check needs busybox's wget (the Debian package busybox-static)`);
        const toolbox = isBusyboxImage(container.image) ? [BUSYBOX_BIN] : [];
        const PATH = containerPath([...toolbox, ...(options.env?.PATH ?? containerPath()).split(":")]);
        return this.run(probe.exec, { user: container.user, group: container.group, timeoutMs: 10_000, ...options, env: { ...options.env, PATH } });
    }

    /** An HTTP GET from inside (the body), or undefined when it fails. */
    get(url: string): string | undefined {
        const run = this.run(["wget", "-q", "-O", "-", url], { timeoutMs: 10_000 });
        return run.code === 0 ? run.output : undefined;
    }

    /** Ends the processes started inside (SIGKILL: a container's stop is not what is tested). */
    async stopProcesses(): Promise<void> {
        await Promise.all(
            this.processes.splice(0).map(
                ({ child }) =>
                    new Promise<void>((resolve) => {
                        if (child.exitCode !== null || child.signalCode !== null) return resolve();
                        child.once("exit", () => resolve());
                        child.kill("SIGKILL");
                    }),
            ),
        );
    }

    async stop(): Promise<void> {
        await this.stopProcesses();
        await new Promise<void>((resolve) => {
            if (this.holder.exitCode !== null || this.holder.signalCode !== null) return resolve();
            this.holder.once("exit", () => resolve());
            this.holder.kill("SIGKILL");
        });
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
