import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * A container root file system assembled from this machine's Debian binaries: each binary with the
 * shared libraries `ldd` names, a static busybox for the shell and the tools health checks run
 * (wget, nc, pgrep), and the accounts the workloads run as.
 */
export class Rootfs {
    constructor(readonly dir: string) {
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        // A tmpfs mounted over a folder takes the folder's mode, as it does from upstream images.
        fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
        fs.chmodSync(path.join(dir, "tmp"), 0o1777);
        fs.mkdirSync(path.join(dir, "etc"), { recursive: true });
        this.busybox();
        this.write("/etc/passwd", ACCOUNTS.map(([name, uid]) => `${name}:x:${uid}:${uid}:${name}:/tmp:/bin/sh`).join("\n") + "\n");
        this.write("/etc/group", ACCOUNTS.map(([name, uid]) => `${name}:x:${uid}:`).join("\n") + "\n");
        this.write("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
    }

    private busybox(): void {
        const busybox = "/bin/busybox";
        if (!fs.existsSync(busybox)) throw new Error('busybox is missing: install the Debian package "busybox-static" (.ci/run does)');
        fs.copyFileSync(busybox, path.join(this.dir, "bin/busybox"));
        fs.chmodSync(path.join(this.dir, "bin/busybox"), 0o755);
        for (const applet of execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
            const link = path.join(this.dir, "bin", applet);
            if (!fs.existsSync(link)) fs.symlinkSync("busybox", link);
        }
    }

    write(file: string, content: string, mode = 0o644): this {
        const target = path.join(this.dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content, { mode });
        return this;
    }

    /** Copies a file (following links) to `at`, or to its own path, and the libraries it links. */
    binary(source: string, at = source): this {
        this.copy(source, at);
        for (const library of sharedLibraries(source)) if (!fs.existsSync(path.join(this.dir, library))) this.copy(library, library);
        return this;
    }

    /** Copies a folder as it is (data files such as PostgreSQL's share/). */
    tree(source: string, at = source): this {
        fs.cpSync(source, path.join(this.dir, at), { recursive: true, dereference: true });
        return this;
    }

    /** An empty folder owned by the account the workload runs as; a new volume mounted there copies it. */
    owned(folder: string, uid: number, mode = 0o755): this {
        const target = path.join(this.dir, folder);
        fs.mkdirSync(target, { recursive: true });
        fs.chownSync(target, uid, uid);
        fs.chmodSync(target, mode);
        return this;
    }

    private copy(source: string, at: string): void {
        const target = path.join(this.dir, at);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(fs.realpathSync(source), target);
        fs.chmodSync(target, fs.statSync(source).mode & 0o7777);
    }

    /** The root file system as a tar stream for `POST /images/create?fromSrc=-`. */
    tar(): Buffer {
        return execFileSync("tar", ["--numeric-owner", "-C", this.dir, "-c", "."], { maxBuffer: 2 ** 31 - 1 });
    }
}

/** Accounts the dev plan's workloads run as (their `user`), named as their upstream images name them. */
const ACCOUNTS: readonly [string, number][] = [
    ["root", 0],
    ["grafana", 472],
    ["postgres", 999],
    ["sophia", 10001],
    ["exporter", 59000],
    ["nobody", 65534],
];

/** The absolute paths of the shared libraries a binary loads, the dynamic loader included. */
export function sharedLibraries(binary: string): string[] {
    let output: string;
    try {
        output = execFileSync("ldd", [binary], { encoding: "utf8" });
    } catch {
        return []; // a static binary: "not a dynamic executable"
    }
    return [...output.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1]);
}
