import { expect } from "chai";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CATALOG_FILE, loadCatalog, validateCatalog } from "../catalog";
import { InvalidInputError } from "../stacks/problems";

const raw = () => YAML.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { servers: Record<string, unknown>[] };

function problemsOf(mutate: (servers: Record<string, unknown>[]) => void): string[] {
    const data = raw();
    mutate(data.servers);
    try {
        validateCatalog(data, "mcp-servers.yaml");
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the catalog to be rejected");
}

const indexOf = (name: string) => raw().servers.findIndex((s) => s.name === name);

describe("catalog", () => {
    it("holds every entry of the file, with unique names and ports", () => {
        const { servers } = loadCatalog();
        expect(servers.map((s) => s.name)).to.deep.equal(raw().servers.map((s) => s.name));
        expect(new Set(servers.map((s) => s.name)).size).to.equal(servers.length);
        expect(new Set(servers.map((s) => s.port)).size).to.equal(servers.length);
    });

    it("refuses a port below 1024 and takes 1024 itself", () => {
        const i = indexOf("codacy");
        expect(problemsOf((s) => (s[i].port = 1023))).to.deep.equal([
            `mcp-servers.yaml servers[${i}] (codacy).port: got 1023; ports below 1024 need privileges the servers must not have`,
        ]);
        const data = raw();
        data.servers[i].port = 1024;
        expect(validateCatalog(data).servers[i].port).to.equal(1024);
    });

    it("names the line and column of each problem in the catalog file, and the nearest field of an unknown one", () => {
        const text = fs.readFileSync(CATALOG_FILE, "utf8");
        const lines = text.split("\n");
        const entry = lines.indexOf("  - name: codacy");
        const tier = lines.indexOf("    tier: low", entry);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "mcp-servers.yaml");
        lines[tier] = "    teir: low";
        fs.writeFileSync(file, lines.join("\n"));
        const error = (() => {
            try {
                loadCatalog(file);
            } catch (e) {
                return e as InvalidInputError;
            }
            throw new Error("expected the catalog to be rejected");
        })();
        expect(error.problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
            `mcp-servers.yaml:${tier + 1}:5 servers[1] (codacy).teir: got "low"; unknown field: did you mean tier?`,
        ]);
    });

    it("fills the documented defaults and keeps known sizes", () => {
        const servers = new Map(loadCatalog().servers.map((s) => [s.name, s]));
        const codacy = servers.get("codacy")!;
        expect(codacy).to.include({ healthPath: "/health", metricsPath: "/metrics", mcpPath: "/mcp", allowDockerSocket: false });
        expect(codacy.secrets).to.deep.equal([]);
        expect(servers.get("mem0-server")!.resources!.limits).to.deep.equal({ cpu: "1", memory: "2Gi" });
        expect(servers.get("cortex-aisql-server")!.resources!.limits).to.deep.equal({ cpu: "4", memory: "8Gi" });
        expect(servers.get("docker-agent")!.allowDockerSocket).to.equal(true);
    });

    it("names the file, line and fix of a stdio entry without its command, and of a command on a Streamable HTTP entry", () => {
        const text = fs.readFileSync(CATALOG_FILE, "utf8");
        const lines = text.split("\n");
        const [first, second] = loadCatalog().servers;
        const at = (name: string): number => lines.indexOf(`  - name: ${name}`);
        lines.splice(at(second.name) + 1, 0, "    command: [node, /app/server.js]");
        lines.splice(at(first.name) + 1, 0, "    transport: stdio");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "mcp-servers.yaml");
        fs.writeFileSync(file, lines.join("\n"));
        const error = (() => {
            try {
                loadCatalog(file);
            } catch (e) {
                return e as InvalidInputError;
            }
            throw new Error("expected the catalog to be rejected");
        })();
        expect(error.problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
            `mcp-servers.yaml:${at(first.name) + 2}:16 servers[0] (${first.name}).transport: a stdio server needs the command that starts it inside its image: add command: [program, args...], e.g. command: [node, /app/server.js]`,
            `mcp-servers.yaml:${at(second.name) + 2}:14 servers[1] (${second.name}).command: got ["node","/app/server.js"]; command applies only to stdio servers (a Streamable HTTP server runs its image's own entrypoint): set transport: stdio or remove command`,
        ]);
    });

    it("is frozen after validation", () => {
        const catalog = loadCatalog();
        expect(Object.isFrozen(catalog.servers[0])).to.equal(true);
        expect(Object.isFrozen(catalog.servers[0].secrets)).to.equal(true);
    });

    it("rejects a duplicate name, naming both entries", () => {
        const i = indexOf("codacy");
        const problems = problemsOf((s) => (s[i].name = "ai-memory"));
        expect(problems).to.deep.equal([`mcp-servers.yaml servers[${i}] (ai-memory).name: name "ai-memory" is already used by servers[0] (ai-memory)`]);
    });

    it("rejects a duplicate port", () => {
        const i = indexOf("codacy");
        const problems = problemsOf((s) => (s[i].port = 9001));
        expect(problems).to.deep.equal([`mcp-servers.yaml servers[${i}] (codacy).port: port 9001 is already used by servers[0] (ai-memory)`]);
    });

    it("rejects an unknown tier", () => {
        const i = indexOf("gong-agent");
        const problems = problemsOf((s) => (s[i].tier = "urgent"));
        expect(problems).to.have.length(1);
        expect(problems).to.deep.equal([`mcp-servers.yaml servers[${i}] (gong-agent).tier: got "urgent"; expected one of critical | high | medium | low`]);
    });

    it("rejects latest and a missing version", () => {
        const a = indexOf("slack-agent");
        const b = indexOf("linear-agent");
        const problems = problemsOf((s) => {
            s[a].version = "latest";
            delete s[b].version;
        });
        expect(problems).to.have.length(2);
        expect(problems[0]).to.equal(`mcp-servers.yaml servers[${a}] (slack-agent).version: "latest" is not a pinned version: name the exact release`);
        expect(problems[1]).to.match(new RegExp(`^mcp-servers.yaml servers\\[${b}\\] \\(linear-agent\\).version: `));
    });

    it("accepts a sha256 digest from the release pipeline and rejects anything else", () => {
        const a = indexOf("slack-agent");
        const digest = `sha256:${createHash("sha256").update("a manifest").digest("hex")}`;
        const data = raw();
        data.servers[a].digest = digest;
        expect(validateCatalog(data, "mcp-servers.yaml").servers[a].digest).to.equal(digest);
        const problems = problemsOf((s) => (s[a].digest = "sha256:ABC"));
        expect(problems).to.deep.equal([
            `mcp-servers.yaml servers[${a}] (slack-agent).digest: got "sha256:ABC"; expected an image digest sha256:<64 lowercase hex digits>, as the registry reports it`,
        ]);
        // The whole value is the digest: nothing before it, nothing after it.
        for (const wrong of [`x${digest}`, `${digest}0`, `${digest} `])
            expect(
                problemsOf((s) => (s[a].digest = wrong)),
                wrong,
            ).to.have.length(1);
    });

    it("deploys an entry to the targets it lists, several of them too, and refuses an empty list", () => {
        const a = indexOf("slack-agent");
        const data = raw();
        data.servers[a].targets = ["swarm", "k3s"];
        expect(validateCatalog(data, "mcp-servers.yaml").servers[a].targets).to.deep.equal(["swarm", "k3s"]);
        expect(problemsOf((s) => (s[a].targets = []))).to.have.length(1);
    });

    it("rejects a Docker socket mount without the explicit flag", () => {
        const i = indexOf("docker-agent");
        const problems = problemsOf((s) => delete s[i].allowDockerSocket);
        expect(problems).to.deep.equal([
            `mcp-servers.yaml servers[${i}] (docker-agent).hostMounts: got ["/var/run/docker.sock"]; mounting /var/run/docker.sock needs "allowDockerSocket: true" on the entry (it gives root on the node)`,
        ]);
    });

    it("rejects a Docker socket mount on targets without a Docker engine", () => {
        const i = indexOf("docker-agent");
        const problems = problemsOf((s) => (s[i].targets = ["swarm", "k3s"]));
        expect(problems).to.deep.equal([
            `mcp-servers.yaml servers[${i}] (docker-agent).targets: got ["swarm","k3s"]; only Swarm nodes run the Docker engine that /var/run/docker.sock belongs to (Kubernetes and K3s nodes run containerd): set targets: [swarm]`,
        ]);
        expect(problemsOf((s) => delete s[i].targets)).to.have.length(1);
    });

    it("rejects other host mounts even with the flag", () => {
        const i = indexOf("docker-agent");
        const problems = problemsOf((s) => (s[i].hostMounts = ["/var/run/docker.sock", "/"]));
        expect(problems).to.deep.equal([
            `mcp-servers.yaml servers[${i}] (docker-agent).hostMounts: got ["/var/run/docker.sock","/"]; only /var/run/docker.sock may be mounted from the host; remove /`,
        ]);
    });

    it("lists every problem at once", () => {
        const problems = problemsOf((s) => {
            s[1].port = 9001;
            s[2].tier = "urgent";
            s[3].version = "latest";
            s[4].unknownField = true;
        });
        expect(problems).to.have.length(4);
    });

    it("reports YAML syntax errors with the file name", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "broken.yaml");
        fs.writeFileSync(file, "servers:\n  - name: [unclosed\n");
        expect(() => loadCatalog(file)).to.throw(InvalidInputError, /broken.yaml:\d+:\d+: /);
    });
});

