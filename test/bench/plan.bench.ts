// npm run bench: wall time and peak memory of the offline plan of prod with 29, 100 and 1000
// servers against the floor (the same runtime registering as many bare resources), and the
// program's start-up with and without type-checking. Each number is one process; runs repeat.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE } from "../../catalog";
import { TIERS } from "../../catalog/schema";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKER = path.join(__dirname, "worker.ts");
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-bench-"));

interface Sample {
    wallMs: number;
    /** Within a plan: evaluating the program (the rest is checks and writing files). */
    evaluateMs: number;
    maxRssMb: number;
    resources: number;
    uptimeMs: number;
}

/** The real catalog plus generated servers up to `count`. */
function catalogOf(count: number): string {
    const data = YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };
    for (let i = data.servers.length; i < count; i++) {
        data.servers.push({
            name: `generated-${i}`,
            port: 20000 + i,
            category: "additional",
            purpose: "benchmark load",
            tier: TIERS[i % TIERS.length],
            version: "1.0.0",
        });
    }
    const file = path.join(work, `catalog-${count}.yaml`);
    fs.writeFileSync(file, YAML.stringify(data));
    return file;
}

/** How a process loads TypeScript: Pulumi.yaml's transpile-only mode, or ts-node type-checking at every start. */
interface LoadMode {
    readonly register: string;
    readonly env: Readonly<Record<string, string>>;
}

const TRANSPILE_ONLY: LoadMode = { register: "ts-node/register/transpile-only", env: {} };
// tsconfig.json turns on SWC, which implies transpile-only; this project file turns it off again.
const TYPE_CHECK: LoadMode = { register: "ts-node/register", env: { TS_NODE_PROJECT: path.join(__dirname, "tsconfig.typecheck.json") } };

function run(mode: LoadMode, args: string[]): Sample {
    const result = spawnSync(process.execPath, ["-r", mode.register, WORKER, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 600_000,
        env: { ...process.env, ...mode.env },
    });
    if (result.status !== 0) throw new Error(`worker ${args.join(" ")} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").pop()!) as Sample;
}

/** Median wall time, peak memory of the worst run. */
function measure(mode: LoadMode, args: string[]): Sample {
    const samples = Array.from({ length: REPEATS }, () => run(mode, args));
    const sorted = [...samples].sort((a, b) => a.wallMs - b.wallMs);
    const median = sorted[Math.floor(sorted.length / 2)];
    return { ...median, maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)) };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

function main(): void {
    const rows: { servers: number; plan: Sample; floor: Sample }[] = [];
    for (const servers of [29, 100, 1000]) {
        const plan = measure(TRANSPILE_ONLY, ["plan", "prod", catalogOf(servers), path.join(work, `out-${servers}`)]);
        const floor = measure(TRANSPILE_ONLY, ["floor", String(plan.resources)]);
        rows.push({ servers, plan, floor });
    }
    console.log(`Offline plan of prod (median of ${REPEATS} runs, one process each; not counting process start)`);
    console.log("  program = evaluating index.ts; plan = program plus checks and files; floor = as many bare resources");
    console.log("  servers  resources  program ms   plan ms  plan MiB  floor ms floor MiB  program/floor  plan/floor");
    for (const { servers, plan, floor } of rows) {
        const ratios = `${fmt(plan.evaluateMs / floor.wallMs, 2).padStart(13)} ${fmt(plan.wallMs / floor.wallMs, 2).padStart(11)}`;
        console.log(
            `${fmt(servers)}  ${fmt(plan.resources)}  ${fmt(plan.evaluateMs)} ${fmt(plan.wallMs)} ${fmt(plan.maxRssMb)} ${fmt(floor.wallMs)} ${fmt(floor.maxRssMb)}  ${ratios}`,
        );
    }
    const [small, medium, large] = rows;
    const growth = large.plan.wallMs / medium.plan.wallMs;
    const overhead = small.plan.evaluateMs / small.floor.wallMs;
    console.log("");
    console.log(`prod, 29 servers, whole process: ${small.plan.uptimeMs.toFixed(0)} ms (goal ≤ 3000 ms)`);
    console.log(`1000-vs-100 plan time ratio: ${growth.toFixed(2)} (goal ≤ 12, linear is ${(large.plan.resources / medium.plan.resources).toFixed(1)})`);
    console.log(
        `program overhead at 29 servers: ${overhead.toFixed(2)}× the floor (goal ≤ 2); the whole plan ${(small.plan.wallMs / small.floor.wallMs).toFixed(2)}×`,
    );

    const transpiled = measure(TRANSPILE_ONLY, ["plan", "dev", CATALOG_FILE, path.join(work, "out-start")]);
    const checked = measure(TYPE_CHECK, ["plan", "dev", CATALOG_FILE, path.join(work, "out-start")]);
    console.log("");
    console.log("Start-up of the program (dev, whole process):");
    console.log(`  transpile-only (Pulumi.yaml's setting): ${transpiled.uptimeMs.toFixed(0)} ms, ${transpiled.maxRssMb.toFixed(0)} MiB`);
    console.log(`  type-checking at every start:           ${checked.uptimeMs.toFixed(0)} ms, ${checked.maxRssMb.toFixed(0)} MiB`);
    console.log(`  ratio: ${(checked.uptimeMs / transpiled.uptimeMs).toFixed(1)}× slower with type-checking`);
    fs.rmSync(work, { recursive: true, force: true });
}

main();
