// The SDK's own cost of the plan's resources, as a process of its own: Node, @pulumi/pulumi and the
// SDK's own mocks registering exactly the resources of a plan.json (their types, names, parents and
// inputs), and nothing of ours: no provider package, no component code, no checks, no files. What a
// plan takes above this is ours; what this takes above the floor (floor.js) is the SDK serializing
// our resources' inputs, which no program registering these resources can avoid.
// Prints one JSON line: { resources, wallMs, maxRssMb, cpuMs }; exits 1 when a replayed resource's
// URN is not the one the plan recorded (then it did not replay that plan).
"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");

const file = process.argv[2];
if (!file) {
    process.stderr.write("usage: node replay.js <plan.json>\n");
    process.exit(2);
}

const start = process.hrtime.bigint();
let plan;
try {
    plan = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!Array.isArray(plan.resources)) throw new Error("no resources list: not a plan.json written by sophia plan");
} catch (error) {
    process.stderr.write(`replay.js: ${file}: ${error.message}\n`);
    process.exit(2);
}
pulumi.runtime.setMocks(
    {
        // The engine's additions only, as the plan's recording monitor answers: outputs resolve to inputs.
        newResource: (args) => ({ id: `${args.name}-id`, state: {} }),
        call: () => ({}),
    },
    plan.project,
    plan.stack,
    // Not a preview, as the plan runs: outputs resolve.
    false,
);

/** Each of the plan's resources (in its order, so parents come first), registered under its parent. */
function replay() {
    const byUrn = new Map();
    for (const r of plan.resources) {
        if (r.type === "pulumi:pulumi:Stack") continue;
        const opts = byUrn.has(r.parent) ? { parent: byUrn.get(r.parent) } : {};
        const resource = r.custom ? new pulumi.CustomResource(r.type, r.name, r.inputs, opts) : new pulumi.ComponentResource(r.type, r.name, {}, opts);
        byUrn.set(r.urn, resource);
    }
    // [recorded URN, resource], in the plan's order.
    return [...byUrn];
}

let created = [];
pulumi.runtime
    .runInPulumiStack(() => {
        created = replay();
        return Promise.resolve({});
    })
    .then(() => pulumi.runtime.disconnect())
    .then(async () => {
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        const usage = process.resourceUsage();
        // Outside the measured time: each replayed resource has the URN the plan recorded for it.
        const urns = await Promise.all(created.map(([, resource]) => resource.urn.promise()));
        const mismatch = created.findIndex(([urn], i) => urns[i] !== urn);
        if (mismatch >= 0) {
            process.stderr.write(`replay.js: ${file}: resource ${mismatch} was registered as ${urns[mismatch]}, the plan recorded ${created[mismatch][0]}\n`);
            process.exit(1);
        }
        const line = { resources: created.length, wallMs, maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 };
        process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
    });
