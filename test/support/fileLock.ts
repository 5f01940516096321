// A lock between processes on one machine, held while `fn` runs: the processes tier's two mocha
// workers may both need the same virtualenv at once, and the second must wait for the first's.
import * as fs from "fs";

const POLL_MS = 200;
/** A lock older than this was left by a process that died holding it (making a venv takes ~1 min). */
const STALE_MS = 15 * 60_000;

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `fn` holding `lockFile` (created exclusively, removed after); waits while another process holds it. */
export function withFileLock<T>(lockFile: string, fn: () => T): T {
    for (;;) {
        try {
            fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
            break;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
            if (age > STALE_MS) fs.rmSync(lockFile, { force: true });
            else sleep(POLL_MS);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmSync(lockFile, { force: true });
    }
}
