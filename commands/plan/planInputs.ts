// The plan's file and folder options, checked before anything is evaluated: a path that cannot serve
// is the user's to fix (exit 2, what was given and what to pass), not a failure of the plan (exit 3).
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../command";
import { nearest } from "../../stacks/nearest";

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** --catalog: a file that can be read. */
export function checkCatalogOption(file: string | undefined): void {
    if (file === undefined) return;
    try {
        if (!fs.statSync(file).isFile()) throw Object.assign(new Error("a folder"), { code: "EISDIR" });
        fs.accessSync(file, fs.constants.R_OK);
    } catch (error) {
        throw new UsageError(`--catalog ${file}: cannot read it (${reason(error)}); pass a catalog YAML file such as catalog/mcp-servers.yaml`);
    }
}

/** --out: a folder that exists and can be written to, or one that can be made in the nearest folder that exists. */
export function checkOutOption(out: string): void {
    let existing = path.resolve(out);
    while (!fs.existsSync(existing)) existing = path.dirname(existing);
    try {
        if (!fs.statSync(existing).isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
        fs.accessSync(existing, fs.constants.W_OK);
    } catch (error) {
        throw new UsageError(`--out ${out}: cannot write plans there (${reason(error)} at ${existing}); pass a folder, e.g. --out out`);
    }
}

/** The repository's other Pulumi projects, by folder: where a Pulumi.yaml is, the platform's own excepted. */
export function otherProjects(root: string): string[] {
    const found: string[] = [];
    const visit = (dir: string, depth: number) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (!entry.isDirectory() || entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "out") continue;
            const child = path.join(dir, entry.name);
            if (fs.existsSync(path.join(child, "Pulumi.yaml"))) found.push(path.relative(root, child));
            if (depth > 0) visit(child, depth - 1);
        }
    };
    visit(root, 1);
    return found.sort();
}

/** --project: a folder with a Pulumi.yaml; otherwise the nearest project's name and the list of them. */
export function checkProjectOption(given: string, root: string): string {
    const dir = path.resolve(given);
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const projects = otherProjects(root);
    const guess = nearest(given.replace(/\/+$/, ""), projects);
    throw new UsageError(
        `--project ${given}: not a Pulumi project (no Pulumi.yaml there)${guess ? `; did you mean ${guess}?` : "."} The repository's other projects: ${projects.join(", ")}`,
    );
}
