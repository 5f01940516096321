import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanFile } from "../../commands/plan/planFile";
import type { RecordedResource } from "../../commands/plan/recorder";
import { planOf, ROOT } from "../support/plan";

type Obj = Record<string, any>;

/** `npm run policy -- --plan <file>`, as a contributor runs it. */
function policy(planFile: string, ...extra: string[]) {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "commands/policy/cli.ts"), "--plan", planFile, ...extra], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-policy-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function writePlan(name: string, stack: string, resources: Omit<RecordedResource, "parent" | "custom" | "dependsOn">[], extra: Partial<PlanFile> = {}): string {
    const plan = {
        stack,
        project: "sophia",
        target: "kubernetes",
        resources: resources.map((r) => ({ parent: null, custom: true, dependsOn: Object.values(r.propertyDependencies ?? {}).flat(), ...r })),
        policy: { violations: [] },
        ...extra,
    };
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(plan));
    return file;
}

const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::sophia::${type}::${name}`;

describe("npm run policy on the real stacks", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: the plan has no mandatory violation, and the CLI agrees on its plan file`, () => {
            const run = planOf(stack);
            const mandatory = run.plan!.policy.violations.filter((v) => v.level === "mandatory");
            expect(mandatory, JSON.stringify(mandatory, null, 2)).to.deep.equal([]);
            const result = policy(path.join(run.out, stack, "plan.json"));
            expect(result.code, result.stdout + result.stderr).to.equal(0);
            expect(result.stdout).to.match(new RegExp(`Policy: ${run.plan!.policy.violations.length} violation\\(s\\), 0 mandatory, on stack ${stack}`));
        });
    }
    it("prod (Kubernetes) runs no docker-agent: the Docker socket exists on Swarm nodes only", () => {
        const run = planOf("prod");
        const workloads = run.plan!.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
        expect(workloads.map((r) => (r.inputs as Obj).metadata.name)).to.not.include("docker-agent");
        expect(JSON.stringify(workloads.map((r) => r.inputs))).to.not.include("/var/run/docker.sock");
    });
    it("prod: a Deployment that mounts the Docker socket is a mandatory violation, whatever its name", () => {
        const run = planOf("prod");
        const some = run.plan!.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as Obj).metadata.name === "codacy")!;
        const mounted = JSON.parse(JSON.stringify(some).replaceAll("codacy", "docker-agent")) as Obj;
        mounted.inputs.spec.template.spec.volumes.push({ name: "docker-sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } });
        const result = policy(writePlan("docker-agent", "prod", [mounted as typeof some]));
        expect(result.code).to.equal(1);
        expect(result.stdout).to.match(/\[mandatory\] disallow-host-path .*docker-agent.*mounts host path \/var\/run\/docker.sock/);
    });
});

describe("npm run policy on crafted plans", () => {
    const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
    const privileged = {
        urn: urn("prod", DEPLOYMENT, "bad"),
        type: DEPLOYMENT,
        name: "bad",
        inputs: {
            metadata: { name: "bad", namespace: "sophia-mcp" },
            spec: {
                replicas: 1,
                template: {
                    metadata: { labels: { app: "bad" } },
                    spec: { containers: [{ name: "bad", image: "registry.sophia-ai.com/bad:1.0.0", securityContext: { privileged: true } }] },
                },
            },
        },
    };
    it("fails a privileged container with disallow-privileged, listing id, URN and message", () => {
        const result = policy(writePlan("privileged", "prod", [privileged]));
        expect(result.code).to.equal(1);
        expect(result.stdout).to.include(`[mandatory] disallow-privileged ${privileged.urn}: container "bad" runs privileged`);
    });
    it("fails a public, unencrypted bucket with the bucket rules", () => {
        const bucket = { urn: urn("prod", "aws:s3/bucket:Bucket", "open"), type: "aws:s3/bucket:Bucket", name: "open", inputs: { acl: "public-read" } };
        const result = policy(writePlan("bucket", "prod", [bucket]));
        expect(result.code).to.equal(1);
        for (const id of ["require-bucket-public-access-block", "enforce-bucket-owner-enforced", "require-bucket-sse-kms", "require-bucket-tls-only-policy"]) {
            expect(result.stdout).to.include(`[mandatory] ${id} ${bucket.urn}:`);
        }
    });
    it("fails a wildcard IAM policy with disallow-iam-wildcards", () => {
        const p = {
            urn: urn("prod", "aws:iam/userPolicy:UserPolicy", "admin"),
            type: "aws:iam/userPolicy:UserPolicy",
            name: "admin",
            inputs: { user: "backup", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
        };
        const result = policy(writePlan("iam", "prod", [p]));
        expect(result.code).to.equal(1);
        expect(result.stdout).to.include(`[mandatory] disallow-iam-wildcards ${p.urn}: statement 0 allows wildcard action *`);
    });
    it("reports the same findings as advisory in dev and exits 0", () => {
        const result = policy(writePlan("privileged-dev", "dev", [{ ...privileged, urn: urn("dev", DEPLOYMENT, "bad") }]));
        expect(result.code).to.equal(0);
        expect(result.stdout).to.match(/\[advisory\] disallow-privileged/);
    });
    it("takes another policy config with --config", () => {
        const config = path.join(dir, "lenient.json");
        fs.writeFileSync(config, JSON.stringify({ all: "advisory" }));
        expect(policy(writePlan("privileged-2", "prod", [privileged]), "--config", config).code).to.equal(0);
    });
    it("names the --config file it cannot use, with the reason and the fix, exit 2", () => {
        const plan = writePlan("config-errors", "prod", [privileged]);
        const notJson = path.join(dir, "not-json.json");
        fs.writeFileSync(notJson, "{ all: advisory");
        const unknownRule = path.join(dir, "unknown-rule.json");
        fs.writeFileSync(unknownRule, JSON.stringify({ "no-such-rule": "advisory" }));
        const cases: [string, RegExp][] = [
            [path.join(dir, "missing.json"), /cannot read policy config .*missing\.json: ENOENT; pass a JSON file of rule → enforcement level/],
            [notJson, /cannot read policy config .*not-json\.json: .*JSON/],
            [unknownRule, /invalid policy config .*unknown-rule\.json: no-such-rule: no such policy/],
        ];
        for (const [config, message] of cases) {
            const result = policy(plan, "--config", config);
            expect(result.code, config).to.equal(2);
            expect(result.stderr).to.match(message);
        }
    });
    it("flags a placeholder secret in a plain stack output", () => {
        const stack = { urn: urn("prod", "pulumi:pulumi:Stack", "sophia-prod"), type: "pulumi:pulumi:Stack", name: "sophia-prod", inputs: {} };
        const file = writePlan("leak", "prod", [stack], {
            outputs: { token: "offline-placeholder:sophia:GITHUB_TOKEN" },
            summary: { placeholders: ["sophia:GITHUB_TOKEN"] } as never,
        });
        const result = policy(file);
        expect(result.code).to.equal(1);
        expect(result.stdout).to.include("disallow-secret-outputs");
    });
    it("exits 2 on a missing or malformed plan file", () => {
        expect(policy(path.join(dir, "missing.json")).code).to.equal(2);
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, "{ not json");
        expect(policy(bad).code).to.equal(2);
        fs.writeFileSync(bad, JSON.stringify({ stack: "prod", resources: [{ name: "x" }] }));
        const result = policy(bad);
        expect(result.code).to.equal(2);
        expect(result.stderr).to.match(/resources\[0\] has no urn or type/);
    });
});
