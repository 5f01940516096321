// A mocha root-hook plugin loaded into each shard: when SOPHIA_FILE_SECONDS names a file, writes how
// long each test file took there (JSON: path from the repository → seconds), for the shards' weights.
// A shard runs its files one after the other, so a file's time runs from the previous file's last
// test (or the process start) to its own last test, its before/after hooks included.
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const target = process.env.SOPHIA_FILE_SECONDS;
const lastEnd = new Map<string, number>();

if (target) {
    process.on("exit", () => {
        const seconds: Record<string, number> = {};
        let previous = performance.timeOrigin;
        for (const [file, end] of [...lastEnd.entries()].sort((a, b) => a[1] - b[1])) {
            seconds[path.relative(ROOT, file)] = Math.round((end - previous) / 100) / 10;
            previous = end;
        }
        fs.writeFileSync(target, JSON.stringify(seconds, null, 2) + "\n");
    });
}

export const mochaHooks = {
    afterEach(this: Mocha.Context) {
        const file = this.currentTest?.file;
        if (target && file) lastEnd.set(file, performance.timeOrigin + performance.now());
    },
};
