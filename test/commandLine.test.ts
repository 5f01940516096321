// The command-line mechanics every command shares (commands/command.ts), in this process: parsing,
// --help, and the exit code and message of each kind of failure. test/cli.process.ts runs the
// commands themselves in their own processes.
import { expect } from "chai";
import { CommandSpec, helpText, parseCommandLine, runCommandLine, UsageError } from "../commands/command";
import { InvalidInputError } from "../stacks/problems";

/** A line of a V8 stack trace ("    at main (file.ts:3:9)"). */
const STACK_TRACE_LINE = /^\s+at .+/m;

describe("the command-line mechanics (commands/command.ts)", () => {
    const spec: CommandSpec = {
        name: "npm run example",
        usage: "-- --size <n>",
        description: "An example.",
        options: { size: { type: "string", value: "<n>", description: "a size" }, quick: { type: "boolean", short: "q", description: "faster" } },
        examples: ["npm run example -- --size 3"],
        exitCodes: [[0, "fine"]],
    };

    /** Runs the command in this process, capturing what it prints. */
    async function capture(main: () => number, argv: string[], env: Record<string, string> = {}) {
        const written = { stdout: "", stderr: "" };
        const debug = process.env.SOPHIA_DEBUG;
        Object.assign(process.env, env);
        try {
            const output = { out: (text: string) => (written.stdout += text), err: (text: string) => (written.stderr += text) };
            return { code: await runCommandLine(spec, main, argv, output), ...written };
        } finally {
            if (debug === undefined) delete process.env.SOPHIA_DEBUG;
            else process.env.SOPHIA_DEBUG = debug;
        }
    }

    it("says each kind of usage error in one line", () => {
        const reason = (argv: string[]) => {
            try {
                parseCommandLine(spec, argv);
            } catch (error) {
                expect(error).to.be.instanceOf(UsageError);
                return (error as Error).message;
            }
            return "no error";
        };
        expect(reason(["--sise", "3"])).to.equal("unknown option --sise (did you mean --size?)");
        expect(reason(["--colour"])).to.equal("unknown option --colour");
        expect(reason(["--size"])).to.equal("--size needs a value");
        expect(reason(["--quick=yes"])).to.equal("--quick takes no value");
        expect(reason(["extra"])).to.equal("unexpected argument extra: every input is given by an option");
        expect(parseCommandLine(spec, ["-q", "--size", "3"])).to.deep.equal({ quick: true, size: "3" });
        expect(parseCommandLine(spec, ["-h"])).to.equal("help");
    });

    it("exits 3 on an unexpected error with a one-line message, and shows the trace with SOPHIA_DEBUG=1", async () => {
        const failing = () => {
            throw new Error("disk on fire");
        };
        const quiet = await capture(failing, []);
        expect(quiet.code).to.equal(3);
        expect(quiet.stderr).to.equal("npm run example failed unexpectedly: disk on fire\n(set SOPHIA_DEBUG=1 for the stack trace)\n");
        const debug = await capture(failing, [], { SOPHIA_DEBUG: "1" });
        expect(debug.code).to.equal(3);
        expect(debug.stderr).to.match(STACK_TRACE_LINE);
    });

    it("exits 2 on invalid input a command read (a stack file, the catalog): the problems, the usage line, no trace", async () => {
        const invalid = await capture(() => {
            throw new InvalidInputError("Invalid stack config Pulumi.dev.yaml", [{ where: "Pulumi.dev.yaml:3:3 sophia:target", message: 'got "swam"' }]);
        }, []);
        expect(invalid.code).to.equal(2);
        expect(invalid.stderr).to.match(
            /^npm run example: Invalid stack config Pulumi\.dev\.yaml[\s\S]*Pulumi\.dev\.yaml:3:3 sophia:target: got "swam"\nUsage: npm run example /,
        );
        expect(invalid.stderr).to.not.match(STACK_TRACE_LINE);
    });

    it("passes the options to the command and its exit code back; --help prints the help", async () => {
        const seen = await capture(() => 7, ["--size", "3"]);
        expect(seen.code).to.equal(7);
        const help = await capture(() => 7, ["--help"]);
        expect(help.code).to.equal(0);
        expect(help.stdout).to.equal(helpText(spec));
        expect(help.stdout).to.include("  -q, --quick     faster").and.include("  SOPHIA_DEBUG=1  print the stack trace");
    });
});
