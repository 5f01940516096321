import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { importedClusterStacks } from "../../../clusters/offline";
import { DEPLOYED_KINDS, DEPLOYER_NAMESPACE, DEPLOYER_TOKEN_SECRET, renderK3sDeployer, verbsOf } from "../../../clusters/scripts/k3sDeployer";
import { readStackConfig } from "../../../commands/plan/stackConfig";
import { platformStacks } from "../../../esc/needs";
import { ROOT, runPlan } from "../../support/plan";
import { waitFor } from "../../support/tools";
import { buildEngine, buildKubectl, RunningEngine, startEngine } from "./apiserver";
import { assertAccepted, applyPlan, formatReport } from "./apply";
import { Connection, KubeClient } from "./client";

// The deployer's kubeconfig the K3s stacks hand to ESC, judged by a real kube-apiserver: the
// script (clusters/scripts/k3sDeployer.ts) runs with the release's own kubectl, the engine's
// token controller fills the token Secret as K3s's controller manager does, and the token then
// deploys the plans of the platform stacks that import a K3s cluster. The K3s binary is a
// stand-in that only hands `k3s kubectl` to that kubectl with the engine's admin credentials.
const BUILD_TIMEOUT_MS = 30 * 60_000;
/** The registration address the script is rendered with: the engine's serving certificate names it. */
const REGISTRATION_ADDRESS = "127.0.0.1";

/** Platform stacks whose stack file imports the hand-off of a K3s cluster stack, read from the stack files. */
function stacksOnK3sClusters(): string[] {
    return platformStacks(ROOT).filter((stack) =>
        importedClusterStacks(readStackConfig(ROOT, stack, () => []).environments, path.join(ROOT, "clusters")).some((c) => c.orchestrator === "k3s"),
    );
}

interface Kubeconfig {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { name: string; user: { token: string } }[];
}

