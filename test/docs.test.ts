import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../catalog";
import { DOCS_BASE_URL, RUNBOOK_DOC, RUNBOOKS } from "../components/monitoring/runbooks";
import { renderAlertReference } from "../docs/generate/alerts";
import { updateDocs } from "../docs/generate/index";
import { GENERATED_DOCS } from "../docs/generate/list";
import { renderServiceReference } from "../docs/generate/services";
import { projectStacks, stackSettings } from "../docs/generate/stacks";
import { filesUnder, planOf, ROOT } from "./support/plan";

const STACKS = projectStacks();
const committed = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Headings' anchors as GitHub renders them (lowercase, spaces to dashes, punctuation dropped). */
const anchors = (markdown: string) =>
    new Set(
        [...markdown.matchAll(/^#+ (.+)$/gm)].map((m) =>
            m[1]
                .trim()
                .toLowerCase()
                .replace(/[^a-z0-9 -]/g, "")
                .replace(/ /g, "-"),
        ),
    );

describe("living documentation", () => {
    const loadGenerated = () => GENERATED_DOCS;

    it("every generated document is what `npm run docs` writes (run it after changing the catalog, rules or stacks)", () => {
        const plans = STACKS.map((s) => planOf(s).plan!);
        for (const doc of loadGenerated()) expect(committed(doc.file), `${doc.file} is stale: run npm run docs`).to.equal(doc.render(plans));
    });

    it("`npm run docs` writes only the pages that are missing or stale, and with --check writes nothing and lists them", () => {
        const plans = STACKS.map((s) => planOf(s).plan!);
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-docs-"));
        const [missing, stale, ...current] = GENERATED_DOCS.map((d) => d.file);
        for (const file of current) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(root, file));
        }
        fs.mkdirSync(path.dirname(path.join(root, stale)), { recursive: true });
        fs.writeFileSync(path.join(root, stale), "an old page\n");
        const mtimes = () => current.map((file) => fs.statSync(path.join(root, file)).mtimeMs);
        const before = mtimes();

        const check = updateDocs(plans, true, root);
        expect(check).to.deep.equal({
            code: 1,
            stdout: "",
            stderr: `Stale generated docs (run npm run docs):\n  ${missing}\n  ${stale}\n`,
            stale: [missing, stale],
        });
        expect(fs.existsSync(path.join(root, missing))).to.equal(false);
        expect(fs.readFileSync(path.join(root, stale), "utf8")).to.equal("an old page\n");

        const write = updateDocs(plans, false, root);
        expect(write).to.deep.equal({ code: 0, stdout: `Wrote ${missing}, ${stale}\n`, stderr: "", stale: [missing, stale] });
        for (const file of [missing, stale]) expect(fs.readFileSync(path.join(root, file), "utf8"), file).to.equal(committed(file));
        expect(mtimes()).to.deep.equal(before);

        for (const checkOnly of [true, false]) {
            expect(updateDocs(plans, checkOnly, root)).to.deep.equal({ code: 0, stdout: "Generated docs are up to date.\n", stderr: "", stale: [] });
        }
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("goes stale when a catalog entry changes", () => {
        const catalog = loadCatalog();
        const changed = { servers: catalog.servers.map((s) => (s.name === "codacy" ? { ...s, port: 3009 } : s)) };
        const before = renderServiceReference(catalog, stackSettings());
        const after = renderServiceReference(changed, stackSettings());
        expect(before).to.equal(committed("docs/99-reference/services.md"));
        expect(after).to.not.equal(before);
        expect(after).to.include("| [codacy](#codacy) | 3009 |");
    });

    it("lists every catalog entry with its port, tier, secrets, exposure and replicas per stack", () => {
        const reference = committed("docs/99-reference/services.md");
        for (const server of loadCatalog().servers) {
            const row = reference.split("\n").find((l) => l.startsWith(`| [${server.name}](#${server.name}) |`));
            expect(row, server.name).to.not.equal(undefined);
            expect(row).to.include(`| ${server.port} |`).and.include(`| ${server.tier} |`).and.include(`| ${server.expose} |`);
            for (const secret of server.secrets) expect(row).to.include(`\`${secret}\``);
            expect(row!.split("|").length - 2, `${server.name}: one column per stack`).to.equal(7 + STACKS.length);
        }
    });

    it("gives every alert of every stack a runbook_url to a runbook that exists", () => {
        const alertsDoc = renderAlertReference();
        const sections = anchors(alertsDoc);
        let checked = 0;
        for (const stack of STACKS) {
            const run = planOf(stack);
            const ruleFiles = filesUnder(path.join(run.out, stack, "monitoring", "rules"));
            expect(ruleFiles, stack).to.not.be.empty;
            for (const file of ruleFiles) {
                const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
                for (const rule of doc.groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
                    const url = rule.annotations?.runbook_url ?? "";
                    const [page, anchor] = url.split("#");
                    expect(page, `${stack} ${rule.alert}`).to.equal(`${DOCS_BASE_URL}/${RUNBOOK_DOC}`);
                    expect(sections.has(anchor), `${stack} ${rule.alert}: no section #${anchor} in ${RUNBOOK_DOC}`).to.equal(true);
                    expect(Object.keys(RUNBOOKS)).to.include(rule.alert);
                    checked++;
                }
            }
        }
        expect(checked).to.be.greaterThan(loadCatalog().servers.length * 7);
    });

    it("has the knowledge base's folders, each with at least one page", () => {
        const folders = [
            "01-getting-started",
            "02-development",
            "03-architecture",
            "04-deployment",
            "05-operations",
            "06-troubleshooting",
            "07-security",
            "08-compliance",
            "99-reference",
        ];
        for (const folder of folders) {
            const pages = fs.readdirSync(path.join(ROOT, "docs", folder)).filter((f) => f.endsWith(".md"));
            expect(pages, folder).to.not.be.empty;
        }
    });

    it("links only to documents that exist", () => {
        for (const file of filesUnder(path.join(ROOT, "docs"))
            .filter((f) => f.endsWith(".md"))
            .concat(path.join(ROOT, "README.md"))) {
            for (const [, target] of fs.readFileSync(file, "utf8").matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)(#[^)]*)?\)/g)) {
                expect(fs.existsSync(path.resolve(path.dirname(file), target)), `${path.relative(ROOT, file)} links to ${target}`).to.equal(true);
            }
        }
    });
});
