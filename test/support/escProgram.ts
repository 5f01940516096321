// Runs the ESC project (esc) under mocks in this process and prints, as JSON, what it
// registered and its stack outputs: `node -r ts-node/register/transpile-only escProgram.ts <stackDir> <stack>`.
// PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS add config the way the Pulumi runtime receives it.
import * as path from "path";
import { evaluateProgram } from "../../commands/plan/evaluate";
import { readStackConfig } from "../../commands/plan/stackConfig";

async function main(): Promise<void> {
    const [stackDir, stack] = process.argv.slice(2);
    const stackConfig = readStackConfig(stackDir, stack, () => []);
    Object.assign(stackConfig.config, JSON.parse(process.env.PULUMI_CONFIG ?? "{}"));
    stackConfig.secretKeys.push(...(JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[]));
    const evaluation = await evaluateProgram(path.resolve(__dirname, "..", "..", "esc", "index.ts"), stackConfig);
    process.stdout.write(JSON.stringify({ resources: evaluation.resources, outputs: evaluation.stackOutputs }));
}

main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
});
