import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/**
 * The Debian package that provides each binary the tests run: the one list of the suite's system
 * tools. `npm test` installs what is missing from it first (test/support/installTools.ts).
 */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
    promtool: "prometheus",
    prometheus: "prometheus",
    amtool: "prometheus-alertmanager",
    "prometheus-alertmanager": "prometheus-alertmanager",
    nginx: "nginx",
    openssl: "openssl",
    shellcheck: "shellcheck",
    ufw: "ufw",
    gpg: "gpg",
    jq: "jq",
    sshd: "openssh-server",
    initdb: "postgresql",
    pg_ctl: "postgresql",
    psql: "postgresql-client",
    pg_dump: "postgresql-client",
    pg_restore: "postgresql-client",
    "redis-server": "redis-server",
    "redis-cli": "redis-tools",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "prometheus-postgres-exporter": "prometheus-postgres-exporter",
    "prometheus-pushgateway": "prometheus-pushgateway",
    // busybox's wget, which the Prometheus images' health checks run (test/support/containers.ts).
    busybox: "busybox-static",
    // The health check Swarm runs in a server's container (components/platform/swarm/service.ts).
    wget: "wget",
    // Holds a socket no connection gets through (test/support/blackhole.ts).
    python3: "python3",
    // A network namespace linked to this host, where a private address stands in for a cluster's pods (test/support/privateNeighbour.ts).
    ip: "iproute2",
    // A PID namespace of a test's own, where only the processes it starts are seen (test/backup/health.test.ts).
    unshare: "util-linux",
};

/** Where Debian puts PostgreSQL's server programs: one folder per major version, not on PATH. */
const POSTGRES_LIB = "/usr/lib/postgresql";

/**
 * Folders searched for a binary: PATH, then the sbin folders a non-root PATH lacks (nginx lives in
 * /usr/sbin), then PostgreSQL's versioned server folders, newest first.
 */
export function binarySearchPath(pathVariable = process.env.PATH ?? ""): string[] {
    const versions = fs.existsSync(POSTGRES_LIB)
        ? fs
              .readdirSync(POSTGRES_LIB)
              .filter((v) => /^\d+$/.test(v))
              .sort((a, b) => Number(b) - Number(a))
        : [];
    return [...pathVariable.split(path.delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin", ...versions.map((v) => path.join(POSTGRES_LIB, v, "bin"))].filter(
        (dir) => dir !== "",
    );
}

/** The executable's path in the first folder that has it, or undefined. */
export function locateBinary(name: string, dirs: readonly string[] = binarySearchPath()): string | undefined {
    for (const dir of dirs) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** The command that installs these Debian packages, as a user would type it. */
export function aptInstallCommand(packages: readonly string[], sudo = true): string {
    const prefix = sudo ? "sudo " : "";
    return `${prefix}apt-get update && ${prefix}apt-get install -y --no-install-recommends ${[...new Set(packages)].sort().join(" ")}`;
}

/** The binary's path, or an error naming the binary, its Debian package and the command that installs it. */
export function requireBinary(name: string, dirs: readonly string[] = binarySearchPath()): string {
    const found = locateBinary(name, dirs);
    if (found) return found;
    const pkg = DEBIAN_PACKAGES[name] ?? name;
    throw new Error(
        `${name} is not installed (looked in PATH, the sbin folders and ${POSTGRES_LIB}/*/bin). It comes from the Debian package "${pkg}": ` +
            `${aptInstallCommand([pkg])} (npm test runs this itself as root or with sudo).`,
    );
}

/** The folder of PostgreSQL's server programs (initdb, pg_ctl, postgres) of the newest installed version. */
export function postgresServerBin(): string {
    return path.dirname(fs.realpathSync(requireBinary("initdb")));
}

export interface ToolRun {
    readonly code: number;
    readonly output: string;
}

/** Runs a tool to completion (bounded), returning its exit code and combined output. */
export function runTool(name: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): ToolRun {
    const result = spawnSync(requireBinary(name), args, { cwd: options.cwd, encoding: "utf8", timeout: options.timeoutMs ?? 60_000 });
    return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (error) {
            lastError = error;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.toString() : JSON.stringify(lastError)})` : ""}`,
    );
}
