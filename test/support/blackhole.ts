// An address that takes no connections and refuses none: connecting there times out, as connecting
// to a container that died does on an overlay network until the orchestrator drops its address. A
// listening socket whose accept queue is full is that: Linux drops the SYNs it cannot queue. Node
// accepts every connection itself, so a small Python program holds the socket.
import { spawn } from "child_process";
import * as net from "net";
import { requireBinary } from "./tools";

const HOLDER = `
import socket, sys
listener = socket.socket()
listener.bind((sys.argv[1], int(sys.argv[2])))
listener.listen(0)
# One connection fills a queue of length 0; nothing ever accepts it.
queued = socket.create_connection(listener.getsockname())
print(listener.getsockname()[1], flush=True)
sys.stdin.read()
`;

export interface Blackhole {
    readonly port: number;
    close(): Promise<void>;
}

/** Starts a blackhole on `address` (and `port`, or a free one); it holds until `close` or this process ends. */
export async function startBlackhole(address: string, port = 0): Promise<Blackhole> {
    const holder = spawn(requireBinary("python3"), ["-c", HOLDER, address, String(port)], { stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<void>((resolve) => holder.once("exit", () => resolve()));
    const close = async (): Promise<void> => {
        holder.stdin.end();
        await exited;
    };
    let stderr = "";
    holder.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const line = await new Promise<string>((resolve) => {
        let out = "";
        holder.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(out.trim());
        });
        holder.once("exit", () => resolve(""));
    });
    const bound = Number(line);
    if (!Number.isInteger(bound) || bound <= 0) {
        await close();
        throw new Error(`the blackhole on ${address}:${port} did not start: ${stderr.trim() || "no port printed"}`);
    }
    // What makes it a blackhole, checked: a connection neither opens nor is refused.
    const outcome = await new Promise<string>((resolve) => {
        const probe = net.connect({ host: address, port: bound });
        const settle = (what: string): void => {
            clearTimeout(timer);
            probe.destroy();
            resolve(what);
        };
        const timer = setTimeout(() => settle("pending"), 500);
        probe.once("connect", () => settle("connected"));
        probe.once("error", (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    });
    if (outcome !== "pending") {
        await close();
        throw new Error(`the blackhole on ${address}:${bound} answered a connection (${outcome})`);
    }
    return { port: bound, close };
}
