import * as path from "path";
import { UsageError } from "../command";
import { platformStacks } from "../../esc/needs";
import { nearest } from "../../stacks/nearest";

export interface StackChoice {
    readonly stack: string;
    /** Where the name came from, printed so nobody plans the wrong stack unknowingly. */
    readonly source: "--stack" | "PULUMI_STACK";
}

/**
 * The stack to plan: --stack, else PULUMI_STACK; it must have a Pulumi.<stack>.yaml in the project
 * directory. Anything else is a usage error listing the stacks that exist.
 */
export function chooseStack(given: string | undefined, fromEnvironment: string | undefined, projectDir: string): StackChoice {
    const stacks = platformStacks(projectDir);
    const where = path.relative(process.cwd(), projectDir);
    const known = `the stacks of ${where ? where : "this project"} are ${stacks.join(", ") || "(none)"}, one Pulumi.<stack>.yaml each`;
    const choice: StackChoice | undefined = given
        ? { stack: given, source: "--stack" }
        : fromEnvironment
          ? { stack: fromEnvironment, source: "PULUMI_STACK" }
          : undefined;
    if (!choice) throw new UsageError(`no stack given: pass --stack <name> or set PULUMI_STACK (${known})`);
    if (!stacks.includes(choice.stack)) {
        const guess = nearest(choice.stack, stacks);
        throw new UsageError(`unknown stack "${choice.stack}" (from ${choice.source}): ${guess ? `did you mean ${guess}? ` : ""}${known}`);
    }
    return choice;
}
