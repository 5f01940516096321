/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * The candidate a misspelt name most likely meant ("highAvailabilty" → "highAvailability", "retention"
 * → "retentionDays"), ignoring case: the fewest edits, counting a shortened name as one edit;
 * undefined when each needs more edits than 2 or a third of the name's length, whichever is more.
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
    const limit = Math.max(2, Math.floor(name.length / 3));
    const wanted = name.toLowerCase();
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const known = candidate.toLowerCase();
        const shortened = wanted.length >= 4 && known.startsWith(wanted);
        // At most one edit for a shortened name; a name that differs only in case is none.
        const distance = Math.min(editDistance(wanted, known), shortened ? 1 : Infinity);
        if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
    }
    return best?.candidate;
}