describe("catalog problems, as the person fixing them reads them", () => {
    const messageOf = (run: () => unknown): string => {
        try {
            run();
        } catch (error) {
            expect(error).to.be.instanceOf(InvalidInputError);
            return (error as Error).message;
        }
        throw new Error("expected the catalog to be rejected");
    };
    const write = (text: string): string => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "servers.yaml");
        fs.writeFileSync(file, text);
        return file;
    };

    it("heads every error with the file it is about and the number of problems", () => {
        expect(messageOf(() => loadCatalog(write("servers:\n  - name: [unclosed\n")))).to.match(
            /^Invalid catalog servers\.yaml: 1 problem\(s\)\n {2}- servers\.yaml:3:1: /,
        );
        expect(messageOf(() => loadCatalog(write("servers:\n  - name: a\n")))).to.match(
            /^Invalid catalog servers\.yaml: 5 problem\(s\)\n {2}- servers\.yaml:2:5 servers\[0\] \(a\)/,
        );
        expect(messageOf(() => validateCatalog({ servers: "x" }, "given.yaml"))).to.equal(
            'Invalid catalog given.yaml: 1 problem(s)\n  - given.yaml servers: got "x"; expected a list',
        );
    });

    it("calls data without a file 'catalog', and names the root and the entries of what is not a catalog at all", () => {
        expect(messageOf(() => validateCatalog("x"))).to.equal('Invalid catalog catalog: 1 problem(s)\n  - catalog (root): got "x"; expected an object');
        const problems = messageOf(() => validateCatalog({ servers: ["x", { name: 42 }] })).split("\n");
        expect(problems).to.include('  - catalog servers[0]: got "x"; expected an object');
        // A name that is not a string is no label for its entry.
        expect(problems).to.include("  - catalog servers[1].name: got 42; expected a string");
    });

    it("reports entries missing a port as missing, not as sharing an undefined port", () => {
        const message = messageOf(() => validateCatalog({ servers: [{ name: "a" }, { name: "b" }] }));
        expect(message).to.contain("catalog servers[1] (b).port: not set; expected a number");
        expect(message).to.not.contain("already used");
    });

    it("freezes what it validates all the way down, whether read from a file or given as data", () => {
        const catalog = validateCatalog(raw());
        const entry = catalog.servers.find((s) => s.resources)!;
        for (const value of [catalog, catalog.servers, entry, entry.resources, entry.resources!.limits, entry.clients])
            expect(Object.isFrozen(value), JSON.stringify(value)).to.equal(true);
        expect(() => (catalog.servers as unknown as unknown[]).push({})).to.throw(TypeError);
    });
});
