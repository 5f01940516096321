// The floor of `sophia bench`, as its own process: Node, @pulumi/pulumi and the SDK's own mocks
// registering <count> bare resources, and nothing of ours. Plain JavaScript, so that no TypeScript
// loader is part of it either. Prints one JSON line: { resources, wallMs, maxRssMb, cpuMs }.
"use strict";
const pulumi = require("@pulumi/pulumi");

const count = Number(process.argv[2]);
if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`usage: node floor.js <count>: got "${process.argv[2]}"\n`);
    process.exit(2);
}

const start = process.hrtime.bigint();
let registered = 0;
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered++;
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
    },
    "sophia",
    "bench",
    // Not a preview, as the plan runs: outputs resolve.
    false,
);

class Bare extends pulumi.CustomResource {
    constructor(name, props) {
        super("bench:index:Bare", name, props);
    }
}

pulumi.runtime
    .runInPulumiStack(() => {
        for (let i = 0; i < count; i++) new Bare(`bare-${i}`, { index: i, labels: { tier: "low" } });
        return Promise.resolve({});
    })
    .then(() => pulumi.runtime.disconnect())
    .then(() => {
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        const usage = process.resourceUsage();
        const line = { resources: registered, wallMs, maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 };
        process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
    });
