// The one helper every test uses to find a system tool, and the installer `npm test` runs first.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installPlan, missingPackages } from "./support/installTools";
import { aptInstallCommand, binarySearchPath, DEBIAN_PACKAGES, locateBinary, requireBinary } from "./support/tools";

describe("system tools the tests run", () => {
    // Made in `before`, not when the file loads: a mutation run runs the suite again in one process, after `after` removed it.
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-tools-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("names the missing binary, its Debian package and the exact install command", () => {
        expect(() => requireBinary("nginx", [dir])).to.throw(
            'nginx is not installed (looked in PATH, the sbin folders and /usr/lib/postgresql/*/bin). It comes from the Debian package "nginx": ' +
                "sudo apt-get update && sudo apt-get install -y --no-install-recommends nginx",
        );
        expect(() => requireBinary("initdb", [dir])).to.throw('the Debian package "postgresql"');
        expect(() => requireBinary("amtool", [dir])).to.throw("apt-get install -y --no-install-recommends prometheus-alertmanager");
    });

    it("finds only executable files", () => {
        const tool = path.join(dir, "tool");
        fs.writeFileSync(tool, "#!/bin/sh\n", { mode: 0o644 });
        fs.mkdirSync(path.join(dir, "folder"), { mode: 0o755 });
        expect(locateBinary("tool", [dir])).to.equal(undefined);
        expect(locateBinary("folder", [dir])).to.equal(undefined);
        fs.chmodSync(tool, 0o755);
        expect(locateBinary("tool", ["/nonexistent", dir])).to.equal(tool);
        expect(requireBinary("tool", [dir])).to.equal(tool);
    });

    it("looks beyond a non-root PATH: the sbin folders and PostgreSQL's versioned server folders, newest first", () => {
        const dirs = binarySearchPath("/usr/bin:/bin");
        expect(dirs.slice(0, 5)).to.deep.equal(["/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"]);
        const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)) : [];
        const newest = versions.sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`);
        expect(dirs.slice(5)).to.deep.equal(newest);
    });

    it("installs each missing package once, sorted, and nothing when all are there", () => {
        const missing = new Set(["nginx", "initdb", "pg_ctl", "psql"]);
        expect(missingPackages((b) => (missing.has(b) ? undefined : `/usr/bin/${b}`))).to.deep.equal(["nginx", "postgresql", "postgresql-client"]);
        expect(missingPackages((b) => `/usr/bin/${b}`)).to.deep.equal([]);
        expect(aptInstallCommand(["openssl", "nginx", "openssl"], false)).to.equal(
            "apt-get update && apt-get install -y --no-install-recommends nginx openssl",
        );
    });

    it("installs as root or through sudo, and otherwise stops with the command to run", () => {
        const packages = ["nginx", "prometheus"];
        expect(installPlan(packages, { root: true, sudo: false, apt: true })).to.deep.equal({ kind: "install", prefix: [] });
        expect(installPlan(packages, { root: false, sudo: true, apt: true })).to.deep.equal({ kind: "install", prefix: ["sudo"] });
        const cannot = installPlan(packages, { root: false, sudo: false, apt: true });
        expect(cannot).to.deep.equal({
            kind: "cannot",
            message:
                "The tests need nginx, prometheus, and this user is neither root nor has sudo. As root, run: apt-get update && apt-get install -y --no-install-recommends nginx prometheus",
        });
        const noApt = installPlan(packages, { root: true, sudo: true, apt: false });
        expect(noApt.kind).to.equal("cannot");
        expect((noApt as { message: string }).message)
            .to.include("no apt-get")
            .and.include("apt-get install -y --no-install-recommends nginx prometheus");
    });

    it("every test starts system tools through requireBinary, so a missing one is named with its package", () => {
        const files = fs.readdirSync(path.join(__dirname), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
        const direct: string[] = [];
        for (const file of files) {
            const text = fs.readFileSync(path.join(__dirname, file), "utf8");
            for (const match of text.matchAll(/\b(?:spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*"([^" ]+)/g)) {
                if (match[1] in DEBIAN_PACKAGES) direct.push(`${file}: ${match[1]}`);
            }
        }
        expect(direct).to.deep.equal([]);
    });
});

describe("the docs of the system tools", () => {
    const read = (file: string) => fs.readFileSync(path.join(__dirname, "..", file), "utf8");

    it("README names every Debian package npm test installs", () => {
        const readme = read("README.md");
        for (const pkg of new Set(Object.values(DEBIAN_PACKAGES))) expect(readme, pkg).to.include(`\`${pkg}\``);
    });

    it("the troubleshooting table has a row for every binary, with its package", () => {
        const rows = read("docs/06-troubleshooting/common-problems.md")
            .split("\n")
            .filter((line) => line.startsWith("| `"));
        for (const [binary, pkg] of Object.entries(DEBIAN_PACKAGES)) {
            const row = rows.find((line) => line.split("|")[1].includes(`\`${binary}\``));
            expect(row, binary).to.not.equal(undefined);
            expect(row!.split("|")[2].trim(), binary).to.equal(`\`${pkg}\``);
        }
    });
});
