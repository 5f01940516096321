// `pulumi up` does not run clusters/lambda/*.ts: it runs the code Pulumi serialized from the
// providers into the state, in the engine's dynamic-provider process. This runs exactly that text,
// in a process of its own, against the published-contract server.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { machineProvider, sshKeyProvider } from "../../clusters/lambda/provider";
import { rulesetProvider, rulesetRulesProvider } from "../../clusters/lambda/rulesets";
import { expectContractKept, FAST_LIMITS, machineOf, rulesetOf, startLambdaApi } from "../support/lambdaApi";

/** Loads each serialized provider as the dynamic-provider host does (its `handler` export) and runs the steps in order. */
const RUNNER = `
const steps = JSON.parse(process.env.STEPS);
(async () => {
    const ids = {};
    for (const step of steps) {
        const provider = require(step.file).handler();
        const inputs = JSON.parse(JSON.stringify(step.inputs).replace(/"@id:(\\w+)"/g, (_, k) => JSON.stringify(ids[k])));
        ids[step.name] = (await provider.create(inputs)).id;
    }
    process.stdout.write(JSON.stringify(ids));
})().catch((e) => { process.stderr.write(e.stack); process.exit(1); });
`;

describe("Lambda providers as Pulumi serializes them into the state", () => {
    it("create an SSH key, a ruleset, an instance carrying it and the ruleset's rules from their serialized code alone", async () => {
        const api = await startLambdaApi(FAST_LIMITS);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-serialized-"));
        try {
            const files: Record<string, string> = {};
            for (const [name, provider] of Object.entries({ sshKeyProvider, rulesetProvider, machineProvider, rulesetRulesProvider })) {
                const serialized = await serializeFunction(() => provider, { allowSecrets: true });
                expect(serialized.text, name).to.not.match(/require\("\.{1,2}\//); // nothing of the repository is loaded at run time
                files[name] = path.join(dir, `${name}.js`);
                fs.writeFileSync(files[name], serialized.text);
            }
            const machine = { ...machineOf(api, "@id:ruleset"), sshKeyName: "sophia-dev" };
            const steps = [
                {
                    name: "key",
                    file: files.sshKeyProvider,
                    inputs: { apiUrl: api.url, apiKey: api.apiKey, pacing: machine.pacing, name: "sophia-dev", publicKey: "ssh-ed25519 AAAA dev" },
                },
                { name: "ruleset", file: files.rulesetProvider, inputs: rulesetOf(api) },
                { name: "machine", file: files.machineProvider, inputs: machine },
                {
                    name: "rules",
                    file: files.rulesetRulesProvider,
                    inputs: { apiUrl: api.url, apiKey: api.apiKey, pacing: machine.pacing, rulesetId: "@id:ruleset", rules: rulesetOf(api).initialRules },
                },
            ];
            const child = spawn(process.execPath, ["-e", RUNNER], { cwd: dir, env: { PATH: process.env.PATH, STEPS: JSON.stringify(steps) }, stdio: "pipe" });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
            expect(code, stderr).to.equal(0);
            const ids = JSON.parse(stdout) as Record<string, string>;
            expect(api.instances.get(ids.machine)).to.deep.include({ status: "active", firewall_rulesets: [{ id: ids.ruleset }] });
            expect(api.rulesets.get(ids.ruleset)!.instance_ids).to.deep.equal([ids.machine]);
            expect(api.untracked(Object.values(ids))).to.deep.equal([]);
            expectContractKept(api);
        } finally {
            await api.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
