// One measurement in its own process (Pulumi's mocks are per process); prints one JSON line.
//   plan <stack> <catalog file> <out dir>  - the offline plan, as `npm run plan` runs it (and how long
//                                           evaluating the program took within it)
//   floor <count>                          - the same runtime registering <count> bare resources
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { planStack } from "../../commands/plan/plan";
import { installMonitor, RecordingMonitor } from "../../commands/plan/recorder";

class Bare extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, unknown>) {
        super("bench:index:Bare", name, props);
    }
}

async function floor(count: number): Promise<number> {
    const monitor = new RecordingMonitor();
    installMonitor(monitor, "sophia", "bench");
    await pulumi.runtime.runInPulumiStack(() => {
        for (let i = 0; i < count; i++) new Bare(`bare-${i}`, { index: i, labels: { tier: "low" } });
        return Promise.resolve({});
    });
    await (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return monitor.recorded.length;
}

async function main(): Promise<void> {
    const [mode, ...args] = process.argv.slice(2);
    const start = process.hrtime.bigint();
    let resources: number;
    let evaluateMs: number | undefined;
    if (mode === "plan") {
        const result = await planStack({ stack: args[0], catalog: args[1], out: args[2] });
        if (result.status !== "planned") throw new Error(result.error.message);
        resources = result.plan.resources.length;
        evaluateMs = result.timings.evaluateMs;
    } else {
        resources = await floor(Number(args[0]));
    }
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const usage = process.resourceUsage();
    const maxRssMb = usage.maxRSS / 1024;
    // CPU time of the whole process (user and system): unlike wall time, other jobs on the machine barely change it.
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    process.stdout.write(`${JSON.stringify({ wallMs, evaluateMs: evaluateMs ?? wallMs, maxRssMb, resources, cpuMs, uptimeMs: process.uptime() * 1000 })}\n`);
}

main().then(
    () => process.exit(0),
    (error: Error) => {
        process.stderr.write(`${error.stack}\n`);
        process.exit(1);
    },
);
