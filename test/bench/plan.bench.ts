// npm run bench: wall time and peak memory of the offline plan of prod with the catalog's servers
// and with 100 and 1000, against the floor (the same runtime registering as many bare resources) and
// the SDK's own cost of the plan's resources (the same runtime registering exactly those), and the
// program's start-up with and without type-checking. Each number is one process; a
// progress line per measurement goes to stderr, the table and a verdict per goal to stdout.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE, loadCatalog } from "../../catalog";
import { TIERS } from "../../catalog/schema";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../../commands/command";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKER = path.join(__dirname, "worker.ts");
/** The floor as its own process: Node, @pulumi/pulumi and the SDK's mocks, nothing of ours (floor.js). */
const FLOOR = path.join(__dirname, "floor.js");
/** The SDK's own cost of the plan's resources: the same runtime registering the plan.json's resources, nothing of ours (replay.js). */
const REPLAY = path.join(__dirname, "replay.js");
/** A measurement whose first run takes longer is not repeated: its noise is small against its length. */
const REPEAT_BELOW_MS = 10_000;

export const BENCH_COMMAND: CommandSpec = {
    name: "npm run bench",
    usage: "[-- --quick] [--repeats <n>]",
    description: [
        "Measures the offline plan of prod at the catalog's size, 100 and 1000 servers against the floor (a",
        "process of its own: Node, @pulumi/pulumi and the SDK's mocks registering as many bare resources, nothing",
        "of ours), both as whole processes in the same run, and the start-up with and without type-checking,",
        "then gives a PASS/FAIL verdict per goal. A third process per size, the SDK registering the plan's own",
        "resources with nothing of ours, shows how much of the plan's time the SDK alone needs for them (the",
        "bound under any ratio goal). Progress goes to stderr, one line per measurement.",
    ].join("\n"),
    options: {
        repeats: { type: "string", value: "<n>", description: "runs per measurement, the median kept (default 3; runs over 10 s are not repeated)" },
        quick: { type: "boolean", description: "one run per measurement and no type-checking start-up comparison" },
    },
    examples: ["npm run bench", "npm run bench -- --quick"],
    exitCodes: [
        [0, "every goal met"],
        [1, "a goal missed (the verdict says which)"],
        [2, "usage error"],
        [3, "a measurement failed (its output is shown)"],
    ],
};

interface Sample {
    /** Inside the worker, from its start to the plan written. */
    wallMs: number;
    /** Within a plan: evaluating the program (the rest is checks and writing files). */
    evaluateMs: number;
    maxRssMb: number;
    resources: number;
    /** CPU time of the whole process, user and system. */
    cpuMs: number;
    /** The whole process as the shell sees it: spawn to exit. */
    processMs: number;
}

/**
 * How a process loads TypeScript: compiled JavaScript as `sophia` runs it (commands/build.js), or, for
 * the start-up comparison, Pulumi.yaml's transpile-only mode and ts-node type-checking at every start.
 */
interface LoadMode {
    readonly register: string;
    readonly env: Readonly<Record<string, string>>;
}

const COMPILED: LoadMode = { register: path.join(ROOT, "commands", "register.js"), env: {} };
const TRANSPILE_ONLY: LoadMode = { register: "ts-node/register/transpile-only", env: {} };
// tsconfig.json turns on SWC, which implies transpile-only; this project file turns it off again.
const TYPE_CHECK: LoadMode = { register: "ts-node/register", env: { TS_NODE_PROJECT: path.join(__dirname, "tsconfig.typecheck.json") } };

interface Measurement {
    readonly label: string;
    /** What follows `node`: the worker under a TypeScript loader, or the floor script. */
    readonly argv: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
}

/** A measurement of the worker (worker.ts) under `mode`. */
const inWorker = (label: string, mode: LoadMode, args: readonly string[]): Measurement => ({
    label,
    argv: ["-r", mode.register, WORKER, ...args],
    env: mode.env,
});

class Bench {
    private done = 0;

    constructor(
        private total: number,
        private readonly repeats: number,
    ) {}

