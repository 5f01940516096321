// The one HTTP client of the release commands: bounded in time, with an optional address to connect
// to instead of the URL's host (keeping TLS SNI and Host) and an optional CA for private certificates.
import * as http from "http";
import * as https from "https";
import * as tls from "tls";

export interface HttpOptions {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs: number;
    /** host:port to connect to instead of resolving the URL's host (before DNS cut-over, through a tunnel). */
    readonly connectTo?: { readonly host: string; readonly port: number };
    /** PEM certificates trusted besides the system's (self-signed or private CA). */
    readonly ca?: string;
}

export interface HttpAnswer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

/** One request; rejects with a one-line reason (refused, timed out, TLS) instead of a stack trace. */
export function httpRequest(url: string, options: HttpOptions): Promise<HttpAnswer> {
    const target = new URL(url);
    const client = target.protocol === "https:" ? https : http;
    const connect = options.connectTo;
    return new Promise((resolve, reject) => {
        const req = client.request(
            {
                protocol: target.protocol,
                host: connect?.host ?? target.hostname,
                port: connect?.port ?? target.port,
                path: `${target.pathname}${target.search}`,
                method: options.method ?? "GET",
                servername: target.hostname,
                headers: { host: target.host, ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
                // Given alone, `ca` would replace the system roots; keep them.
                ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
                timeout: options.timeoutMs,
            },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => (body += chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
                res.on("error", (error) => reject(new Error(error.message)));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)));
        req.on("error", (error: Error & { code?: string }) => reject(new Error(reason(error, connect ? `${connect.host}:${connect.port}` : target.host))));
        req.end(options.body);
    });
}

function reason(error: Error & { code?: string }, where: string): string {
    switch (error.code) {
        case "ECONNREFUSED":
            return `connection to ${where} refused`;
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return `${where} does not resolve`;
        default:
            return error.message;
    }
}
