import { execFile, execFileSync } from "child_process";
import { requireBinary } from "./tools";

/**
 * A network namespace of the test's own, linked to this host by a veth pair with addresses in a
 * private range (where a cluster's pods connect from): a request sent from it reaches this host's
 * listeners from a private address, whatever addresses this host has. `remove()` deletes the
 * namespace, which removes both ends of the pair; nothing else of this host's network changes.
 * Namespaces and links need root: as another user, `ip` runs through sudo (as on CI runners).
 */
export class PrivateNeighbour {
    private constructor(
        readonly namespace: string,
        /** This host's end of the link: where the neighbour reaches this host's listeners. */
        readonly hostAddress: string,
        /** The neighbour's own address: the source of its requests. */
        readonly address: string,
    ) {}

    static create(tag: string): PrivateNeighbour {
        const id = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
        const namespace = `sophia-${tag}-${id}`;
        // A /30 of 10.200.0.0/13 that is not routed here yet.
        const routes = execFileSync(...asRoot("ip", ["-4", "route", "show"]), { encoding: "utf8" });
        let prefix: string;
        do prefix = `10.${200 + Math.floor(Math.random() * 8)}.${Math.floor(Math.random() * 256)}.${4 * Math.floor(Math.random() * 64)}`;
        while (routes.includes(`${prefix}/30`));
        const [a, b, c, d] = prefix.split(".").map(Number);
        const hostAddress = `${a}.${b}.${c}.${d + 1}`;
        const address = `${a}.${b}.${c}.${d + 2}`;
        // Interface names are at most 15 characters.
        const hostEnd = `sxn${id}`.slice(0, 15);
        ip("netns", "add", namespace);
        const neighbour = new PrivateNeighbour(namespace, hostAddress, address);
        try {
            ip("link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", namespace);
            ip("addr", "add", `${hostAddress}/30`, "dev", hostEnd);
            ip("link", "set", hostEnd, "up");
            ip("-n", namespace, "link", "set", "lo", "up");
            ip("-n", namespace, "addr", "add", `${address}/30`, "dev", "eth0");
            ip("-n", namespace, "link", "set", "eth0", "up");
        } catch (error) {
            neighbour.remove();
            throw error;
        }
        return neighbour;
    }

    /** An HTTP request from the neighbour to this host's `port`; resolves with the status code. */
    request(port: number, host: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
        const request = { host: this.hostAddress, port, path, method: options.method ?? "GET", headers: { Host: host, ...options.headers } };
        const script = `
            const request = require("http").request(${JSON.stringify(request)}, (res) => { res.resume(); res.on("end", () => console.log(res.statusCode)); });
            request.on("error", (e) => { console.error(e.message); process.exit(1); });
            request.end(${JSON.stringify(options.body ?? "")});`;
        return new Promise((resolve, reject) =>
            execFile(
                ...asRoot("ip", ["netns", "exec", this.namespace, process.execPath, "-e", script]),
                { encoding: "utf8", timeout: 15_000 },
                (error, stdout, stderr) =>
                    error ? reject(new Error(`request from ${this.address} failed: ${stderr || error.message}`)) : resolve(Number(stdout.trim())),
            ),
        );
    }

    remove(): void {
        execFileSync(...asRoot("ip", ["netns", "delete", this.namespace]), { stdio: "ignore" });
    }
}

function ip(...args: string[]): void {
    execFileSync(...asRoot("ip", args), { stdio: ["ignore", "ignore", "pipe"] });
}

/** The command and arguments that run `binary` as root: itself as root, else through sudo without a password prompt. */
function asRoot(binary: string, args: readonly string[]): [string, string[]] {
    return process.getuid?.() === 0 ? [requireBinary(binary), [...args]] : ["sudo", ["-n", requireBinary(binary), ...args]];
}
