import * as fs from "fs";
import * as https from "https";

/** What the Go program writes to connection.json. */
export interface Connection {
    server: string;
    caFile: string;
    token: string;
}

export interface ApiResponse {
    status: number;
    body: Record<string, unknown>;
    /** The server's Warning headers, text only ("299 - \"text\"" → text). */
    warnings: string[];
}

interface ApiResource {
    name: string;
    kind: string;
    namespaced: boolean;
}

const FIELD_MANAGER = "sophia-engine-test";

/** The warn-text of each Warning header (RFC 7234: code agent "text"). */
export function warningTexts(headers: readonly string[]): string[] {
    return headers.map((h) => /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(h)?.[1].replace(/\\(.)/g, "$1") ?? h);
}

/** A minimal Kubernetes REST client over https with the engine's CA and admin token. */
export class KubeClient {
    private readonly agent: https.Agent;
    private readonly resources = new Map<string, ApiResource[]>();

    constructor(private readonly connection: Connection) {
        this.agent = new https.Agent({ ca: fs.readFileSync(connection.caFile), keepAlive: true, maxSockets: 8 });
    }

    close(): void {
        this.agent.destroy();
    }

    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(new URL(path, this.connection.server), {
                method,
                agent: this.agent,
                headers: {
                    authorization: `Bearer ${this.connection.token}`,
                    accept: "application/json",
                    ...(payload === undefined ? {} : { "content-type": contentType, "content-length": Buffer.byteLength(payload) }),
                },
                timeout: 60_000,
            });
            req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
            req.on("error", reject);
            req.on("response", (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: Record<string, unknown>;
                    try {
                        parsed = JSON.parse(text) as Record<string, unknown>;
                    } catch {
                        parsed = { message: text };
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed, warnings: warningTexts(res.headersDistinct.warning ?? []) });
                });
            });
            req.end(payload);
        });
    }

    /** The REST path of an object, from the server's discovery of its group version. */
    async objectPath(apiVersion: string, kind: string, name: string, namespace?: string): Promise<string> {
        const resource = (await this.discover(apiVersion)).find((r) => r.kind === kind && !r.name.includes("/"));
        if (!resource) throw new Error(`the server serves no kind ${kind} in ${apiVersion}`);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const scope = resource.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
        return `${base}${scope}/${resource.name}${name ? `/${name}` : ""}`;
    }

    private async discover(apiVersion: string): Promise<ApiResource[]> {
        const cached = this.resources.get(apiVersion);
        if (cached) return cached;
        const response = await this.request("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
        if (response.status !== 200) return [];
        const list = (response.body.resources ?? []) as ApiResource[];
        this.resources.set(apiVersion, list);
        return list;
    }

    /** Server-side apply with strict field validation: an unknown or duplicate field is an error. */
    async apply(object: Record<string, unknown>): Promise<ApiResponse> {
        const metadata = object.metadata as { name: string; namespace?: string };
        const path = await this.objectPath(String(object.apiVersion), String(object.kind), metadata.name, metadata.namespace);
        return this.request("PATCH", `${path}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true`, object, "application/apply-patch+yaml");
    }

    /** Creates an object as a dry run: every admission step runs, nothing is stored. */
    async createDryRun(object: Record<string, unknown>): Promise<ApiResponse> {
        const metadata = object.metadata as { namespace?: string };
        const path = await this.objectPath(String(object.apiVersion), String(object.kind), "", metadata.namespace);
        return this.request("POST", `${path}?dryRun=All&fieldValidation=Strict&fieldManager=${FIELD_MANAGER}`, object);
    }
}
