import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTER_PROJECT_DIR, clusterStacks } from "../../clusters/offline";
import {
    CLUSTER_CONFIG_NAMESPACE,
    type ClusterSettings,
    K3S_EXAMPLE_VERSION,
    K3S_OLDEST_SUPPORTED_MINOR,
    loadClusterSettings,
    ORCHESTRATORS,
} from "../../clusters/settings";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { InvalidInputError } from "../../stacks/problems";

const REQUIRED = "is required: set it in the stack file (see clusters/settings.ts for its meaning)";

describe("cluster settings: what a stack file's author is told", () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-cluster-settings-"));
        fs.copyFileSync(path.join(CLUSTER_PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    });

    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The settings of a shipped stack of the orchestrator, or of the first one. */
    const shipped = (orchestrator?: string): ClusterSettings => {
        const found = clusterStacks().find((s) => !orchestrator || s.orchestrator === orchestrator);
        expect(found, `a shipped ${orchestrator ?? ""} cluster stack`).to.not.equal(undefined);
        return found!;
    };
    const stackOf = (orchestrator?: string): string => shipped(orchestrator).stack;

    /**
     * Writes a copy of the stack file with sophia-clusters keys set (YAML text, on one line) or removed
     * (undefined): the key's line and the indented lines of its value are replaced.
     */
    function writeStack(stack: string, keys: Record<string, string | undefined>): string[] {
        const lines = fs.readFileSync(path.join(CLUSTER_PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8").split("\n");
        for (const [key, value] of Object.entries(keys)) {
            const at = lines.findIndex((l) => l.startsWith(`  ${CLUSTER_CONFIG_NAMESPACE}:${key}:`));
            const line = value === undefined ? [] : [`  ${CLUSTER_CONFIG_NAMESPACE}:${key}: ${value}`];
            if (at < 0) {
                expect(value, `${key} is in Pulumi.${stack}.yaml to remove`).to.not.equal(undefined);
                lines.splice(lines.indexOf("config:") + 1, 0, ...line);
                continue;
            }
            let end = at + 1;
            while (end < lines.length && /^ {4}/.test(lines[end])) end++;
            lines.splice(at, end - at, ...line);
        }
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), lines.join("\n"));
        return lines;
    }

    /** The settings read the way the program reads its config. */
    function load(stack: string): ClusterSettings {
        const { config } = readStackConfig(dir, stack, () => []);
        return loadClusterSettings(stack, (key) => config[`${CLUSTER_CONFIG_NAMESPACE}:${key}`], dir);
    }

    function problemsOf(stack: string): string[] {
        try {
            load(stack);
        } catch (error) {
            if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.where}: ${p.message}`);
            throw error;
        }
        expect.fail(`Pulumi.${stack}.yaml was accepted`);
    }

    /** "Pulumi.dev.yaml:7", the line of the key in the written stack file. */
    const at = (lines: string[], stack: string, key: string): string =>
        `Pulumi.${stack}.yaml:${lines.findIndex((l) => l.startsWith(`  ${CLUSTER_CONFIG_NAMESPACE}:${key}:`)) + 1}`;

    it("names the orchestrators it knows when the stack file sets another one", () => {
        const stack = stackOf();
        const lines = writeStack(stack, { orchestrator: "nomad" });
        expect(problemsOf(stack)).to.deep.equal([
            `${at(lines, stack, "orchestrator")}: ${CLUSTER_CONFIG_NAMESPACE}:orchestrator: expected one of ${ORCHESTRATORS.join(", ")} (got "nomad")`,
        ]);
    });

    it("says a key the stack file lacks is required, and that it got nothing", () => {
        const stack = stackOf();
        writeStack(stack, { sshKeyName: undefined, esc: "{ project: sophia }" });
        const problems = problemsOf(stack);
        const expected = (key: string) => new RegExp(`^Pulumi\\.${stack}\\.yaml:\\d+: ${CLUSTER_CONFIG_NAMESPACE}:${key.replace(".", "\\.")}: (.*)$`);
        for (const key of ["sshKeyName", "esc.organization"]) {
            const found = problems.map((p) => expected(key).exec(p)?.[1]).filter((m) => m !== undefined);
            expect(found, problems.join("\n")).to.deep.equal([`${REQUIRED} (got nothing)`]);
        }
        expect(problems).to.have.length(2);
    });

    it("keeps its own message for a missing orchestrator or managers, and for a value of the wrong type", () => {
        const { stack, pools } = shipped();
        writeStack(stack, { orchestrator: undefined, managers: undefined });
        const problems = problemsOf(stack);
        expect(problems.map((p) => p.replace(/^Pulumi\.[\w-]+\.yaml:\d+: /, ""))).to.deep.equal([
            `${CLUSTER_CONFIG_NAMESPACE}:orchestrator: expected one of ${ORCHESTRATORS.join(", ")} (got nothing)`,
            `${CLUSTER_CONFIG_NAMESPACE}:managers: expected 1 or 3 (a Raft/etcd quorum needs an odd count; 3 survives one loss) (got nothing)`,
        ]);

        // A count written as a quoted string is there, only of the wrong type: not "required".
        const [first] = pools;
        const pool = `{ ${first.name}: { role: ${first.role}, instanceType: ${first.instanceType}, region: ${first.region}, count: "${first.count}" } }`;
        writeStack(stack, { pools: pool });
        const countProblems = problemsOf(stack).filter((p) => p.includes(`${CLUSTER_CONFIG_NAMESPACE}:pools.${first.name}.count: `));
        expect(countProblems.map((p) => p.replace(/^Pulumi\.[\w-]+\.yaml:\d+: /, ""))).to.deep.equal([
            `${CLUSTER_CONFIG_NAMESPACE}:pools.${first.name}.count: expected a number (got "${first.count}")`,
        ]);
    });

    it("says managers must be a number, and a structured key a YAML structure, when the text is neither, once each with the text as written", () => {
        const stack = stackOf();
        const lines = writeStack(stack, { managers: "three", pools: "gpu-workers" });
        const problems = problemsOf(stack);
        for (const [key, expected, text] of [
            ["managers", "a number", "three"],
            ["pools", "structured YAML", "gpu-workers"],
        ]) {
            const own = problems.filter((p) => p.includes(` ${CLUSTER_CONFIG_NAMESPACE}:${key}: `));
            expect(own, problems.join("\n")).to.deep.equal([
                `${at(lines, stack, key)}: ${CLUSTER_CONFIG_NAMESPACE}:${key}: expected ${expected} (got "${text}")`,
            ]);
        }
    });

    it("accepts IPv4 octets up to 255 in a CIDR and refuses 256", () => {
        const stack = stackOf();
        writeStack(stack, { allowedSshCidrs: "[203.0.113.255/32, 255.255.255.0/24]", k3sClusterCidr: "10.255.0.0/16" });
        const s = load(stack);
        expect(s.allowedSshCidrs).to.deep.equal(["203.0.113.255/32", "255.255.255.0/24"]);
        expect(s.k3sClusterCidr).to.equal("10.255.0.0/16");

        const lines = writeStack(stack, { allowedSshCidrs: "[203.0.113.256/32]" });
        expect(problemsOf(stack)).to.deep.equal([
            `${at(lines, stack, "allowedSshCidrs")}: ${CLUSTER_CONFIG_NAMESPACE}:allowedSshCidrs[0]: expected an IPv4 CIDR such as 203.0.113.0/24: an octet is above 255 (got "203.0.113.256/32")`,
        ]);
    });

    it("lets the Lambda API URL be plain http to this machine by any of its names: 127.0.0.1, localhost, [::1]", () => {
        const stack = stackOf();
        for (const url of ["http://127.0.0.1:8080/api/v1", "http://localhost:8080/api/v1", "http://[::1]:8080/api/v1"]) {
            writeStack(stack, { lambdaApiUrl: url });
            expect(load(stack).lambdaApiUrl, url).to.equal(url);
        }
        // Another machine's name that only begins like this one's is still sent the key in clear: refused.
        const lines = writeStack(stack, { lambdaApiUrl: "http://localhost.example:8080/api/v1" });
        expect(problemsOf(stack)).to.have.length(1);
        expect(problemsOf(stack)[0]).to.match(
            new RegExp(
                `^${at(lines, stack, "lambdaApiUrl").replace(/\./g, "\\.")}: ${CLUSTER_CONFIG_NAMESPACE}:lambdaApiUrl: expected an https URL .*the API key must not travel in clear`,
            ),
        );
    });

    it("accepts the oldest supported K3s minor release and refuses the one before it, naming both", () => {
        const stack = stackOf("k3s");
        const oldest = `v1.${K3S_OLDEST_SUPPORTED_MINOR}.0+k3s1`;
        writeStack(stack, { k3sVersion: oldest });
        expect(load(stack).k3sVersion).to.equal(oldest);

        const older = `v1.${K3S_OLDEST_SUPPORTED_MINOR - 1}.9+k3s1`;
        const lines = writeStack(stack, { k3sVersion: older });
        expect(problemsOf(stack)).to.deep.equal([
            `${at(lines, stack, "k3sVersion")}: ${CLUSTER_CONFIG_NAMESPACE}:k3sVersion: K3s 1.${K3S_OLDEST_SUPPORTED_MINOR - 1} is out of support ` +
                `(the oldest supported minor release is 1.${K3S_OLDEST_SUPPORTED_MINOR}): pin a supported release such as ${K3S_EXAMPLE_VERSION} ` +
                `and upgrade one minor release at a time (docs/04-deployment/clusters.md, "Upgrade K3s") (got "${older}")`,
        ]);
    });
});
