import type { z } from "zod";

/** One thing wrong with the input, and where it is ("catalog servers[3] (codacy).port"). */
export interface Problem {
    where: string;
    message: string;
}

/**
 * Raised when the catalog or the stack settings are invalid. It carries every problem found, so a
 * user fixes them all in one pass, and it is raised before any resource is registered.
 */
export class InvalidInputError extends Error {
    readonly problems: readonly Problem[];

    constructor(subject: string, problems: readonly Problem[]) {
        const lines = problems.map((p) => `  - ${p.where}: ${p.message}`);
        super(`${subject}: ${problems.length} problem(s)\n${lines.join("\n")}`);
        this.name = "InvalidInputError";
        this.problems = problems;
    }
}

/** Throws one InvalidInputError for all problems, or returns when there are none. */
export function throwIfProblems(subject: string, problems: readonly Problem[]): void {
    if (problems.length > 0) {
        throw new InvalidInputError(subject, problems);
    }
}

/** Turns zod issues into problems; `describe` names the place a path points to. */
export function zodProblems(issues: readonly z.core.$ZodIssue[], describe: (path: PropertyKey[]) => string): Problem[] {
    return issues.map((issue) => ({ where: describe(issue.path), message: issue.message }));
}

/** "a.b[2].c" from ["a", "b", 2, "c"]. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((text, key) => {
        if (typeof key === "number") return `${text}[${key}]`;
        return text === "" ? String(key) : `${text}.${String(key)}`;
    }, "");
}
