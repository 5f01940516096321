// `npm test` runs this first: it installs the Debian packages of the real tools the tests run
// (test/support/tools.ts lists them) when any is missing, or stops at once with the command that
// installs them when this machine cannot (not root and no sudo, or no apt-get).
import { spawnSync } from "child_process";
import { aptInstallCommand, DEBIAN_PACKAGES, locateBinary } from "./tools";

/** Packages of the binaries that are not installed, each once, sorted. */
export function missingPackages(locate: (binary: string) => string | undefined = (b) => locateBinary(b)): string[] {
    const missing = Object.entries(DEBIAN_PACKAGES)
        .filter(([binary]) => locate(binary) === undefined)
        .map(([, pkg]) => pkg);
    return [...new Set(missing)].sort();
}

export interface Machine {
    readonly root: boolean;
    readonly sudo: boolean;
    readonly apt: boolean;
}

export type InstallPlan = { readonly kind: "install"; readonly prefix: readonly string[] } | { readonly kind: "cannot"; readonly message: string };

/** How this machine can install packages: directly as root, through sudo, or not at all (and what to run instead). */
export function installPlan(packages: readonly string[], machine: Machine): InstallPlan {
    const command = aptInstallCommand(packages);
    if (!machine.apt) {
        return {
            kind: "cannot",
            message: `The tests need ${packages.join(", ")}, and this machine has no apt-get. On Debian or Ubuntu: ${command}. Elsewhere, install the same tools with your package manager.`,
        };
    }
    if (machine.root) return { kind: "install", prefix: [] };
    if (machine.sudo) return { kind: "install", prefix: ["sudo"] };
    return {
        kind: "cannot",
        message: `The tests need ${packages.join(", ")}, and this user is neither root nor has sudo. As root, run: ${aptInstallCommand(packages, false)}`,
    };
}

function run(argv: readonly string[]): void {
    const result = spawnSync(argv[0], argv.slice(1), { stdio: "inherit" });
    if (result.status !== 0) throw new Error(`${argv.join(" ")} failed (exit ${result.status ?? result.signal ?? "?"})`);
}

function main(): number {
    const packages = missingPackages();
    if (packages.length === 0) return 0;
    const machine: Machine = { root: process.getuid?.() === 0, sudo: locateBinary("sudo") !== undefined, apt: locateBinary("apt-get") !== undefined };
    const plan = installPlan(packages, machine);
    if (plan.kind === "cannot") {
        process.stderr.write(`${plan.message}\n`);
        return 1;
    }
    process.stderr.write(`Installing the tests' system tools: ${packages.join(" ")}\n`);
    try {
        run([...plan.prefix, "apt-get", "update"]);
        run([...plan.prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", ...packages]);
    } catch (error) {
        process.stderr.write(`${(error as Error).message}. Install them yourself: ${aptInstallCommand(packages)}\n`);
        return 1;
    }
    const stillMissing = missingPackages();
    if (stillMissing.length > 0) {
        process.stderr.write(`Still missing after installing: ${stillMissing.join(", ")}\n`);
        return 1;
    }
    return 0;
}

if (require.main === module) process.exit(main());
