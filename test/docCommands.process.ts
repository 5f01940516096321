// Every shell command README.md and the getting-started guide show runs as shown, in a copy of this
// checkout: a reader who follows them gets exit 0. Commands that deploy, reinstall or are this
// suite itself are skipped, each for the reason listed here.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/plan";

const DOCUMENTS = ["README.md", "docs/01-getting-started/README.md"];

/** Commands not run, by pattern, with the reason. */
const SKIPPED: readonly { pattern: RegExp; reason: string }[] = [
    { pattern: /^pulumi\b/, reason: "needs the Pulumi CLI, a stack backend and the target: it previews or deploys real infrastructure" },
    { pattern: /^npm ci( |$)/, reason: "reinstalls node_modules from the registry (about a minute); the suite runs with them installed" },
    { pattern: /^npm test$/, reason: "is the command running this test" },
    { pattern: /^git clone\b/, reason: "is replaced by a copy of this checkout" },
    { pattern: /^cd sophia-platform$/, reason: "is replaced by running in that copy" },
];

/** Folders that are installed or generated, not part of a checkout. */
const NOT_COPIED = new Set([".git", "node_modules", "out", "coverage", "bin", ".stryker-tmp", "reports", "dist"]);

/** The commands of a document's ```sh blocks, split at `&&`, without comments, in order. */
export function shellCommands(markdown: string): string[] {
    const commands: string[] = [];
    for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
        for (const line of block.split("\n")) {
            const command = line.replace(/(^|\s)#.*$/, "").trim();
            if (command) commands.push(...command.split(/\s+&&\s+/).map((c) => c.trim()));
        }
    }
    return commands;
}

function copyCheckout(from: string, to: string): void {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        if (NOT_COPIED.has(entry.name)) continue;
        const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)];
        if (entry.isDirectory()) copyCheckout(source, target);
        else if (entry.isFile()) fs.copyFileSync(source, target);
    }
}

describe("the commands README.md and getting started show", function () {
    this.timeout(600_000);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-docs-commands-"));
    before(() => {
        copyCheckout(ROOT, copy);
        // Installed dependencies are shared with the checkout: what `npm ci` would have made.
        for (const modules of ["node_modules", "policies/node_modules"]) {
            if (fs.existsSync(path.join(ROOT, modules))) fs.symlinkSync(path.join(ROOT, modules), path.join(copy, modules), "dir");
        }
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));

    it("reads the commands of ```sh blocks, split at && and without comments", () => {
        expect(shellCommands("text\n```sh\nnpm ci && npm run plan -- --stack dev    # plan\n\nnpm test\n```\n```yaml\nx: 1\n```\n")).to.deep.equal([
            "npm ci",
            "npm run plan -- --stack dev",
            "npm test",
        ]);
    });

    /** Each command once, with the documents that show it. */
    const shownIn = new Map<string, string[]>();
    for (const document of DOCUMENTS) {
        const commands = shellCommands(fs.readFileSync(path.join(ROOT, document), "utf8"));
        it(`${document} shows commands this test runs`, () => {
            expect(commands.filter((c) => !SKIPPED.some((s) => s.pattern.test(c)))).to.not.be.empty;
        });
        for (const command of commands) shownIn.set(command, [...(shownIn.get(command) ?? []), document]);
    }

    it("runs every command but those the skip list names, and every skip reason still applies to a shown command", () => {
        const notRun = [...shownIn.keys()].flatMap((command) => {
            const skip = SKIPPED.find((s) => s.pattern.test(command));
            return skip ? [`\`${command}\` is not run: it ${skip.reason}`] : [];
        });
        for (const line of notRun) console.log(`      ${line}`);
        const unused = SKIPPED.filter((s) => ![...shownIn.keys()].some((command) => s.pattern.test(command)));
        expect(
            unused.map((s) => s.pattern.source),
            "skip entries no document needs any more",
        ).to.be.empty;
    });

    for (const [command, documents] of shownIn) {
        if (SKIPPED.some((s) => s.pattern.test(command))) continue;
        it(`\`${command}\` (${documents.join(", ")}) exits 0`, () => {
            const result = spawnSync("bash", ["-c", command], { cwd: copy, encoding: "utf8", timeout: 300_000 });
            expect(result.status, `${command}\n${result.stdout?.slice(-2000)}${result.stderr?.slice(-2000)}`).to.equal(0);
        });
    }
});
