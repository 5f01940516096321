// What each platform stack needs from ESC, read from copies of the platform's stack files and
// catalog: the stacks found, the secrets they need, and the problems of files that are invalid.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadCatalog } from "../../catalog";
import { platformSecretNeeds, platformStacks } from "../../esc/needs";
import { CONFIG_NAMESPACE } from "../../stacks/settings";
import { platformCopy } from "../support/esc";
import { ROOT } from "../support/plan";

const copies: string[] = [];
const copy = (...args: Parameters<typeof platformCopy>): string => {
    const dir = platformCopy(...args);
    copies.push(dir);
    return dir;
};

describe("ESC: what the platform's stacks need", () => {
    after(() => copies.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it("finds the stacks by their Pulumi.<stack>.yaml or .yml files, sorted, and nothing else", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-stacks-"));
        copies.push(dir);
        for (const file of [
            "Pulumi.yaml",
            "Pulumi.zeta.yaml",
            "Pulumi.alpha.yml",
            "Pulumi.prod-dr.yaml",
            "Pulumi.b.yaml.bak",
            "XPulumi.c.yaml",
            "Pulumi..yaml",
            "notes.txt",
        ]) {
            fs.writeFileSync(path.join(dir, file), "");
        }
        expect(platformStacks(dir)).to.deep.equal(["alpha", "prod-dr", "zeta"]);
        expect(platformStacks(ROOT)).to.deep.equal(
            fs
                .readdirSync(ROOT)
                .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
                .map((f) => f.slice("Pulumi.".length, -".yaml".length))
                .sort(),
        );
    });

    it("needs, per stack, its target, the catalog's secrets and its own platform components' secrets", () => {
        const { needs, problems } = platformSecretNeeds(ROOT);
        expect(problems).to.deep.equal([]);
        const catalog = loadCatalog();
        const catalogSecrets = [...new Set(catalog.servers.flatMap((s) => s.secrets))].sort();
        expect(needs.map((n) => n.stack)).to.deep.equal(platformStacks(ROOT));
        for (const n of needs) {
            const config = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${n.stack}.yaml`), "utf8")).config as Record<string, unknown>;
            expect(n.target, n.stack).to.equal(config[`${CONFIG_NAMESPACE}:target`]);
            expect(n.catalogSecrets, n.stack).to.deep.equal(catalogSecrets);
            for (const secret of catalogSecrets) expect(n.inventory.has(secret), `${n.stack} ${secret}`).to.equal(true);
        }
    });

    it("reads the stack's own catalog, or the one it is given", () => {
        let holder = "";
        const dir = copy(undefined, (catalog) => {
            catalog.servers = catalog.servers.slice(0, 2);
            catalog.servers[1].secrets = ["ONLY_IN_THIS_CATALOG"];
            holder = catalog.servers[1].name;
        });
        const own = platformSecretNeeds(dir, undefined, ["dev"]);
        expect(own.problems).to.deep.equal([]);
        expect(own.needs[0].catalogSecrets).to.include("ONLY_IN_THIS_CATALOG");
        expect(own.needs[0].inventory.get("ONLY_IN_THIS_CATALOG")).to.deep.equal([holder]);
        const given = platformSecretNeeds(dir, path.join(ROOT, "catalog", "mcp-servers.yaml"), ["dev"]);
        expect(given.needs[0].catalogSecrets).to.not.include("ONLY_IN_THIS_CATALOG");
    });

    it("counts an invalid catalog as no servers, reporting its problems once for all stacks", () => {
        const dir = copy(undefined, (catalog) => {
            (catalog.servers[0] as Record<string, unknown>).port = "eighty";
        });
        const servers = new Set(loadCatalog().servers.map((s) => s.name));
        const { needs, problems } = platformSecretNeeds(dir);
        expect(needs.map((n) => n.stack)).to.deep.equal(platformStacks(ROOT));
        expect(problems).to.have.length(1);
        expect(`${problems[0].where}: ${problems[0].message}`)
            .to.match(/mcp-servers\.yaml.*port/)
            .and.include('"eighty"');
        for (const n of needs) {
            expect(n.catalogSecrets, n.stack).to.deep.equal([]);
            // What the platform needs itself is still provided: the valid catalog's inventory without its servers.
            const valid = platformSecretNeeds(ROOT).needs.find((v) => v.stack === n.stack)!;
            const platformOnly = [...valid.inventory]
                .map(([secret, users]) => [secret, users.filter((u) => !servers.has(u))] as const)
                .filter(([, users]) => users.length > 0);
            expect(platformOnly.length, n.stack).to.be.greaterThan(0);
            expect([...n.inventory], n.stack).to.deep.equal(platformOnly);
        }
    });

    it("reports a stack whose file is invalid at its line and key, and still reads the others", () => {
        const dir = copy((stack, data) => {
            if (stack === "staging") (data.config as Record<string, unknown>)["sophia:target"] = "nomad";
        });
        const { needs, problems } = platformSecretNeeds(dir);
        expect(needs.map((n) => n.stack)).to.deep.equal(platformStacks(ROOT).filter((s) => s !== "staging"));
        expect(problems).to.have.length(1);
        const line = fs
            .readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")
            .split("\n")
            .findIndex((l) => l.includes("sophia:target"));
        expect(problems[0].where).to.match(new RegExp(`^Pulumi\\.staging\\.yaml:${line + 1}:\\d+ sophia:target$`));
        expect(problems[0].message).to.include('"nomad"').and.include("swarm | k3s | kubernetes");
    });

    it("reports a stack without a stack file by its file's name", () => {
        const { needs, problems } = platformSecretNeeds(ROOT, undefined, ["dev", "ghost"]);
        expect(needs.map((n) => n.stack)).to.deep.equal(["dev"]);
        expect(problems).to.deep.equal([{ where: "Pulumi.ghost.yaml", message: `no stack file Pulumi.ghost.yaml in ${ROOT}` }]);
    });
});
