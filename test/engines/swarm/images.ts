import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as esbuild from "esbuild";
import * as ts from "typescript";
import { ROOT } from "../../support/plan";
import type { EngineApi } from "./engine";
import { ensurePythonServerVenv, PYTHON_SERVER } from "../../mcpServers/python/python";
import { Rootfs, sharedLibraries } from "./rootfs";

/**
 * The images the dev plan names, built on this machine (nothing can be pulled here) and tagged with
 * the plan's exact names. The catalog's MCP servers run the test servers built with the official
 * SDKs (test/mcpServers/: TypeScript and Python, every other server each; a `transport: stdio` entry
 * runs the TypeScript SDK's stdio server behind the stdio bridge). Where Debian ships the
 * program, the image runs Debian's binary; where it does not (Grafana, Jaeger, oauth2-proxy, the
 * Docker socket proxy), it runs the stand-in in fake/server.ts in the matching role.
 */
export type ImageKind =
    | "mcp-typescript"
    | "mcp-python"
    | "mcp-stdio"
    | "prometheus"
    | "alertmanager"
    | "nginx"
    | "redis"
    | "postgres"
    | "redis-exporter"
    | "postgres-exporter"
    | "standin";

interface ImageRecipe {
    readonly kind: ImageKind;
    /** For the stand-ins: the role and, for `standin`, the ports it answers on. */
    readonly env?: Record<string, string>;
}

/** Upstream images by repository (after the registry mirror prefix), and what stands in for them. */
const UPSTREAM: Record<string, ImageRecipe> = {
    "docker.io/prom/prometheus": { kind: "prometheus" },
    "docker.io/prom/alertmanager": { kind: "alertmanager" },
    "docker.io/nginxinc/nginx-unprivileged": { kind: "nginx" },
    "docker.io/library/redis": { kind: "redis" },
    "docker.io/library/postgres": { kind: "postgres" },
    "docker.io/oliver006/redis_exporter": { kind: "redis-exporter" },
    "quay.io/prometheuscommunity/postgres-exporter": { kind: "postgres-exporter" },
    "docker.io/tecnativa/docker-socket-proxy": { kind: "standin", env: { SOPHIA_FAKE_ROLE: "docker-api" } },
    "quay.io/oauth2-proxy/oauth2-proxy": { kind: "standin", env: { SOPHIA_FAKE_ROLE: "oauth2-proxy" } },
    "docker.io/grafana/grafana": { kind: "standin", env: { SOPHIA_FAKE_ROLE: "standin", SOPHIA_STANDIN_PORTS: "3000" } },
    // Jaeger's health, OTLP (gRPC, HTTP), query and metrics ports.
    "docker.io/jaegertracing/jaeger": { kind: "standin", env: { SOPHIA_FAKE_ROLE: "standin", SOPHIA_STANDIN_PORTS: "13133,4317,4318,16686,8888" } },
};

export type McpSdk = "mcp-typescript" | "mcp-python" | "mcp-stdio";

/**
 * The SDK each catalog server's image is built with: a `transport: stdio` entry gets the stdio server
 * behind the bridge; the others TypeScript and Python in turn, in catalog order, counted apart among
 * public and internal servers so that servers of both run behind the edge.
 */
export function sdkAssignment(servers: readonly { readonly name: string; readonly expose: string; readonly transport?: string }[]): Map<string, McpSdk> {
    const counts = new Map<string, number>();
    return new Map(
        servers.map((server): [string, McpSdk] => {
            if (server.transport === "stdio") return [server.name, "mcp-stdio"];
            const index = counts.get(server.expose) ?? 0;
            counts.set(server.expose, index + 1);
            return [server.name, index % 2 === 0 ? "mcp-typescript" : "mcp-python"];
        }),
    );
}