describe("the K3s deployer's kubeconfig on a real Kubernetes API server", function () {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-deployer-"));
    const script = path.join(scratch, "k3s-deployer.sh");
    const standIns = path.join(scratch, "bin");
    const stacks = stacksOnK3sClusters();
    let engine: RunningEngine;
    let admin: Connection;

    before(async function () {
        this.timeout(BUILD_TIMEOUT_MS + 300_000);
        const engineBuild = buildEngine(scratch, BUILD_TIMEOUT_MS);
        const kubectl = buildKubectl(scratch, BUILD_TIMEOUT_MS).binary;
        engine = await startEngine(engineBuild.binary, path.join(scratch, "engine"));
        admin = JSON.parse(fs.readFileSync(path.join(scratch, "engine", "connection.json"), "utf8")) as Connection;
        const adminKubeconfig = path.join(scratch, "admin.kubeconfig");
        fs.writeFileSync(
            adminKubeconfig,
            YAML.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "engine", cluster: { server: admin.server, "certificate-authority": admin.caFile } }],
                users: [{ name: "admin", user: { token: admin.token } }],
                contexts: [{ name: "engine", context: { cluster: "engine", user: "admin" } }],
                "current-context": "engine",
            }),
            { mode: 0o600 },
        );
        fs.mkdirSync(standIns);
        fs.writeFileSync(
            path.join(standIns, "k3s"),
            `#!/bin/sh\n# Stand-in for the K3s binary: only \`k3s kubectl\`, which is kubectl with K3s's admin credentials.\n[ "$1" = kubectl ] || { echo "k3s stand-in: only kubectl" >&2; exit 64; }\nshift\nexec ${kubectl} --kubeconfig ${adminKubeconfig} "$@"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(script, renderK3sDeployer({ registrationAddress: REGISTRATION_ADDRESS }));
    });

    after(async function () {
        await engine?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    const runScript = () => {
        const run = spawnSync("bash", [script], { encoding: "utf8", env: { ...process.env, PATH: `${standIns}:${process.env.PATH}` }, timeout: 120_000 });
        return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    };

    /** A client that authenticates with the kubeconfig's token against the engine (the kubeconfig names port 6443). */
    function clientOf(kubeconfig: Kubeconfig, name: string): KubeClient {
        const caFile = path.join(scratch, `${name}-ca.crt`);
        fs.writeFileSync(caFile, Buffer.from(kubeconfig.clusters[0].cluster["certificate-authority-data"], "base64"));
        return new KubeClient({ server: admin.server, caFile, token: kubeconfig.users[0].user.token });
    }

    async function allowed(client: KubeClient, attributes: Record<string, string>): Promise<boolean> {
        const review = await client.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: { resourceAttributes: attributes },
        });
        expect(review.status, JSON.stringify(review.body)).to.equal(201);
        return (review.body.status as { allowed: boolean }).allowed;
    }

    let first: Kubeconfig;

    it("prints only a kubeconfig for the deployer's token through the registration address; a second run changes nothing", function () {
        this.timeout(180_000);
        const run = runScript();
        expect(run.code, run.stderr).to.equal(0);
        first = YAML.parse(run.stdout) as Kubeconfig;
        expect(first.clusters[0].cluster.server).to.equal(`https://${REGISTRATION_ADDRESS}:6443`);
        expect(Buffer.from(first.clusters[0].cluster["certificate-authority-data"], "base64").toString()).to.equal(fs.readFileSync(admin.caFile, "utf8"));
        expect(first.users[0].user.token).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(run.stderr).to.include("sophia: changed: clusterrole.rbac.authorization.k8s.io/sophia-deployer created");
        const again = runScript();
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stderr.trim().split("\n").at(-1)).to.equal("sophia: k3s-deployer: no changes");
        expect(again.stdout).to.equal(run.stdout);
    });

    it("deploys every manifest of the platform stacks on K3s clusters with the deployer's token", async function () {
        this.timeout(600_000);
        expect(stacks, "platform stacks importing a K3s cluster's hand-off").to.not.be.empty;
        const deployer = clientOf(first, "deployer");
        const podCreator = new KubeClient(admin);
        try {
            for (const stack of stacks) {
                const run = runPlan(["--stack", stack], {}, path.join(scratch, "plans"));
                expect(run.code, run.stderr).to.equal(0);
                const report = await applyPlan(deployer, path.join(scratch, "plans", stack), scratch, podCreator);
                console.log(formatReport(report).replace(/^/gm, "      "));
                expect(report.manifests.length).to.be.greaterThan(0);
                assertAccepted(report);
            }
        } finally {
            deployer.close();
            podCreator.close();
        }
    });

    it("is refused what the platform does not create: nodes, volumes, pod exec, other accounts' tokens, impersonation", async function () {
        const deployer = clientOf(first, "deployer-refusals");
        try {
            for (const kind of DEPLOYED_KINDS)
                for (const resource of kind.resources)
                    for (const verb of verbsOf(kind))
                        expect(await allowed(deployer, { group: kind.apiGroup, resource, verb }), `${verb} ${kind.apiGroup}/${resource}`).to.equal(true);
            const refused: Record<string, string>[] = [
                { resource: "nodes", verb: "update" },
                { resource: "nodes", verb: "get" },
                { resource: "persistentvolumes", verb: "delete" },
                { resource: "pods", verb: "create" },
                { resource: "pods", verb: "delete" },
                { resource: "pods", subresource: "portforward", verb: "create" },
                { resource: "pods", subresource: "exec", verb: "create" },
                { resource: "serviceaccounts", subresource: "token", verb: "create" },
                { resource: "secrets", verb: "deletecollection" },
                { resource: "users", verb: "impersonate" },
                { group: "storage.k8s.io", resource: "storageclasses", verb: "create" },
                { group: "certificates.k8s.io", resource: "certificatesigningrequests", verb: "create" },
            ];
            for (const attributes of refused) expect(await allowed(deployer, attributes), JSON.stringify(attributes)).to.equal(false);
        } finally {
            deployer.close();
        }
    });

    it("rotates: deleting the token Secret revokes the old token, and the next run hands over a new one", async function () {
        this.timeout(180_000);
        const adminClient = new KubeClient(admin);
        const old = clientOf(first, "old");
        try {
            expect((await old.request("GET", `/api/v1/namespaces/${DEPLOYER_NAMESPACE}/serviceaccounts`)).status).to.equal(200);
            const deleted = await adminClient.request("DELETE", `/api/v1/namespaces/${DEPLOYER_NAMESPACE}/secrets/${DEPLOYER_TOKEN_SECRET}`);
            expect(deleted.status, JSON.stringify(deleted.body)).to.equal(200);
            const run = runScript();
            expect(run.code, run.stderr).to.equal(0);
            expect(run.stderr).to.include(`secret/${DEPLOYER_TOKEN_SECRET} created`);
            const rotated = YAML.parse(run.stdout) as Kubeconfig;
            expect(rotated.users[0].user.token).to.not.equal(first.users[0].user.token);
            // The API server keeps a token's successful authentication for 10 s.
            await waitFor(
                "the old token refused",
                async () => (await old.request("GET", `/api/v1/namespaces/${DEPLOYER_NAMESPACE}/serviceaccounts`)).status === 401 || undefined,
                30_000,
                500,
            );
            const fresh = clientOf(rotated, "rotated");
            expect((await fresh.request("GET", `/api/v1/namespaces/${DEPLOYER_NAMESPACE}/serviceaccounts`)).status).to.equal(200);
            fresh.close();
        } finally {
            adminClient.close();
            old.close();
        }
    });
});
