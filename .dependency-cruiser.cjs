// Which room may import which (docs/03-architecture/rooms.md); `npm run lint` checks it.
/** The operators' commands (sophia plan, verify, …), their shared command-line frame and the offline plan. */
const COMMANDS = "^commands/";
/** Tests may reach into any room: they check how the rooms fit together. */
const TESTS = ["^test/", "\\.test\\.ts$"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "no-circular",
            severity: "error",
            comment: "An import circle makes two modules one: neither can be read, tested or moved alone.",
            from: {},
            to: { circular: true },
        },
        {
            name: "components-not-commands",
            severity: "error",
            comment: "Components are the program's rooms; the commands that plan or check a stack use them, never the reverse.",
            from: { path: "^components/" },
            to: { path: COMMANDS },
        },
        {
            name: "stack-inputs-not-components-or-commands",
            severity: "error",
            comment: "What the program reads about a stack (settings, inputs, secrets, specs) is plain data: no components, no commands.",
            from: { path: "^stacks/", pathNot: TESTS },
            to: { path: ["^components/", COMMANDS] },
        },
        {
            name: "policies-stand-alone",
            severity: "error",
            comment: "The policy pack runs inside the Pulumi engine with its own dependencies: it imports neither the program nor the commands.",
            from: { path: "^policies/", pathNot: TESTS },
            to: { path: ["^index\\.ts$", "^components/", "^catalog/", "^stacks/", "^clusters/", "^esc/", COMMANDS] },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: ["node_modules", "^out/", "^coverage/", "^build/", "^reports/", "^\\.stryker-tmp/", "^\\.clusters-invalid-"] },
        tsConfig: { fileName: "tsconfig.json" },
        tsPreCompilationDeps: true,
    },
};
