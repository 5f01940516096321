// Which test file runs in which shard of npm test: fixed for a given list of files and weights, so
// that every run of the suite runs the same files in the same processes in the same order.
import * as path from "path";

/** Seconds a file took when last measured (test/shards/weights.json), keyed by path from the repository. */
export type FileWeights = Readonly<Record<string, number>>;

/** A file the weights do not know yet (a new test file) counts as the median known file. */
export function defaultWeight(weights: FileWeights): number {
    const known = Object.values(weights).sort((a, b) => a - b);
    return known.length === 0 ? 1 : known[Math.floor(known.length / 2)];
}

/**
 * Splits the files into `count` shards of about equal weight: heaviest first, each to the lightest
 * shard so far (the lowest index on a tie). Each shard lists its files sorted by path.
 */
export function assignShards(files: readonly string[], weights: FileWeights, count: number, root: string): string[][] {
    if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
    const fallback = defaultWeight(weights);
    const weightOf = (file: string) => weights[path.relative(root, file)] ?? fallback;
    const byWeight = [...new Set(files)].sort((a, b) => weightOf(b) - weightOf(a) || a.localeCompare(b));
    const shards = Array.from({ length: count }, () => ({ files: [] as string[], weight: 0 }));
    for (const file of byWeight) {
        const lightest = shards.reduce((best, shard) => (shard.weight < best.weight ? shard : best));
        lightest.files.push(file);
        lightest.weight += weightOf(file);
    }
    return shards.map((shard) => shard.files.sort((a, b) => a.localeCompare(b)));
}
