import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../../support/plan";
import type { EngineApi } from "./engine";
import { Rootfs } from "./rootfs";

/**
 * The images the dev plan names, built on this machine (nothing can be pulled here) and tagged with
 * the plan's exact names. Where Debian ships the program, the image runs Debian's binary; where it
 * does not (Grafana, Jaeger, oauth2-proxy, the Docker socket proxy, our MCP servers), it runs the
 * stand-in in fake/server.ts in the matching role.
 */
export type ImageKind = "mcp" | "prometheus" | "alertmanager" | "nginx" | "redis" | "postgres" | "redis-exporter" | "postgres-exporter" | "standin";

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

/** What to build for one image the plan names; an image nobody knows how to build fails by name. */
export function recipeFor(image: string, servers: ReadonlySet<string>): ImageRecipe {
    const [repository] = splitImage(image);
    const mirrored = UPSTREAM[/\/mirror\/(.+)$/.exec(repository)?.[1] ?? ""];
    if (mirrored) return mirrored;
    const server = /\/sophia-([^/]+)$/.exec(repository)?.[1];
    if (server && servers.has(server)) return { kind: "mcp", env: { SOPHIA_FAKE_ROLE: "mcp" } };
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
const BUILDERS: Record<Exclude<ImageKind, "mcp" | "standin">, (fs: Rootfs) => string[]> = {
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
};

/** Where the stand-in program lives in its image (it imports the metrics contract by relative path). */
export const FAKE_PROGRAM = "/opt/sophia/test/engines/swarm/fake/server.js";

/** Node and the stand-in program, transpiled with the metrics contract it imports. */
function fakeRootfs(r: Rootfs): string[] {
    r.binary(process.execPath, "/usr/local/bin/node");
    for (const source of ["test/engines/swarm/fake/server.ts", "components/monitoring/metricsContract.ts"]) {
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
export async function buildImages(api: EngineApi, workDir: string, images: readonly string[], servers: ReadonlySet<string>): Promise<Map<string, ImageKind>> {
    const kinds = new Map<string, ImageKind>();
    const built = new Map<string, string>();
    const base = "sophia-engine-test/node:fake";
    await importRootfs(api, path.join(workDir, "rootfs-node"), base, fakeRootfs);
    for (const image of images) {
        const recipe = recipeFor(image, servers);
        kinds.set(image, recipe.kind);
        const key = `${recipe.kind}:${JSON.stringify(recipe.env ?? {})}`;
        const existing = built.get(key);
        const [repo, tag] = splitImage(image);
        if (existing) await api.expect("POST", `/images/${existing}/tag?${new URLSearchParams({ repo, tag }).toString()}`);
        else if (recipe.kind === "mcp" || recipe.kind === "standin")
            await derive(api, path.join(workDir, `build-${built.size}`), base, image, recipe.env ?? {});
        else await importRootfs(api, path.join(workDir, `rootfs-${recipe.kind}`), image, BUILDERS[recipe.kind]);
        built.set(key, existing ?? image);
    }
    return kinds;
}
