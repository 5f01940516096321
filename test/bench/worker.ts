// One measurement in its own process (Pulumi's mocks are per process); prints one JSON line.
//   plan <stack> <catalog file> <out dir>  - the offline plan, as `npm run plan` runs it (and how long
//                                           evaluating the program took within it)
// The floor is floor.js, a process of its own that loads nothing of ours.
import { planStack } from "../../commands/plan/plan";

async function main(): Promise<void> {
    const [mode, ...args] = process.argv.slice(2);
    const start = process.hrtime.bigint();
    if (mode !== "plan") throw new Error(`unknown mode "${mode}": the worker measures plans (the floor is floor.js)`);
    const result = await planStack({ stack: args[0], catalog: args[1], out: args[2] });
    if (result.status !== "planned") throw new Error(result.error.message);
    const resources = result.plan.resources.length;
    const evaluateMs = result.timings.evaluateMs;
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const usage = process.resourceUsage();
    const maxRssMb = usage.maxRSS / 1024;
    // CPU time of the whole process (user and system): unlike wall time, other jobs on the machine barely change it.
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    process.stdout.write(`${JSON.stringify({ wallMs, evaluateMs, maxRssMb, resources, cpuMs, uptimeMs: process.uptime() * 1000 })}\n`);
}

main().then(
    () => process.exit(0),
    (error: Error) => {
        process.stderr.write(`${error.stack}\n`);
        process.exit(1);
    },
);
