import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { RecordedResource } from "../../commands/plan/recorder";
import { ROOT } from "./plan";

export const ESC_DIR = path.join(ROOT, "esc");

export interface EscRun {
    code: number;
    stdout: string;
    stderr: string;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}

/** Evaluates the ESC project's stack under mocks in a child process (mocks are per process). */
export function runEscProgram(stack = "platform", config: Record<string, string> = {}, secretKeys: string[] = [], stackDir = ESC_DIR): EscRun {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "test/support/escProgram.ts"), stackDir, stack], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) },
        timeout: 120_000,
    });
    const parsed =
        result.status === 0
            ? (JSON.parse(result.stdout) as { resources: RecordedResource[]; outputs: Record<string, unknown> })
            : { resources: [], outputs: {} };
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, ...parsed };
}

/**
 * A copy of the platform project's stack files in a temp dir, each stack file edited by `edit`,
 * with the catalog edited by `editCatalog` when given (the stacks then point at the copy).
 */
export function platformCopy(
    edit: (stack: string, data: Record<string, unknown>) => void = () => undefined,
    editCatalog?: (catalog: { servers: { name: string; secrets?: string[] }[] }) => void,
): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-platform-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    let catalogFile: string | undefined;
    if (editCatalog) {
        const catalog = YAML.parse(fs.readFileSync(path.join(ROOT, "catalog", "mcp-servers.yaml"), "utf8"));
        editCatalog(catalog);
        catalogFile = path.join(dir, "mcp-servers.yaml");
        fs.writeFileSync(catalogFile, YAML.stringify(catalog));
    }
    for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f) && f !== "Pulumi.yaml")) {
        const stack = file.replace(/^Pulumi\.|\.yaml$/g, "");
        const data = YAML.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, unknown>;
        const config = (data.config ?? {}) as Record<string, unknown>;
        if (catalogFile) config["sophia:catalog"] = catalogFile;
        data.config = config;
        edit(stack, data);
        fs.writeFileSync(path.join(dir, file), YAML.stringify(data));
    }
    // The program is this project's: the copy only changes its stack files.
    fs.writeFileSync(path.join(dir, "index.ts"), `module.exports = require(${JSON.stringify(path.join(ROOT, "index.ts"))});\n`);
    return dir;
}
