// What every command line of the repository shares (npm run plan, policy, verify, drill, …): --help;
// usage errors and invalid input files (InvalidInputError) exit 2 with the reason and the usage line;
// unexpected errors exit 3 with a short message (the stack trace only with SOPHIA_DEBUG=1).
import { parseArgs } from "util";
import { nearest } from "../stacks/nearest";
import { InvalidInputError } from "../stacks/problems";

export interface CommandOption {
    readonly type: "string" | "boolean";
    readonly short?: string;
    /** How the value is written in the help ("<dir>"); string options only. */
    readonly value?: string;
    readonly description: string;
}

export interface CommandSpec {
    /** How a user runs it: "npm run plan". */
    readonly name: string;
    /** What follows the name on the usage line: "-- --stack <name> [options]". */
    readonly usage: string;
    readonly description: string;
    readonly options: Readonly<Record<string, CommandOption>>;
    readonly examples: readonly string[];
    readonly exitCodes: readonly (readonly [number, string])[];
    readonly environment?: readonly (readonly [string, string])[];
}

export type CommandValues = Record<string, string | boolean | undefined>;

/** A mistake in how the command was called: exit 2 with the reason and the usage line. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** The user's to fix, exit 2: how the command was called, or an input file it read (a stack file, the catalog). */
const isUsersToFix = (error: unknown): boolean => error instanceof UsageError || error instanceof InvalidInputError;

export const USAGE_EXIT = 2;
export const INTERNAL_EXIT = 3;
export const DEBUG_VARIABLE = "SOPHIA_DEBUG";

const HELP_OPTION: CommandOption = { type: "boolean", short: "h", description: "show this help and exit" };

const DEBUG_ENVIRONMENT: readonly [string, string] = [`${DEBUG_VARIABLE}=1`, "print the stack trace of an unexpected error (exit 3)"];

/** The text of --help: usage, options, examples, exit codes, environment. */
export function helpText(spec: CommandSpec): string {
    const options = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, o]) => {
        const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}`;
        return [flag, o.description] as const;
    });
    const table = (rows: readonly (readonly [string, string])[]) => {
        const width = Math.max(...rows.map(([left]) => left.length));
        return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
    };
    return [
        spec.description,
        "",
        "Usage:",
        `  ${usageLine(spec)}`,
        "",
        "Options:",
        ...table(options),
        "",
        "Examples:",
        ...spec.examples.map((e) => `  ${e}`),
        "",
        "Exit codes:",
        ...table(spec.exitCodes.map(([code, meaning]) => [String(code), meaning])),
        "",
        "Environment:",
        ...table([...(spec.environment ?? []), DEBUG_ENVIRONMENT]),
        "",
    ].join("\n");
}

export const usageLine = (spec: CommandSpec): string => `${spec.name} ${spec.usage}`;

/** Node's parse errors, said the way the rest of the usage errors are. */
function usageErrorOf(error: Error & { code?: string }, spec: CommandSpec): UsageError {
    const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    switch (error.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
            const guess = nearest(quoted.replace(/^-+/, ""), Object.keys(spec.options));
            return new UsageError(`unknown option ${quoted}${guess ? ` (did you mean --${guess}?)` : ""}`);
        }
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
            const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
            return new UsageError(/argument missing/.test(error.message) ? `${flag} needs a value` : `${flag} takes no value`);
        }
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return new UsageError(`unexpected argument ${quoted}: every input is given by an option`);
        default:
            return new UsageError(error.message);
    }
}

/** The options given, or "help" when --help was asked for; throws UsageError on a malformed command line. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): CommandValues | "help" {
    let values: CommandValues;
    try {
        const options = Object.fromEntries(
            Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
        );
        values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
    } catch (error) {
        throw usageErrorOf(error as Error, spec);
    }
    return values.help ? "help" : values;
}

export type CommandMain = (values: CommandValues) => number | Promise<number>;

/** A command as `sophia` runs it: how it is called, and what it does. */
export interface Command {
    readonly spec: CommandSpec;
    readonly main: CommandMain;
}

/** Where a command's own messages (help, usage errors, failures) go. */
export interface CommandOutput {
    out(text: string): void;
    err(text: string): void;
}

const PROCESS_OUTPUT: CommandOutput = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

/** The exit code of one run, having printed what the user needs (help, usage error, failure). */
export async function runCommandLine(spec: CommandSpec, main: CommandMain, argv: readonly string[], output = PROCESS_OUTPUT): Promise<number> {
    try {
        const values = parseCommandLine(spec, argv);
        if (values === "help") {
            output.out(helpText(spec));
            return 0;
        }
        return await main(values);
    } catch (error) {
        output.err(failureText(spec, error as Error));
        return isUsersToFix(error) ? USAGE_EXIT : INTERNAL_EXIT;
    }
}

/** How to ask this command for its help: npm needs `--` before the command's own options. */
const helpCall = (spec: CommandSpec): string => (spec.name.startsWith("npm run ") ? `${spec.name} -- --help` : `${spec.name} --help`);

function failureText(spec: CommandSpec, error: Error): string {
    if (isUsersToFix(error)) return `${spec.name}: ${error.message}\nUsage: ${usageLine(spec)}\nRun "${helpCall(spec)}" for the options.\n`;
    const trace = process.env[DEBUG_VARIABLE] === "1" ? `\n${error.stack ?? ""}` : `\n(set ${DEBUG_VARIABLE}=1 for the stack trace)`;
    return `${spec.name} failed unexpectedly: ${error.message}${trace}\n`;
}

/**
 * A reader that stops early (`| head`) closes the pipe: the rest of the output has nowhere to go,
 * which is no failure of the command, so it is dropped and the command ends with its own code.
 */
export function dropOutputOnClosedPipe(): void {
    for (const stream of [process.stdout, process.stderr]) {
        stream.on("error", (error: NodeJS.ErrnoException) => {
            if (error.code !== "EPIPE") throw error;
        });
    }
}

/** Exits with `code` once what was written has reached the pipe or file behind stdout and stderr. */
export function exitWhenWritten(code: number): void {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** Runs a command as a program: parses process.argv and exits with the command's code. */
export function runCommand(spec: CommandSpec, main: CommandMain): void {
    dropOutputOnClosedPipe();
    void runCommandLine(spec, main, process.argv.slice(2)).then(exitWhenWritten);
}
