// npm run rollback-decision -- --verify-exit <code> --commit <sha> [--verified-commit <sha>] [--rolling-back]
import * as fs from "fs";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { decideRollback, stepOutputs, verifyOutcome } from "./rollback";

export const ROLLBACK_COMMAND: CommandSpec = {
    name: "npm run rollback-decision",
    usage: "-- --verify-exit <code> --commit <sha> [--verified-commit <sha>] [--rolling-back]",
    description: [
        "Decides what the deploy job does after `npm run verify`: tag the commit as verified, roll back to",
        "the last verified commit, or fail and notify. Prints the decision and, in GitHub Actions, writes",
        "it to $GITHUB_OUTPUT (action, rollback-to, tag-commit, alert, severity, summary).",
    ].join("\n"),
    options: {
        "verify-exit": { type: "string", value: "<code>", description: "the exit code of npm run verify" },
        commit: { type: "string", value: "<sha>", description: "the commit this run deployed (40 hex digits)" },
        "verified-commit": { type: "string", value: "<sha>", description: "the stack's sophia:verified-commit tag; omit or empty when it has none" },
        "rolling-back": { type: "boolean", description: "this run re-deployed the verified commit after a failed verification" },
    },
    examples: ['npm run rollback-decision -- --verify-exit 1 --commit "$GITHUB_SHA" --verified-commit "$VERIFIED"'],
    exitCodes: [
        [0, "decided (whatever the decision)"],
        [2, "usage error"],
    ],
    environment: [["GITHUB_OUTPUT", "the step-output file to append the decision to (set by GitHub Actions)"]],
};

function sha(flag: string, value: string | undefined, required: boolean): string | undefined {
    if (value === undefined || value === "") {
        if (required) throw new UsageError(`--${flag} is required: the full commit SHA`);
        return undefined;
    }
    if (!/^[0-9a-f]{40}$/.test(value)) throw new UsageError(`--${flag} "${value}": expected a full commit SHA (40 lowercase hex digits)`);
    return value;
}

function decide(values: CommandValues): number {
    const exit = values["verify-exit"] as string | undefined;
    if (exit === undefined || !/^\d+$/.test(exit))
        throw new UsageError(`--verify-exit ${exit === undefined ? "is required" : `"${exit}"`}: expected the exit code of sophia verify`);
    const decision = decideRollback({
        verify: verifyOutcome(Number(exit)),
        commit: sha("commit", values.commit as string | undefined, true)!,
        verifiedCommit: sha("verified-commit", values["verified-commit"] as string | undefined, false),
        rollingBack: values["rolling-back"] === true,
    });
    const lines = Object.entries(stepOutputs(decision)).map(([k, v]) => `${k}=${v}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `${lines.join("\n")}\n`);
    return 0;
}

/** What `sophia rollback-decision` runs (commands/sophia.js). */
export const command: Command = { spec: ROLLBACK_COMMAND, main: decide };

if (require.main === module) runCommand(ROLLBACK_COMMAND, decide);
