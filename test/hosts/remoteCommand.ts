import { spawn } from "child_process";
import { Duplex } from "stream";
import { Client } from "ssh2";

/**
 * One run of a remote.Command's `create`, the way @pulumi/command's provider does it
 * (provider/pkg/provider/remote/commandOutputs.go): one SSH connection and one session; each
 * `environment` entry sent as an SSH "env" request, so the server's AcceptEnv decides whether the
 * command sees it; `stdin` written verbatim (no newline added) and then closed; the command string
 * executed as given; a non-zero exit fails with the combined output; stdout and stderr with one
 * trailing newline removed. One difference: the provider's Go client asks for a reply to each env
 * request and fails when it is refused, ssh2 sends them without; either way the command never
 * sees a refused variable, which is what the scripts must not depend on.
 */
export interface RemoteCommandArgs {
    readonly create: string;
    readonly stdin?: string;
    readonly environment?: Readonly<Record<string, string>>;
}

export interface Connection {
    /** The network namespace the connection starts from (the operator's or CI's place). */
    readonly fromNamespace: string;
    readonly host: string;
    readonly user: string;
    readonly privateKey: string;
}

export class RemoteCommandError extends Error {
    constructor(
        readonly exitCode: number | null,
        readonly output: string,
        command: string,
    ) {
        super(`Process exited with status ${exitCode}: running ${JSON.stringify(command.slice(0, 200))}:\n${output}`);
    }
}

/** A TCP stream to host:22 opened inside a network namespace: the lab's machines are reachable only there. */
function tcpFrom(namespace: string, host: string): Duplex {
    const relay = `const s = require("net").connect(22, process.argv[1]); process.stdin.pipe(s); s.pipe(process.stdout); s.on("close", () => process.exit(0)); s.on("error", (e) => { console.error(e.message); process.exit(1); });`;
    const child = spawn("nsenter", [`--net=/run/netns/${namespace}`, process.execPath, "-e", relay, host], { stdio: ["pipe", "pipe", "inherit"] });
    const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
    stream.on("close", () => child.kill());
    return stream;
}

export function runRemoteCommand(connection: Connection, args: RemoteCommandArgs): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const client = new Client();
        let settled = false;
        const done = (error: Error | undefined, value?: { stdout: string; stderr: string }) => {
            if (settled) return;
            settled = true;
            client.end();
            if (error) reject(error);
            else resolve(value!);
        };
        client.on("error", (e) => done(e));
        client.on("ready", () => {
            client.exec(args.create, { env: args.environment ? { ...args.environment } : undefined }, (err, channel) => {
                if (err) return done(err);
                let stdout = "";
                let stderr = "";
                let both = "";
                channel.on("data", (d: Buffer) => {
                    stdout += d.toString("utf8");
                    both += d.toString("utf8");
                });
                channel.stderr.on("data", (d: Buffer) => {
                    stderr += d.toString("utf8");
                    both += d.toString("utf8");
                });
                let code: number | null = null;
                channel.on("exit", (exitCode: number | null) => (code = exitCode));
                channel.on("close", () => {
                    if (code !== 0) return done(new RemoteCommandError(code, both, args.create));
                    done(undefined, { stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
                });
                // Written verbatim, then end of input.
                if (args.stdin && args.stdin.length > 0) channel.end(args.stdin);
                else channel.end();
            });
        });
        client.connect({
            sock: tcpFrom(connection.fromNamespace, connection.host),
            username: connection.user,
            privateKey: connection.privateKey,
            readyTimeout: 15_000,
        });
    });
}