/** What to build for one image the plan names; an image nobody knows how to build fails by name. */
export function recipeFor(image: string, sdks: ReadonlyMap<string, McpSdk>): ImageRecipe {
    const [repository] = splitImage(image);
    const mirrored = UPSTREAM[/\/mirror\/(.+)$/.exec(repository)?.[1] ?? ""];
    if (mirrored) return mirrored;
    const server = /\/sophia-([^/]+)$/.exec(repository)?.[1];
    const sdk = server ? sdks.get(server) : undefined;
    if (sdk) return { kind: sdk };
    throw new Error(`the engine test cannot build image ${image}: add a recipe for it in test/engines/swarm/images.ts`);
}

/** repository and tag of `host/path:tag`. */
export function splitImage(image: string): [string, string] {
    const at = image.lastIndexOf(":");
    return at > image.lastIndexOf("/") ? [image.slice(0, at), image.slice(at + 1)] : [image, "latest"];
}

const PG = "/usr/lib/postgresql/15";

/** The official postgres image's first start, reduced to what the plan's env uses. */
const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$POSTGRES_PASSWORD_FILE" --auth-local=trust --auth-host=scram-sha-256 --locale=C --encoding=UTF8 >/dev/null
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "CREATE DATABASE \\"$POSTGRES_DB\\";" | postgres --single -D "$PGDATA" postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
`;

/** Per kind: the root file system and the image configuration (`docker import --change`). */
const BUILDERS: Record<Exclude<ImageKind, "standin">, (fs: Rootfs) => string[]> = {
    prometheus: (r) => (
        r.binary("/usr/bin/prometheus", "/bin/prometheus").owned("/prometheus", 65534),
        ['ENTRYPOINT ["/bin/prometheus"]', "WORKDIR /prometheus"]
    ),
    alertmanager: (r) => (
        r.binary("/usr/bin/prometheus-alertmanager", "/bin/alertmanager").tree("/usr/share/prometheus/alertmanager").owned("/alertmanager", 65534),
        ['ENTRYPOINT ["/bin/alertmanager"]', "WORKDIR /alertmanager"]
    ),
    nginx: (r) => (r.binary("/usr/sbin/nginx").owned("/var/log/nginx", 10001), ['CMD ["nginx", "-g", "daemon off;"]']),
    redis: (r) => (r.binary("/usr/bin/redis-server").binary("/usr/bin/redis-cli").owned("/data", 999), ['CMD ["redis-server"]', "WORKDIR /data"]),
    postgres: (r) => {
        for (const tool of ["postgres", "initdb", "pg_isready", "pg_ctl"]) r.binary(`${PG}/bin/${tool}`);
        for (const lib of fs.readdirSync(`${PG}/lib`).filter((f) => f.endsWith(".so"))) r.binary(`${PG}/lib/${lib}`);
        r.tree("/usr/share/postgresql/15").tree("/usr/share/zoneinfo").owned("/var/lib/postgresql/data", 999).owned("/var/run/postgresql", 999, 0o3777);
        r.write("/usr/local/bin/docker-entrypoint.sh", POSTGRES_ENTRYPOINT, 0o755);
        return [`ENV PATH=${PG}/bin:/usr/local/bin:/usr/bin:/bin`, 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'];
    },
    "redis-exporter": (r) => (r.binary("/usr/bin/prometheus-redis-exporter", "/bin/redis_exporter"), ['ENTRYPOINT ["/bin/redis_exporter"]']),
    "postgres-exporter": (r) => (r.binary("/usr/bin/prometheus-postgres-exporter", "/bin/postgres_exporter"), ['ENTRYPOINT ["/bin/postgres_exporter"]']),
    "mcp-typescript": typescriptServerRootfs,
    "mcp-python": pythonServerRootfs,
    "mcp-stdio": stdioServerRootfs,
};

/** Where the stand-in program lives in its image (it imports the metrics contract by relative path). */
export const FAKE_PROGRAM = "/opt/sophia/test/engines/swarm/fake/server.js";

/** Node and the TypeScript SDK's test server, bundled with its dependencies (the SDK, prom-client, zod) into one file. */
function typescriptServerRootfs(r: Rootfs): string[] {
    r.binary(process.execPath, "/usr/local/bin/node");
    const bundled = esbuild.buildSync({
        entryPoints: [path.join(ROOT, "test/mcpServers/typescript/server.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        write: false,
        logLevel: "silent",
    });
    r.write("/opt/sophia/server.js", bundled.outputFiles[0].text);
    return ['ENTRYPOINT ["node", "/opt/sophia/server.js"]'];
}

/** Where the stdio test server lives in its image: a `transport: stdio` entry's command runs it. */
export const STDIO_SERVER_COMMAND: readonly string[] = ["node", "/opt/sophia/server.js"];

/** The bridge's folder, as images/stdio-bridge/Dockerfile lays it out (the plan's command names bridge.js there). */
const BRIDGE_DIR = "/opt/sophia/stdio-bridge";

const bundle = (entry: string, options: esbuild.BuildOptions = {}): string =>
    esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: "node", target: "node20", write: false, logLevel: "silent", ...options }).outputFiles![0]
        .text;

/**
 * Node, the stdio bridge and the TypeScript SDK's stdio server, as images/stdio-bridge/Dockerfile and
 * an image FROM it lay them out, each program bundled with its dependencies (no npm here). The bridge
 * starts supergateway by its package path, so supergateway keeps its package layout: its package.json
 * (it reads its version there) and an entry that loads the bundle from dist/lib, where its own modules
 * sit. supergateway starts the command through a shell (busybox sh); the health check runs busybox wget.
 */
function stdioServerRootfs(r: Rootfs): string[] {
    r.binary(process.execPath, "/usr/local/bin/node");
    r.write(`${BRIDGE_DIR}/bridge.js`, bundle(path.join(ROOT, "images/stdio-bridge/src/bridge.ts")));
    r.write(`${BRIDGE_DIR}/loopback.cjs`, fs.readFileSync(path.join(ROOT, "images/stdio-bridge/src/loopback.cjs"), "utf8"));
    const gateway = path.dirname(require.resolve("supergateway/package.json"));
    const installed = `${BRIDGE_DIR}/node_modules/supergateway`;
    r.write(`${installed}/package.json`, fs.readFileSync(path.join(gateway, "package.json"), "utf8"));
    // An ES module bundle of CommonJS dependencies (express, ...) needs a require of its own.
    const banner = 'import { createRequire } from "module"; const require = createRequire(import.meta.url);';
    r.write(`${installed}/dist/lib/bundle.js`, bundle(path.join(gateway, "dist/index.js"), { format: "esm", banner: { js: banner } }));
    r.write(`${installed}/dist/index.js`, 'import "./lib/bundle.js";\n');
    r.write(STDIO_SERVER_COMMAND[1], bundle(path.join(ROOT, "test/mcpServers/stdio/server.ts")));
    return [`ENTRYPOINT ["node", "${BRIDGE_DIR}/bridge.js"]`];
}

/** Debian's Python 3.11 (the interpreter, its standard library, the libraries they load). */
const DEBIAN_PYTHON = "/usr/bin/python3.11";
const SITE_PACKAGES = "/opt/sophia/site-packages";

/**
 * Debian's Python with the Python SDK's test server and its pinned requirements, installed by pip
 * into a virtualenv of the same interpreter (kept under .cache/ between runs) and copied in.
 */
function pythonServerRootfs(r: Rootfs): string[] {
    if (!fs.existsSync(DEBIAN_PYTHON)) throw new Error(`${DEBIAN_PYTHON} is missing: install the Debian packages "python3" and "python3-venv" (.ci/run does)`);
    const venv = ensurePythonServerVenv(path.join(ROOT, ".cache", "mcp-python-image-venv"), DEBIAN_PYTHON);
    const sitePackages = path.join(path.dirname(path.dirname(venv)), "lib", "python3.11", "site-packages");
    r.binary(DEBIAN_PYTHON).tree("/usr/lib/python3.11").tree(sitePackages, SITE_PACKAGES);
    // The compiled modules of the standard library and the wheels load libraries of their own (libssl, libffi, ...).
    for (const folder of ["/usr/lib/python3.11/lib-dynload", sitePackages])
        for (const module of fs.readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".so")))
            for (const library of sharedLibraries(path.join(folder, module))) if (!fs.existsSync(path.join(r.dir, library))) r.binary(library);
    r.write("/opt/sophia/server.py", fs.readFileSync(PYTHON_SERVER, "utf8"));
    return [`ENV PYTHONPATH=${SITE_PACKAGES}`, "ENV PYTHONDONTWRITEBYTECODE=1", `ENTRYPOINT ["${DEBIAN_PYTHON}", "/opt/sophia/server.py"]`];
}

/** Node and the stand-in program (the roles of programs that have no Debian package), transpiled. */
function fakeRootfs(r: Rootfs): string[] {
    r.binary(process.execPath, "/usr/local/bin/node");
    for (const source of ["test/engines/swarm/fake/server.ts"]) {
        const output = ts.transpileModule(fs.readFileSync(path.join(ROOT, source), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        });
        r.write(path.join("/opt/sophia", source.replace(/\.ts$/, ".js")), output.outputText);
    }
    return [`ENTRYPOINT ["node", "${FAKE_PROGRAM}"]`];
}

const PATH_ENV = "ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** `docker import` of a root file system, tagged `tag`. */
async function importRootfs(api: EngineApi, dir: string, tag: string, build: (r: Rootfs) => string[]): Promise<void> {
    const rootfs = new Rootfs(dir);
    const changes = [PATH_ENV, ...build(rootfs)];
    const [repo, version] = splitImage(tag);
    const query = new URLSearchParams({ fromSrc: "-", repo, tag: version });
    for (const change of changes) query.append("changes", change);
    const answer = await api.request("POST", `/images/create?${query.toString()}`, rootfs.tar());
    if (answer.status !== 200 || /"error"/.test(String(answer.body))) throw new Error(`import of ${tag} failed: ${JSON.stringify(answer.body)}`);
    fs.rmSync(dir, { recursive: true, force: true });
}

/** An image FROM a local one with extra environment (the stand-ins' roles): a one-line build. */
async function derive(api: EngineApi, dir: string, from: string, tag: string, env: Record<string, string>): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const lines = [`FROM ${from}`, ...Object.entries(env).map(([k, v]) => `ENV ${k}=${v}`)];
    fs.writeFileSync(path.join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
    const context = execFileSync("tar", ["-C", dir, "-c", "Dockerfile"]);
    const answer = await api.request("POST", `/build?${new URLSearchParams({ t: tag, pull: "0", rm: "1" }).toString()}`, context);
    if (answer.status !== 200 || /"error"/.test(String(answer.body))) throw new Error(`build of ${tag} failed: ${JSON.stringify(answer.body)}`);
}

/** Builds every image the plan names, each distinct recipe once, and tags it with the plan's name. */
export async function buildImages(
    api: EngineApi,
    workDir: string,
    images: readonly string[],
    sdks: ReadonlyMap<string, McpSdk>,
): Promise<Map<string, ImageKind>> {
    const kinds = new Map<string, ImageKind>();
    const built = new Map<string, string>();
    const base = "sophia-engine-test/node:fake";
    await importRootfs(api, path.join(workDir, "rootfs-node"), base, fakeRootfs);
    for (const image of images) {
        const recipe = recipeFor(image, sdks);
        kinds.set(image, recipe.kind);
        const key = `${recipe.kind}:${JSON.stringify(recipe.env ?? {})}`;
        const existing = built.get(key);
        const [repo, tag] = splitImage(image);
        if (existing) await api.expect("POST", `/images/${existing}/tag?${new URLSearchParams({ repo, tag }).toString()}`);
        else if (recipe.kind === "standin") await derive(api, path.join(workDir, `build-${built.size}`), base, image, recipe.env ?? {});
        else await importRootfs(api, path.join(workDir, `rootfs-${recipe.kind}`), image, BUILDERS[recipe.kind]);
        built.set(key, existing ?? image);
    }
    return kinds;
}
