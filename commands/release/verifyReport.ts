// What `npm run verify` prints: one line per check, then the counts, as the plan ends with its counts.
import type { CheckResult } from "./verify";

const LABEL = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

export function formatVerifyReport(stack: string, source: string, results: readonly CheckResult[], elapsedMs: number): string {
    const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
    const failed = count("fail");
    return [
        `Verifying stack ${stack} (from ${source}):`,
        ...results.map((r) => `  ${LABEL[r.status]}  ${r.check}: ${r.detail}`),
        `Checks: ${count("pass")} passed, ${failed} failed, ${count("skip")} skipped in ${(elapsedMs / 1000).toFixed(1)} s: ${failed === 0 ? "verified" : "NOT verified"}`,
        "",
    ].join("\n");
}

/** 0 when nothing failed (skips are fine), 1 otherwise. */
export const verifyExitCode = (results: readonly CheckResult[]): number => (results.some((r) => r.status === "fail") ? 1 : 0);
