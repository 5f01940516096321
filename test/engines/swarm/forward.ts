import { spawn } from "child_process";
import * as net from "net";
import type { Dockerd } from "./engine";

export interface Forward {
    readonly port: number;
    close(): Promise<void>;
}

/**
 * A port on 127.0.0.1 whose connections go into the Swarm's overlay networks, as `kubectl
 * port-forward` does into a cluster: each connection is piped through `docker exec -i <container>
 * nc <host> <port>` in a container on those networks (the services publish no ports here).
 */
export function forwardInto(dockerd: Dockerd, container: string, host: string, port: number): Promise<Forward> {
    const server = net.createServer((socket) => {
        const pipe = spawn("docker", ["-H", `unix://${dockerd.socket}`, "exec", "-i", container, "nc", host, String(port)], {
            stdio: ["pipe", "pipe", "ignore"],
        });
        socket.pipe(pipe.stdin);
        pipe.stdout.pipe(socket);
        socket.on("error", () => pipe.kill());
        socket.on("close", () => pipe.kill());
        pipe.stdin.on("error", () => socket.destroy());
        pipe.on("exit", () => socket.end());
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                port: (server.address() as net.AddressInfo).port,
                close: () => new Promise((r) => server.close(() => r())),
            }),
        ),
    );
}
