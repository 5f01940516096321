import { planProjectStack } from "./project";

/** `npm run plan -- --project <dir> --stack <name>`: prints the plan; 0 planned, 2 invalid input. */
export async function planProject(projectDir: string, stack: string, out: string): Promise<number> {
    const result = await planProjectStack({ projectDir, stack, out });
    if (result.status === "invalid-input") {
        process.stderr.write(`${result.error.message}\nNo plan written; no resource was registered.\n`);
        return 2;
    }
    process.stdout.write(`${result.text}\n\nWrote ${result.dir}/plan.json\n`);
    return 0;
}
