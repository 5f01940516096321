import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTER_CONFIG_NAMESPACE, K3S_OLDEST_SUPPORTED_MINOR, loadClusterSettings } from "../../clusters/settings";
import { readStackConfig } from "../../commands/plan/stackConfig";
import { InvalidInputError } from "../../stacks/problems";
import { ROOT } from "../support/plan";

const CLUSTERS = path.join(ROOT, "clusters");

/** The settings of a stack file, read the way the program reads its config. */
function settingsOf(dir: string, stack: string) {
    const { config } = readStackConfig(dir, stack, () => []);
    return loadClusterSettings(stack, (key) => config[`${CLUSTER_CONFIG_NAMESPACE}:${key}`], dir);
}

/** A copy of the project with one stack file edited as text. */
function editedStack(stack: string, edit: (text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-clusters-"));
    fs.copyFileSync(path.join(CLUSTERS, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const file = `Pulumi.${stack}.yaml`;
    const text = fs.readFileSync(path.join(CLUSTERS, file), "utf8");
    const edited = edit(text);
    expect(edited, "the edit applies").to.not.equal(text);
    fs.writeFileSync(path.join(dir, file), edited);
    return dir;
}

function problemsOf(dir: string, stack: string): string[] {
    try {
        settingsOf(dir, stack);
    } catch (error) {
        if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.where}: ${p.message}`);
        throw error;
    }
    return [];
}

describe("cluster settings (clusters/Pulumi.<stack>.yaml)", () => {
    it("reads every stack file of the project", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const s = settingsOf(CLUSTERS, stack);
            expect(s.pools.length, stack).to.be.greaterThan(0);
            expect(s.lambdaApiUrl, "the published base URL").to.equal("https://cloud.lambda.ai/api/v1");
        }
        const staging = settingsOf(CLUSTERS, "staging");
        expect(staging.orchestrator).to.equal("k3s");
        expect(staging.pools.find((p) => p.name === "gh200")).to.include({ gpu: true, count: 2 });
        expect(staging.pools.find((p) => p.name === "servers")).to.include({ gpu: false });
    });

    it("lists every problem with file, line, key, the value it got and the fix", () => {
        const dir = editedStack("prod", (t) =>
            t
                .replace("sophia-clusters:managers: 3", "sophia-clusters:managers: 2")
                .replace("instanceType: gpu_1x_a100_sxm4", "instanceType: gpu_9x_imaginary")
                .replace("    - 203.0.113.0/24", "    - 0.0.0.0/0")
                .replace("      count: 2", "      count: 1.5")
                .replace("region: us-east-1", "region: us-east-9"),
        );
        const problems = problemsOf(dir, "prod");
        expect(problems).to.have.length(5);
        const text = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8").split("\n");
        const lineOf = (needle: string) => text.findIndex((l) => l.includes(needle)) + 1;
        expect(problems).to.include(
            `Pulumi.prod.yaml:${lineOf("managers: 2")}: sophia-clusters:managers: expected 1 or 3 (a Raft/etcd quorum needs an odd count; 3 survives one loss) (got 2)`,
        );
        expect(problems.find((p) => p.includes("instanceType"))).to.match(
            new RegExp(
                `^Pulumi.prod.yaml:${lineOf("gpu_9x")}: sophia-clusters:pools.workers.instanceType: expected a known Lambda instance type: .*gpu_1x_gh200.* \\(got "gpu_9x_imaginary"\\)$`,
            ),
        );
        expect(problems.find((p) => p.includes("allowedSshCidrs"))).to.equal(
            `Pulumi.prod.yaml:${lineOf("0.0.0.0/0")}: sophia-clusters:allowedSshCidrs[0]: SSH open to every address is not allowed: name the office or VPN ranges, e.g. 203.0.113.0/24 (got "0.0.0.0/0")`,
        );
        // The regions are those of Lambda's published document: a well-formed name it does not have is refused.
        expect(problems.find((p) => p.includes(".region"))).to.match(
            new RegExp(
                `^Pulumi.prod.yaml:${lineOf("us-east-9")}: sophia-clusters:pools\\.\\w+\\.region: expected a Lambda region such as us-east-1, one of .*us-west-1.* \\(got "us-east-9"\\)$`,
            ),
        );
        expect(problems.find((p) => p.includes("pools.workers.count"))).to.equal(
            `Pulumi.prod.yaml:${lineOf("count: 1.5")}: sophia-clusters:pools.workers.count: expected a whole number of machines (got 1.5)`,
        );
    });

    it("checks the pools against the orchestrator: roles, control-plane count, a pinned K3s", () => {
        const dir = editedStack("staging", (t) => t.replace("role: server", "role: manager").replace(/^ {2}sophia-clusters:k3sVersion: .*\n/m, ""));
        const problems = problemsOf(dir, "staging");
        expect(problems.some((p) => /sophia-clusters:pools.servers.role: orchestrator k3s has roles server and agent \(got "manager"\)/.test(p))).to.be.true;
        expect(problems.some((p) => /sophia-clusters:managers: the server pools have 0 machine\(s\) but managers is 1/.test(p))).to.be.true;
        expect(problems.some((p) => /^Pulumi.staging.yaml:\d+: sophia-clusters:k3sVersion: orchestrator k3s needs a pinned release/.test(p))).to.be.true;
    });

    it("refuses an API URL that would send the key in clear, and allows plain http only to this machine", () => {
        const withUrl = (url: string) => () =>
            loadClusterSettings(
                "dev",
                (k) => (k === "lambdaApiUrl" ? url : readStackConfig(CLUSTERS, "dev", () => []).config[`${CLUSTER_CONFIG_NAMESPACE}:${k}`]),
                CLUSTERS,
            );
        expect(withUrl("http://cloud.lambda.ai/api/v1")).to.throw(
            InvalidInputError,
            /sophia-clusters:lambdaApiUrl: expected an https URL such as https:\/\/cloud.lambda.ai\/api\/v1: the API key must not travel in clear .*\(got "http:\/\/cloud.lambda.ai\/api\/v1"\)/,
        );
        expect(withUrl("http://127.0.0.1:8080/api/v1")().lambdaApiUrl).to.equal("http://127.0.0.1:8080/api/v1");
        expect(withUrl("https://proxy.example/api/v1")().lambdaApiUrl).to.equal("https://proxy.example/api/v1");
    });

    it("refuses structured keys that are not YAML structures and keys it does not know", () => {
        const problems = problemsOf(
            editedStack("dev", (t) => t.replace("sophia-clusters:esc:", "sophia-clusters:colour: blue\n  sophia-clusters:esc:")),
            "dev",
        );
        expect(problems).to.deep.equal([]); // an unknown namespace key is not a setting: the program never reads it
        const parse = () => loadClusterSettings("dev", (k) => (k === "pools" ? "{not json" : undefined), CLUSTERS);
        expect(parse).to.throw(InvalidInputError, /sophia-clusters:pools: expected structured YAML/);
    });

    it("pins every K3s stack to a supported release and a registration address, and refuses one out of support", () => {
        const k3sStacks = fs
            .readdirSync(CLUSTERS)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => !!s && settingsOf(CLUSTERS, s).orchestrator === "k3s");
        expect(k3sStacks.length).to.be.greaterThan(0);
        for (const stack of k3sStacks) {
            const s = settingsOf(CLUSTERS, stack);
            expect(Number(/^v1\.(\d+)\./.exec(s.k3sVersion!)![1]), stack).to.be.at.least(K3S_OLDEST_SUPPORTED_MINOR);
            expect(s.k3sRegistrationAddress, stack).to.be.a("string");
            expect([s.k3sClusterCidr, s.k3sServiceCidr]).to.deep.equal(["10.42.0.0/16", "10.43.0.0/16"]);
        }
        const dir = editedStack("prod", (t) =>
            t.replace(/k3sVersion: .*/, "k3sVersion: v1.31.4+k3s1").replace(/^ {2}sophia-clusters:k3sRegistrationAddress: .*\n/m, ""),
        );
        const problems = problemsOf(dir, "prod");
        expect(
            problems.some((p) => /^Pulumi\.prod\.yaml:\d+: sophia-clusters:k3sVersion: K3s 1\.31 is out of support .*\(got "v1\.31\.4\+k3s1"\)$/.test(p)),
            problems.join("\n"),
        ).to.be.true;
        expect(
            problems.some((p) => /sophia-clusters:k3sRegistrationAddress: orchestrator k3s needs a fixed registration address/.test(p)),
            problems.join("\n"),
        ).to.be.true;
    });
});
