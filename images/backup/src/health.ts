// The image's HEALTHCHECK (node /app/health.js): healthy while supercronic runs and can read its
// crontab. It matters where the image runs as a long-lived Swarm service under supercronic;
// Kubernetes runs it as CronJobs and ignores HEALTHCHECK.
import * as fs from "fs";
import * as path from "path";

/** Why the scheduler is unhealthy, or undefined when it runs with a readable crontab. */
export function schedulerProblem(proc = "/proc"): string | undefined {
    const scheduler = fs
        .readdirSync(proc)
        // Stryker disable next-line Regex: /proc names its entries either by a process id or by letters alone
        .filter((entry) => /^\d+$/.test(entry))
        .map((pid) => commandLine(path.join(proc, pid, "cmdline")))
        .find((argv) => argv.length > 0 && path.basename(argv[0]) === "supercronic");
    if (!scheduler) return "supercronic is not running";
    const crontab = scheduler[scheduler.length - 1];
    try {
        fs.accessSync(crontab, fs.constants.R_OK);
    } catch {
        return `supercronic's crontab ${crontab} cannot be read`;
    }
    return undefined;
}

/** A process's argv; empty when the process ended while being read. */
function commandLine(file: string): string[] {
    try {
        return fs.readFileSync(file, "utf8").split("\0").filter(Boolean);
    } catch {
        return [];
    }
}

if (require.main === module) {
    const problem = schedulerProblem();
    if (problem) process.stderr.write(`unhealthy: ${problem}\n`);
    process.exit(problem ? 1 : 0);
}
