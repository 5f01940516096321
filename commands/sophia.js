#!/usr/bin/env node
// sophia: the operators' commands under one name. `sophia --help` lists them and `sophia <command>
// --help` explains one; the npm scripts of the same names run the same modules. Plain JavaScript, so
// that the list shows at once; a command's module is TypeScript, run as its compiled JavaScript
// (build.js: compiled on first use when missing or stale; types are checked by npm run typecheck).
"use strict";
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

/** Each command: its name, the module that exports its `command` ({ spec, main }), and what it does. */
const COMMANDS = [
    ["plan", "commands/plan/cli", "plan a stack offline (or a cluster stack: --project clusters): preview, policy result, plan.json"],
    ["parity", "commands/plan/parityCli", "plan a stack on two targets and list what differs"],
    ["policy", "commands/policy/cli", "run the policy pack's rules on a plan file"],
    ["images", "commands/images/cli", "list the images the stacks' plans pull, or our own"],
    ["images:record", "commands/images/recordCli", "record a pushed image's digest in catalog/images.lock.yaml"],
    ["images:report", "commands/images/reportCli", "write the container audit's issue body from Trivy's reports"],
    ["verify", "commands/release/verifyCli", "check a live stack after a deployment"],
    ["rollback-decision", "commands/release/rollbackCli", "decide what the deploy job does after verify"],
    ["notify", "commands/release/notifyCli", "send one alert through the stack's Alertmanager routing"],
    ["drill", "commands/release/drillCli", "restore the newest replica backup into scratch databases and check it"],
    ["drift-report", "commands/release/driftCli", "name the resources a refreshed preview would change"],
    ["docs", "docs/generate/index", "regenerate the generated docs (--check: list the stale ones)"],
    ["bench", "test/bench/plan.bench", "measure the plan's wall time and memory against the floor"],
];

function help() {
    const width = Math.max(...COMMANDS.map(([name]) => name.length));
    return [
        "sophia: the Sophia platform's commands.",
        "",
        "Usage:",
        "  sophia <command> [options]",
        "  sophia <command> --help    the command's options, examples and exit codes",
        "",
        "Commands:",
        ...COMMANDS.map(([name, , about]) => `  ${name.padEnd(width)}  ${about}`),
        "",
        "Exit codes: 0 done, 1 the command's check failed, 2 usage error or invalid input (with the file,",
        "line and fix), 3 unexpected failure (SOPHIA_DEBUG=1 prints the stack trace).",
        "",
    ].join("\n");
}

/** Writes `text` and exits once it has reached the pipe or file behind it (before any TypeScript is loaded). */
function exit(code, stream, text) {
    stream.write(text, () => process.exit(code));
}

/** The spec as `sophia <name>` shows it: its usage and examples without npm's `run … --`. */
function asSophia(name, spec) {
    const sophia = (text) => text.replace(/npm run ([\w:-]+) -- /g, "sophia $1 ").replace(/npm run ([\w:-]+)/g, "sophia $1");
    const options = Object.fromEntries(Object.entries(spec.options).map(([key, option]) => [key, { ...option, description: sophia(option.description) }]));
    return {
        ...spec,
        name: `sophia ${name}`,
        usage: spec.usage.replace(/^-- /, ""),
        description: sophia(spec.description),
        options,
        examples: spec.examples.map(sophia),
        exitCodes: spec.exitCodes.map(([code, meaning]) => [code, sophia(meaning)]),
    };
}

function main(argv) {
    const [name, ...args] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") return exit(0, process.stdout, help());
    const entry = COMMANDS.find(([known]) => known === name);
    require("./build").register();
    if (!entry) {
        const { nearest } = require(path.join(ROOT, "stacks", "nearest"));
        const guess = nearest(
            name,
            COMMANDS.map(([known]) => known),
        );
        const hint = guess ? ` (did you mean ${guess}?)` : "";
        return exit(2, process.stderr, `sophia: unknown command "${name}"${hint}\nRun "sophia --help" for the commands.\n`);
    }
    const { dropOutputOnClosedPipe, exitWhenWritten, runCommandLine } = require(path.join(ROOT, "commands", "command"));
    dropOutputOnClosedPipe();
    const { command } = require(path.join(ROOT, entry[1]));
    return runCommandLine(asSophia(name, command.spec), command.main, args).then(exitWhenWritten);
}

module.exports = { COMMANDS, asSophia };
if (require.main === module) main(process.argv.slice(2));