    private run(m: Measurement, attempt: string): Sample {
        const started = performance.now();
        const result = spawnSync(process.execPath, [...m.argv], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 600_000,
            env: { ...process.env, ...m.env },
        });
        const processMs = performance.now() - started;
        if (result.status !== 0) throw new Error(`${m.label} failed (exit ${result.status}):\n${result.stderr}`);
        const measured = JSON.parse(result.stdout.trim().split("\n").pop()!) as Omit<Sample, "processMs" | "evaluateMs"> & { evaluateMs?: number };
        const sample: Sample = { ...measured, evaluateMs: measured.evaluateMs ?? measured.wallMs, processMs };
        this.done++;
        const counter = `[${String(this.done).padStart(String(this.total).length)}/${this.total}]`;
        process.stderr.write(`${counter} ${m.label}${attempt}: ${sample.processMs.toFixed(0)} ms, ${sample.maxRssMb.toFixed(0)} MiB\n`);
        return sample;
    }

    /** Median by wall time, peak memory of the worst run. */
    measure(m: Measurement): Sample {
        const first = this.run(m, this.repeats > 1 ? ` (run 1/${this.repeats})` : "");
        const runs = first.processMs > REPEAT_BELOW_MS ? 1 : this.repeats;
        if (runs < this.repeats) this.total -= this.repeats - 1;
        const samples = [first, ...Array.from({ length: runs - 1 }, (_, i) => this.run(m, ` (run ${i + 2}/${runs})`))];
        const sorted = [...samples].sort((a, b) => a.wallMs - b.wallMs);
        return { ...sorted[Math.floor(sorted.length / 2)], maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)) };
    }
}

/** The real catalog plus generated servers up to `count`. */
function catalogOf(work: string, count: number): string {
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

export interface Goal {
    readonly name: string;
    readonly met: boolean;
    readonly measured: string;
}

interface Row {
    servers: number;
    plan: Sample;
    floor: Sample;
    /** The SDK alone registering the plan's own resources (replay.js). */
    replay: Sample;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

function table(rows: readonly Row[], repeats: number): string[] {
    const lines = [
        `Offline plan of prod (median of up to ${repeats} run(s), one process each)`,
        "  process = spawn to exit, as the shell sees it; program = evaluating index.ts inside the plan's process;",
        "  floor = its own process: Node, @pulumi/pulumi and the SDK's mocks registering as many bare resources;",
        "  SDK = its own process: the same, registering the plan's own resources (types, names, parents, inputs)",
        "  servers  resources  plan process ms  floor process ms  process/floor  SDK process ms  SDK/floor  program ms  plan MiB  floor MiB  plan CPU ms  floor CPU ms",
    ];
    for (const { servers, plan, floor, replay } of rows) {
        lines.push(
            `${fmt(servers)}  ${fmt(plan.resources)}  ${fmt(plan.processMs).padStart(15)}  ${fmt(floor.processMs).padStart(16)}  ${fmt(plan.processMs / floor.processMs, 2).padStart(13)}  ${fmt(replay.processMs).padStart(14)}  ${fmt(replay.processMs / floor.processMs, 2)}  ${fmt(plan.evaluateMs).padStart(10)}  ${fmt(plan.maxRssMb).padStart(8)}  ${fmt(floor.maxRssMb).padStart(9)}  ${fmt(plan.cpuMs).padStart(11)}  ${fmt(floor.cpuMs).padStart(12)}`,
        );
    }
    return lines;
}

/** The goals of docs/02-development/performance.md, judged on one run's rows. */
export function judge(rows: readonly Row[]): Goal[] {
    const [small, medium, large] = rows;
    const growth = large.plan.wallMs / medium.plan.wallMs;
    const overhead = rows.map((r) => r.plan.processMs / r.floor.processMs);
    return [
        {
            name: `prod whole process (${small.servers} servers) ≤ 2000 ms`,
            met: small.plan.processMs <= 2000,
            measured: `${small.plan.processMs.toFixed(0)} ms`,
        },
        {
            name: "1000-vs-100 plan time ratio ≤ 10",
            met: growth <= 10,
            measured: `${growth.toFixed(2)} (linear would be ${(large.plan.resources / medium.plan.resources).toFixed(1)})`,
        },
        {
            name: "the plan's whole process ≤ 1.5× the floor process, at every size",
            met: overhead.every((o) => o <= 1.5),
            measured: rows.map((r, i) => `${overhead[i].toFixed(2)}× at ${r.servers}`).join(", "),
        },
    ];
}

/**
 * What the SDK alone needs for the plan's resources, against the floor: no plan that registers these
 * resources can be faster than that, so a ratio goal below it cannot be met by our code.
 */
export function boundLines(rows: readonly Row[]): string[] {
    const sdk = rows.map((r) => `${(r.replay.processMs / r.floor.processMs).toFixed(2)}× at ${r.servers}`).join(", ");
    const ours = rows.map((r) => `${(r.plan.processMs / r.replay.processMs).toFixed(2)}× at ${r.servers}`).join(", ");
    return [
        "Bound (the SDK registering the plan's own resources, nothing of ours loaded):",
        `  SDK process / floor process: ${sdk}`,
        `  plan process / SDK process:  ${ours}`,
    ];
}

function startupLines(bench: Bench, work: string): string[] {
    const args = ["plan", "dev", CATALOG_FILE, path.join(work, "out-start")];
    const transpiled = bench.measure(inWorker("start-up, transpile-only (dev)", TRANSPILE_ONLY, args));
    const checked = bench.measure(inWorker("start-up, type-checking (dev)", TYPE_CHECK, args));
    return [
        "",
        "Start-up of the program (dev, whole process):",
        `  transpile-only (Pulumi.yaml's setting): ${transpiled.processMs.toFixed(0)} ms, ${transpiled.maxRssMb.toFixed(0)} MiB`,
        `  type-checking at every start:           ${checked.processMs.toFixed(0)} ms, ${checked.maxRssMb.toFixed(0)} MiB`,
        `  ratio: ${(checked.processMs / transpiled.processMs).toFixed(1)}× slower with type-checking`,
    ];
}

/** The machine's load, which inflates every wall time when it exceeds the CPU count. */
const loadLine = (when: string): string =>
    `Machine: ${os.cpus().length} CPU(s), load average ${os.loadavg()[0].toFixed(1)} ${when} (wall times grow when the load exceeds the CPU count; CPU times barely do)`;

function repeatsOf(values: CommandValues): number {
    if (values.quick) return 1;
    const text = (values.repeats as string | undefined) ?? "3";
    const repeats = Number(text);
    if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`--repeats must be a whole number ≥ 1, got "${text}"`);
    return repeats;
}

/** `npm run build`: the plan is measured as a command runs once its compiled JavaScript is current. */
function buildCommands(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildAll } = require("../../commands/build.js") as { buildAll: () => { compiled: number; current: number } };
    const { compiled, current } = buildAll();
    process.stderr.write(`build: ${compiled} file(s) compiled, ${current} already current\n`);
}

function bench(values: CommandValues): number {
    const repeats = repeatsOf(values);
    buildCommands();
    const sizes = [loadCatalog().servers.length, 100, 1000];
    const startup = values.quick ? 0 : 2;
    const runner = new Bench((sizes.length * 3 + startup) * repeats, repeats);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-bench-"));
    const loadBefore = loadLine("at the start");
    try {
        const rows = sizes.map((servers) => {
            const plan = runner.measure(
                inWorker(`plan prod, ${servers} servers`, COMPILED, ["plan", "prod", catalogOf(work, servers), path.join(work, `out-${servers}`)]),
            );
            const floor = runner.measure({ label: `floor process, ${plan.resources} bare resources`, argv: [FLOOR, String(plan.resources)] });
            const planFile = path.join(work, `out-${servers}`, "prod", "plan.json");
            const replay = runner.measure({ label: `SDK process, the plan's ${plan.resources} resources`, argv: [REPLAY, planFile] });
            return { servers, plan, floor, replay };
        });
        const goals = judge(rows);
        const startupTable = startup ? startupLines(runner, work) : [];
        const lines = [loadBefore, loadLine("at the end"), "", ...table(rows, repeats), ...startupTable, "", "Verdict:"];
        for (const g of goals) lines.push(`  ${g.met ? "PASS" : "FAIL"}  ${g.name}: ${g.measured}`);
        lines.push("", ...boundLines(rows));
        process.stdout.write(`${lines.join("\n")}\n`);
        return goals.every((g) => g.met) ? 0 : 1;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** What `sophia bench` runs (commands/sophia.js). */
export const command: Command = { spec: BENCH_COMMAND, main: bench };

if (require.main === module) runCommand(BENCH_COMMAND, bench);
